"""Bearer tokens in SQL: the one lookup every request makes, and the hourly last-used stamp."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.engine import Engine, Row

from ...domain.parties import ApiToken, User
from ...domain.reads import Read
from .compiler import beside
from .engine import ANY_TIMEOUT, read_options
from .mapping import MAPPINGS
from .tables import api_tokens, users

_TOKEN, _USER = MAPPINGS[ApiToken], MAPPINGS[User]

#: Token and user in one statement, by the unique index on token_hash: a request's whole cost.
_LOOKUP = (
    select(*(api_tokens.c[name] for name in _TOKEN.columns), *(users.c[name] for name in _USER.columns))
    .join_from(api_tokens, users, api_tokens.c.user_id == users.c.id)
    .where(api_tokens.c.token_hash == bindparam("token_hash"))
)

#: Stamp last use unless a recent stamp is there already (so concurrent workers write it once).
_TOUCH = (
    update(api_tokens)
    .where(
        api_tokens.c.id == bindparam("_id"),
        or_(api_tokens.c.last_used_at.is_(None), api_tokens.c.last_used_at < bindparam("_cutoff")),
    )
    .values(last_used_at=bindparam("_now"))
)


def _object(cls, columns: tuple[str, ...], values) -> object:
    obj = object.__new__(cls)
    obj.__dict__.update(zip(columns, values, strict=True))
    return obj


def _pair(row: Row | None) -> tuple[ApiToken, User] | None:
    """Plain objects, tracked by no unit of work: authenticating never writes them."""
    if row is None:
        return None
    split = len(_TOKEN.columns)
    return _object(ApiToken, _TOKEN.columns, row[:split]), _object(User, _USER.columns, row[split:])


class TokenLookup:
    """`lookup(token_hash)` for the request path: the one statement and nothing around it.

    A single SELECT sees one consistent snapshot by itself, so on PostgreSQL it runs in autocommit:
    one round trip, where a read transaction would add BEGIN and ROLLBACK (measured: about 2.5 times
    the time, benchmarks/auth.py). SQLite is in-process; there it is a deferred read transaction.
    """

    def __init__(self, engine: Engine):
        self.engine = engine
        self.options = {**read_options(engine, single=True), **ANY_TIMEOUT}

    def __call__(self, token_hash: str) -> tuple[ApiToken, User] | None:
        with self.engine.connect() as conn:
            return _pair(conn.execution_options(**self.options).execute(_LOOKUP, {"token_hash": token_hash}).first())

    def with_answers(
        self, token_hash: str, reads: tuple[Read, ...]
    ) -> tuple[tuple[ApiToken, User] | None, tuple[str | None, ...]]:
        """The token and its user, and the store's JSON answer to each read tree, in one statement: one round
        trip, one snapshot. The answers are only the caller's to use if the token is valid and names the
        viewer the reads were planned for. Under the request's deadline, unlike a lookup alone."""
        sql, params, converters = beside(_LOOKUP, reads, self.engine.dialect)
        with self.engine.connect() as conn:
            conn = conn.execution_options(**read_options(self.engine, single=True))
            row = conn.exec_driver_sql(sql, {**params, "token_hash": token_hash}).first()
        if row is None:
            return None, ()
        split = len(converters)
        values = [value if convert is None else convert(value) for convert, value in zip(converters, row[:split])]
        return _pair(values), tuple(row[split:])


class TokenQueries:
    """What the tokens repository (uow.SqlTokens) adds to the generic one; `self.uow` is its unit of work."""

    def lookup(self, token_hash: str) -> tuple[ApiToken, User] | None:
        """The token with this hash and its user, read in one indexed statement; None if unknown."""
        return _pair(self.uow.connection.execute(_LOOKUP, {"token_hash": token_hash}).first())

    def touch(self, token_id: int, now: datetime, cutoff: datetime) -> bool:
        """Set last_used_at = now if it is unset or older than cutoff; True if this wrote it."""
        self.uow.flush()
        return self.uow.connection.execute(_TOUCH, {"_id": token_id, "_now": now, "_cutoff": cutoff}).rowcount == 1
