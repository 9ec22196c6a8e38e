"""The SQL unit of work: one connection, one transaction, repositories over the plain domain classes.

It is a small data mapper on SQLAlchemy Core. Rows become domain objects through their own
constructors; each loaded object is remembered with a snapshot of its row (an identity map), and
`flush` writes back the objects that differ from their snapshot — a document together with its
lines, bumping its version with `WHERE version = <the one we read>` so a concurrent change is a
CONFLICT, never a lost update. New objects are inserted when added, so they have their ids at once.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import fields
from decimal import Decimal
from functools import cache, lru_cache
from sys import getsizeof
from typing import Any, Generic, TypeVar

from sqlalchemy import String, and_, bindparam, delete, func, insert, or_, select, text, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import IntegrityError

from ...domain import deadline
from ...domain.activity import Activity
from ...domain.company import Company
from ...domain.documents import Blob, Rendition, SigningKey, Snapshot
from ...domain.errors import DomainError, ErrorCode
from ...domain.invoice import Invoice, Payment, PaymentReversal
from ...domain.lead import Lead
from ...domain.mail import Mail
from ...domain.message import Message, named
from ...domain.opportunity import Opportunity, Stage
from ...domain.order import Delivery, Order
from ...domain.outbox import OutboxEntry
from ...domain.parties import Account, ApiToken, Contact, User
from ...domain.query import MAX_ID, Filter, PageSpec
from ...domain.quote import Quote
from ...domain.reads import Read
from ...domain.sync import RejectedPayment, SyncCursor, SyncJob
from .compiler import answer as compiled_answer
from .engine import read_options
from .events import notify
from .idempotency import SqlIdempotencyStore
from .lazy import Cohort, LazyLines
from .mapping import MAPPINGS, Mapping
from .numbering import SqlNumberSeries
from .queries import HALF, changes_query, committed_query, count_query, page_query, totals_query
from .tables import activities, outbox
from .tokens import TokenQueries

T = TypeVar("T")

STALE = Message("{record} was changed by someone else since it was read: reload it")


@cache
def _statements(mapping: Mapping) -> dict:
    """Prebuilt statements per table, so SQLAlchemy's compiled cache is hit without rebuilding them."""
    table = mapping.table
    return {
        "get": mapping.by_id(lock=False),
        "lock": mapping.by_id(lock=True),
        "insert": insert(table).returning(table.c.id, sort_by_parameter_order=True),
        "insert_many": (
            insert(table).returning(table.c.id, table.c[mapping.natural_key]) if mapping.natural_key else None
        ),
        "delete": delete(table).where(table.c.id.in_(bindparam("ids", expanding=True))),
        "lines": mapping.lines_of() if mapping.lines else None,
    }


_WITH_LINES = frozenset(m.cls for m in MAPPINGS.values() if m.lines is not None)


def _build(cls, columns: tuple[str, ...], row: tuple):
    """A domain object from a row, without running its constructor: the row has every field.

    (The classes are plain dataclasses with no __post_init__, so this is what __init__ would do,
    at a fraction of the cost when a page brings back a thousand lines.)
    """
    obj = object.__new__(cls)
    obj.__dict__.update(zip(columns, row))
    if cls in _WITH_LINES:
        obj.lines = []
    return obj


@cache
def _text_at(mapping: Mapping) -> tuple[int, ...]:
    """Where a row of the table holds text: what the read budget counts."""
    return tuple(i for i, c in enumerate(mapping.columns) if isinstance(mapping.table.c[c].type, String))


class Tracked:
    """A loaded or inserted object and the row (a tuple in column order) it was last written or read as.

    `lines` is the snapshot of a document's line rows by id; None while a read-only unit of work has
    not read them yet (then `unread` is the LazyLines the document was given). `line_rows` is the same
    snapshot as a tuple in the document's order, when known: a flush compares the lines with it in one
    step, and looks at them one by one only when they differ.
    """

    __slots__ = ("obj", "row", "lines", "line_rows", "bumped", "unread")

    def __init__(self, obj, row: tuple, lines: dict[int, tuple] | None = None, bumped: bool = False):
        self.obj, self.row, self.lines = obj, row, lines
        self.line_rows: tuple[tuple, ...] | None = None
        self.bumped = bumped  # one transaction moves a version once, however often it writes
        self.unread: LazyLines | None = None


def _changes(mapping: Mapping, row: tuple, before: tuple) -> dict:
    """The columns whose values differ from the snapshot: only they are written."""
    return {c: new for c, new, old in zip(mapping.columns, row, before, strict=True) if new != old and c != "id"}


@lru_cache(maxsize=4096)
def _update(mapping: Mapping, names: tuple[str, ...]):
    """UPDATE … SET <these columns> WHERE id = :_id [AND version = :_version], built once per column set."""
    table = mapping.table
    where = table.c.id == bindparam("_id")
    if mapping.versioned:
        where = and_(where, table.c.version == bindparam("_version"))
    return update(table).where(where).values({c: bindparam(c) for c in names})


def _params(mapping: Mapping, row: tuple) -> dict:
    """Statement parameters for a row: every column but the id."""
    return {c: v for c, v in zip(mapping.columns, row, strict=True) if c != "id"}


class SqlRepository(Generic[T]):
    def __init__(self, uow: SqlUnitOfWork, cls: type[T]):
        self.uow, self.mapping = uow, MAPPINGS[cls]

    def get(self, ident: int, *, lock: bool = False) -> T | None:
        return self.uow.load_one(self.mapping, ident, lock)

    def add(self, obj: T) -> T:
        self.uow.insert(self.mapping, obj)
        return obj

    def find(self, *, order_by: str | None = None, lock: bool = False, **equals: Any) -> list[T]:
        given = {k: v for k, v in equals.items() if v is not None}
        missing = tuple(sorted(k for k, v in equals.items() if v is None))  # matched with IS NULL
        query = _query(self.mapping, "all", tuple(sorted(given)), order_by or "id", missing, lock)
        return self.uow.load_many(self.mapping, query, given, lock=lock)

    def find_in(
        self,
        attribute: str,
        values: Iterable[Any],
        *,
        per_value: int | None = None,
        after: int | None = None,
        **equals: Any,
    ) -> list[T]:
        params = {attribute: list(values), **equals}
        if per_value is None and after is None:
            query = _query(self.mapping, "in", (attribute, *sorted(equals)), "id")
        else:
            query = _first_in(self.mapping, attribute, tuple(sorted(equals)), after is not None)
            params["_limit"] = per_value if per_value is not None else MAX_ID
            if after is not None:
                params["_after"] = after
        return self.uow.load_many(self.mapping, query, params)

    def find_any(self, **equals: Any) -> list[T]:
        given = {k: v for k, v in equals.items() if v is not None}
        if not given:
            return []
        return self.uow.load_many(self.mapping, _query(self.mapping, "any", tuple(sorted(given)), "id"), given)

    def page(self, spec: PageSpec) -> tuple[list[T], bool]:
        rows = self.uow.load_many(self.mapping, page_query(self.mapping, spec))
        return rows[: spec.limit], len(rows) > spec.limit

    def count(self, spec: PageSpec) -> int:
        self.uow.flush()
        return self.uow.connection.execute(count_query(self.mapping, spec)).scalar_one()

    def totals(self, flt: Filter, group_by: tuple[str, ...], sum_of: str) -> list[tuple]:
        self.uow.flush()
        dialect = self.uow.connection.dialect.name
        rows = self.uow.connection.execute(totals_query(self.mapping, flt, group_by, sum_of, dialect)).all()
        if dialect != "sqlite":  # NUMERIC sums cannot overflow and come back as exact Decimals
            return [tuple(row) for row in rows]
        scale = self.mapping.table.c[sum_of].type.scale  # scaled integers: recombine the halves, then scale
        return [(*row[:-2], Decimal((int(row[-2]) << HALF) + int(row[-1])).scaleb(-scale)) for row in rows]


@lru_cache(maxsize=1024)
def _query(
    mapping: Mapping, how: str, names: tuple[str, ...], order_by: str, missing: tuple[str, ...] = (), lock: bool = False
):
    """A SELECT per (table, kind of match, attributes), built once and reused with new values."""
    table = mapping.table
    if how == "in":
        tests = [table.c[names[0]].in_(bindparam(names[0], expanding=True))]
        tests += [table.c[n] == bindparam(n) for n in names[1:]]
    else:
        tests = [table.c[n] == bindparam(n) for n in names]
    if how == "any":
        tests = [or_(*tests)]
    tests += [table.c[n].is_(None) for n in missing]
    query = select(*mapping.selected).where(*tests).order_by(table.c[order_by])
    return query.with_for_update() if lock else query


@lru_cache(maxsize=256)
def _first_in(mapping: Mapping, attribute: str, equals: tuple[str, ...], after: bool):
    """The first :_limit rows by id for each value of `attribute` (ids above :_after if `after`), at once.

    ROW_NUMBER() per parent keeps one statement for a whole page of parents, as find_in does, while
    a parent with a million children still reads only its first few (SQLite ≥ 3.25, PostgreSQL).
    Only the ids are ranked, then the rows they pick are read: ranking whole rows would sort every
    child's long texts (a quote's terms) before the first row comes back.
    """
    table = mapping.table
    tests = [table.c[attribute].in_(bindparam(attribute, expanding=True))]
    tests += [table.c[n] == bindparam(n) for n in equals]
    if after:
        tests.append(table.c.id > bindparam("_after"))
    rank = func.row_number().over(partition_by=table.c[attribute], order_by=table.c.id).label("_rank")
    ranked = select(table.c.id, rank).where(*tests).subquery()
    first = select(ranked.c.id).where(ranked.c._rank <= bindparam("_limit"))
    return select(*mapping.selected).where(table.c.id.in_(first)).order_by(table.c.id)


_APPEND_ACTIVITY = insert(activities)
# PostgreSQL: each row also records the id of the transaction writing it, for the change feed.
_APPEND_ACTIVITY_RETURNING = (
    insert(activities)
    .values(txid=text("pg_current_xact_id()::text::bigint"))
    .returning(activities.c.id, sort_by_parameter_order=True)
)
_ACTIVITY_FIELDS = [f.name for f in fields(Activity) if f.name not in ("id", "txid")]  # the database sets those


class SqlActivityLog(SqlRepository[Activity]):
    """Activities are only ever appended: they go in with one multi-row INSERT at commit."""

    def __init__(self, uow: SqlUnitOfWork):
        super().__init__(uow, Activity)
        self.pending: list[Activity] = []

    def add(self, obj: Activity) -> Activity:
        self.pending.append(obj)
        return obj

    def write(self) -> None:
        if not self.pending:
            return
        rows = [{n: getattr(a, n) for n in _ACTIVITY_FIELDS} for a in self.pending]
        connection = self.uow.connection
        if connection.dialect.name == "postgresql":
            # The ids go out with NOTIFY, which PostgreSQL delivers when (and only if) this commits.
            ids = connection.execute(_APPEND_ACTIVITY_RETURNING, rows).scalars().all()
            for a, ident in zip(self.pending, ids, strict=True):
                a.id = ident
            notify(connection, ids)
        else:
            connection.execute(_APPEND_ACTIVITY, rows)
        self.pending.clear()

    def find(self, *, order_by: str | None = None, **equals: Any) -> list[Activity]:
        self.write()
        return super().find(order_by=order_by, **equals)

    def find_in(self, attribute: str, values: Iterable[Any], **options: Any) -> list[Activity]:
        self.write()
        return super().find_in(attribute, values, **options)

    def find_any(self, **equals: Any) -> list[Activity]:
        self.write()
        return super().find_any(**equals)

    def get(self, ident: int, *, lock: bool = False) -> Activity | None:
        self.write()
        return super().get(ident, lock=lock)

    def committed_after(
        self, position: tuple[int, int], limit: int, types: tuple[str, ...] = ()
    ) -> list[tuple[tuple[int, int], Activity]]:
        """Activities in commit order after a position, each with its own position.

        Gap-free: a transaction still running can never later add a row before a position already
        handed out. SQLite writers are serialised, so ids come in commit order. On PostgreSQL, rows
        are ordered by (transaction id, id) and only transactions older than every one still
        running (the snapshot's xmin) are shown.
        """
        self.write()
        conn = self.uow.connection
        query = changes_query(conn.dialect.name, position, limit, types)
        rows = conn.execute(query).all()
        columns = self.mapping.columns
        out = []
        for row in rows:
            activity = _build(Activity, columns, tuple(row))
            out.append(((activity.txid or 0, activity.id), activity))
        return out


_OUTBOX_FIELDS = ("invoice_id", "operation", "created_at")
_APPEND_OUTBOX = insert(outbox).returning(outbox.c.id)
_APPEND_OUTBOX_PG = insert(outbox).values(txid=text("pg_current_xact_id()::text::bigint")).returning(outbox.c.id)


class SqlOutbox(SqlRepository[OutboxEntry]):
    """Outbox entries are only appended; on PostgreSQL each records its transaction's id, so the
    worker can take them in commit order (committed_after) and never skip a late committer."""

    def __init__(self, uow: SqlUnitOfWork):
        super().__init__(uow, OutboxEntry)

    def add(self, obj: OutboxEntry) -> OutboxEntry:
        self.uow.flush()
        connection = self.uow.connection
        statement = _APPEND_OUTBOX_PG if connection.dialect.name == "postgresql" else _APPEND_OUTBOX
        obj.id = connection.execute(statement, {n: getattr(obj, n) for n in _OUTBOX_FIELDS}).scalar_one()
        return obj

    def committed_after(self, position: tuple[int, int], limit: int) -> list[tuple[tuple[int, int], OutboxEntry]]:
        self.uow.flush()
        connection = self.uow.connection
        rows = connection.execute(committed_query(outbox, connection.dialect.name, position, limit)).all()
        entries = [_build(OutboxEntry, self.mapping.columns, tuple(row)) for row in rows]
        return [((e.txid or 0, e.id), e) for e in entries]


class SqlTokens(TokenQueries, SqlRepository[ApiToken]):
    """Bearer tokens: the generic repository, plus the one-statement lookup and the last-used stamp."""

    def __init__(self, uow: SqlUnitOfWork):
        super().__init__(uow, ApiToken)


REPOSITORIES = {
    "users": User,
    "accounts": Account,
    "company": Company,
    "contacts": Contact,
    "leads": Lead,
    "stages": Stage,
    "opportunities": Opportunity,
    "quotes": Quote,
    "orders": Order,
    "deliveries": Delivery,
    "invoices": Invoice,
    "payments": Payment,
    "payment_reversals": PaymentReversal,
    "tokens": ApiToken,
    "sync_jobs": SyncJob,
    "sync_cursors": SyncCursor,
    "rejected_payments": RejectedPayment,
    "blobs": Blob,
    "snapshots": Snapshot,
    "renditions": Rendition,
    "signing_keys": SigningKey,
    "mails": Mail,
}


class SqlUnitOfWork:
    """`with uow:` opens a connection and a transaction; commit() or leaving the block ends it.

    A read-only unit of work (a GraphQL request's reads) gives documents their lines only when
    something touches them: then the lines of every document read in the same statement come in
    one statement (lazy.py). With `max_read_bytes`, it also refuses to read more text than that in
    one transaction (RESPONSE_TOO_LARGE): the safety net for what a query's cost cannot foresee,
    such as long texts in records it asks for.
    """

    def __init__(self, engine: Engine, *, read_only: bool = False, max_read_bytes: int = 0):
        self.engine = engine
        self.read_only = read_only  # on SQLite a reader does not take the write lock
        self.max_read_bytes = max_read_bytes if read_only else 0  # 0: no budget
        self.read_bytes = 0
        self.connection: Connection | None = None
        for name, cls in REPOSITORIES.items():
            setattr(self, name, SqlRepository(self, cls))
        self.activities = SqlActivityLog(self)
        self.outbox = SqlOutbox(self)
        self.tokens = SqlTokens(self)

    # -- transaction -------------------------------------------------------------------------
    def __enter__(self) -> SqlUnitOfWork:
        if self.connection is not None:
            raise RuntimeError("this unit of work is already in a transaction")
        self.connection = self.engine.connect()
        if self.read_only:
            self.connection = self.connection.execution_options(**read_options(self.engine))
        self.connection.begin()
        self._tracked: dict[tuple[type, int], Tracked] = {}
        self._locked: set[tuple[type, int]] = set()
        self.read_bytes = 0
        self.activities.pending.clear()
        self.numbers = SqlNumberSeries(self.connection)  # per transaction: it holds the series it locked
        self.idempotency = SqlIdempotencyStore(self.connection)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # Closing returns the connection, which rolls back anything not committed. What was read
        # stays usable: the objects are plain dataclasses.
        self.connection.close()
        self.connection = None
        if exc is not None:
            translated = self._domain_error(exc)
            if translated is not None:
                raise translated from None

    def flush(self) -> None:
        """Write every tracked object that changed since it was read or last written."""
        try:
            for tracked in list(self._tracked.values()):
                self._write(tracked)
        except IntegrityError as exc:
            translated = self._domain_error(exc)
            if translated is None:
                raise
            raise translated from None

    def commit(self) -> None:
        self.flush()
        self.activities.write()
        limit = deadline.current()
        if limit is not None:
            limit.check()  # out of time: leaving the unit of work rolls back instead
        self.connection.commit()
        if limit is not None:
            limit.committed()  # a request stopped later must say that this much was kept

    def rollback(self) -> None:
        self.connection.rollback()

    @staticmethod
    def _domain_error(exc: BaseException) -> DomainError | None:
        """The domain error a database failure stands for, if it stands for one."""
        if not isinstance(exc, IntegrityError):
            return None
        message = str(exc.orig).lower()
        if "immutable" in message:
            return DomainError(ErrorCode.INVALID_TRANSITION, "issued invoices are immutable")
        if "foreign key" in message:  # operations check references first; this is the safety net
            return DomainError(ErrorCode.NOT_FOUND, "a record it refers to does not exist")
        if "unique" in message:  # two transactions created the same record at once: the later one lost
            return DomainError(
                ErrorCode.CONFLICT, "another transaction wrote the same record at the same time; try again"
            )
        return None

    # -- reading -----------------------------------------------------------------------------
    def answer(self, read: Read) -> str | None:
        """The JSON text answering a read tree, built by the database in one statement (compiler.py);
        outside a transaction, on a connection of its own, for that one statement."""
        self._within_budget()
        if self.connection is None:
            with self.engine.connect().execution_options(**read_options(self.engine, single=True)) as alone:
                text = compiled_answer(alone, read)
        else:
            text = compiled_answer(self.connection, read)
        return self.counted(text)

    def counted(self, text: str | None) -> str | None:
        if self.max_read_bytes and text:  # what a compiled read holds is its answer: counted whole
            if self.read_bytes + len(text) > self.max_read_bytes:
                # not counted: a caller reading the same records by other means meets the budget itself
                raise self._over_budget()
            self.read_bytes += len(text)
        return text

    def load_one(self, mapping: Mapping, ident, lock: bool):
        key = (mapping.cls, ident)
        tracked = self._tracked.get(key)
        if tracked is not None:
            if lock and key not in self._locked:
                self._lock(mapping, tracked)
            return tracked.obj
        self._within_budget()
        stmts = _statements(mapping)
        row = self.connection.execute(stmts["lock" if lock else "get"], {"id": ident}).first()
        if row is None:
            return None
        if lock:
            self._locked.add(key)
        return self._track(mapping, [row])[0]

    def load_many(self, mapping: Mapping, query, params: dict | None = None, *, lock: bool = False) -> list:
        self.flush()  # a query must see this transaction's own changes
        self._within_budget()
        result = self.connection.execute(query, params or {})
        if not lock:  # rows are counted against the read budget as they come
            with result:
                return self._track(mapping, result)
        rows = result.all()
        at = mapping.version_at  # rows read earlier without a lock must not have changed since (as in _lock)
        for row in rows:
            key = (mapping.cls, row[0])
            tracked = self._tracked.get(key)
            if tracked is not None and key not in self._locked and at is not None and row[at] != tracked.row[at]:
                raise DomainError(ErrorCode.CONFLICT, STALE, record=named(tracked.obj))
            self._locked.add(key)
        return self._track(mapping, rows)

    def _lock(self, mapping: Mapping, tracked: Tracked) -> None:
        """Lock a row read earlier without a lock; if it changed meanwhile, that is a CONFLICT."""
        row = self.connection.execute(_statements(mapping)["lock"], {"id": tracked.obj.id}).first()
        at = mapping.version_at
        if row is None or (at is not None and row[at] != tracked.row[at]):
            raise DomainError(ErrorCode.CONFLICT, STALE, record=named(tracked.obj))
        self._locked.add((mapping.cls, tracked.obj.id))

    def _track(self, mapping: Mapping, rows) -> list:
        out, fresh = [], []
        columns = mapping.columns
        budget, text_at = self.max_read_bytes, _text_at(mapping)
        for row in rows:
            row = tuple(row)
            key = (mapping.cls, row[0])
            tracked = self._tracked.get(key)
            if tracked is None:
                if budget:
                    self._count(row, text_at)
                obj = _build(mapping.cls, columns, row)
                tracked = self._tracked[key] = Tracked(obj, row, {} if mapping.lines else None)
                fresh.append(tracked)
            out.append(tracked.obj)
        if mapping.lines and fresh:
            if self.read_only:  # read when touched, for all of `fresh` at once
                cohort = Cohort(self._fill_lines, mapping, fresh)
                for tracked in fresh:
                    tracked.lines = None
                    tracked.obj.lines = tracked.unread = LazyLines.unread(cohort)
            else:
                self._fill_lines(mapping, fresh)
        return out

    def _count(self, row: tuple, text_at: tuple[int, ...]) -> None:
        """Add a row's text to what this transaction has read; past the budget, refuse the request."""
        for i in text_at:
            value = row[i]
            if value:  # its size in memory: an emoji costs 4 bytes a character, as in UTF-8, not 1
                self.read_bytes += getsizeof(value)
        self._within_budget()

    def _within_budget(self) -> None:
        """Refuse to read on once past the budget: every later read of the request fails at once."""
        if self.max_read_bytes and self.read_bytes > self.max_read_bytes:
            raise self._over_budget()

    def _over_budget(self) -> DomainError:
        """RESPONSE_TOO_LARGE: this transaction would read more than its budget."""
        return DomainError(
            ErrorCode.RESPONSE_TOO_LARGE,
            "this request reads more than {megabytes:g} MB of records: ask for fewer "
            "records (a smaller `first`, fewer ids or aliases) or fewer long fields",
            megabytes=self.max_read_bytes / 2**20,
        )

    def _fill_lines(self, mapping: Mapping, documents: list[Tracked]) -> None:
        """Read the lines of these documents in one statement; give each document its own, in order."""
        by_id = {t.obj.id: ([], {}) for t in documents}
        lines = mapping.lines
        columns, parent_at = lines.columns, lines.columns.index(lines.parent_key)
        budget, text_at = self.max_read_bytes, _text_at(lines)
        self._within_budget()
        with self._reading() as connection:
            result = connection.execute(_statements(mapping)["lines"], {"parents": list(by_id)})
            for row in result:
                row = tuple(row)
                if budget:
                    self._count(row, text_at)
                objs, snapshot = by_id[row[parent_at]]
                objs.append(_build(lines.cls, columns, row))
                snapshot[row[0]] = row
        for tracked in documents:
            objs, tracked.lines = by_id[tracked.obj.id]
            if tracked.unread is not None:
                tracked.unread.fill(objs)
                tracked.unread = None
            else:
                tracked.obj.lines.extend(objs)
            if len(tracked.obj.lines) == len(objs):  # the document had no lines of its own before
                tracked.line_rows = tuple(tracked.lines.values())

    @contextmanager
    def _reading(self):
        """This transaction's connection; outside one (lines touched after it ended), a short one of their own."""
        if self.connection is not None:
            yield self.connection
            return
        with self.engine.connect() as connection:
            yield connection

    # -- writing -----------------------------------------------------------------------------
    def insert(self, mapping: Mapping, obj) -> None:
        """Insert a new object; one that has an id (read in an earlier transaction) is attached."""
        self.flush()  # earlier changes first, as the program made them
        if obj.id is not None:
            return self._attach(mapping, obj)
        if mapping.versioned:
            obj.version = 1
        params = {**_params(mapping, mapping.values(obj)), **mapping.search_key(obj)}
        obj.id = self.connection.execute(_statements(mapping)["insert"], params).scalar_one()
        tracked = self._tracked[(mapping.cls, obj.id)] = Tracked(
            obj, mapping.values(obj), {} if mapping.lines else None, bumped=True
        )
        self._locked.add((mapping.cls, obj.id))
        if mapping.lines:
            self._insert_lines(mapping, tracked, [ln for ln in obj.lines])
            tracked.line_rows = tuple(map(mapping.lines.values, obj.lines))

    def _attach(self, mapping: Mapping, obj) -> None:
        """Track an object read earlier: its changes are written against the version it was read at."""
        key = (mapping.cls, obj.id)
        if key in self._tracked:
            if self._tracked[key].obj is not obj:
                raise DomainError(
                    ErrorCode.CONFLICT, "{record} is already loaded in this transaction", record=named(obj)
                )
            return
        row = self.connection.execute(_statements(mapping)["get"], {"id": obj.id}).first()
        if row is None:
            raise DomainError(ErrorCode.NOT_FOUND, "{record} does not exist", record=named(obj))
        snapshot = list(row)
        if mapping.versioned:
            snapshot[mapping.version_at] = obj.version
        tracked = self._tracked[key] = Tracked(obj, tuple(snapshot), {} if mapping.lines else None)
        if mapping.lines:
            for line_row in self.connection.execute(_statements(mapping)["lines"], {"parents": [obj.id]}):
                tracked.lines[line_row[0]] = tuple(line_row)

    def _insert_lines(self, mapping: Mapping, owner: Tracked, new_lines: list) -> None:
        if not new_lines:
            return
        lines = mapping.lines
        for line in new_lines:
            setattr(line, lines.parent_key, owner.obj.id)
        rows = [_params(lines, lines.values(line)) for line in new_lines]
        natural = [row[lines.natural_key] for row in rows]
        if len(set(natural)) == len(natural):
            # One multi-row INSERT; RETURNING's order is unspecified, so ids are matched by the
            # line's key within its document (its sequence, or the order line it delivers).
            ids = dict(
                (key, ident) for ident, key in self.connection.execute(_statements(lines)["insert_many"], rows).all()
            )
            ids = [ids[key] for key in natural]
        else:
            ids = self.connection.execute(_statements(lines)["insert"], rows).scalars().all()
        for line, ident in zip(new_lines, ids, strict=True):
            line.id = ident
            owner.lines[ident] = lines.values(line)

    def _write(self, tracked: Tracked) -> None:
        obj = tracked.obj
        mapping = MAPPINGS[type(obj)]
        current = mapping.values(obj)
        changed = current != tracked.row
        if mapping.lines is not None and self._lines_may_differ(tracked) and self._write_lines(mapping, tracked):
            changed = True
        if not changed:
            return
        params = _changes(mapping, current, tracked.row)
        at = mapping.version_at
        if not params and tracked.bumped:
            # Only its lines changed, and this transaction has already moved its version (or inserted
            # it) and holds its row: an UPDATE setting the version it has would change nothing.
            tracked.row = current
            return
        params["_id"] = obj.id
        if at is not None:
            params["_version"] = tracked.row[at]
            obj.version = params["version"] = tracked.row[at] + (0 if tracked.bumped else 1)
            current = mapping.values(obj)
            tracked.bumped = True
        if mapping.searched and not params.keys().isdisjoint(mapping.searched):
            params.update(mapping.search_key(obj))
        names = tuple(k for k in params if k[0] != "_")
        if not names:  # only the lines of an unversioned document changed
            tracked.row = current
            return
        result = self.connection.execute(_update(mapping, names), params)
        if result.rowcount != 1:
            if at is not None:
                obj.version = tracked.row[at]
            raise DomainError(ErrorCode.CONFLICT, STALE, record=named(obj))
        tracked.row = current

    @staticmethod
    def _lines_may_differ(tracked: Tracked) -> bool:
        """False for lines nobody touched since a read-only unit of work left them unread."""
        if tracked.lines is not None:
            return True
        if tracked.obj.lines is tracked.unread:
            return False
        tracked.unread.load()  # the document was given other lines: compare them with its own
        return True

    def _write_lines(self, mapping: Mapping, owner: Tracked) -> bool:
        """Insert, update and delete the document's lines; True if any changed."""
        lines = mapping.lines
        if owner.line_rows is not None and tuple(map(lines.values, owner.obj.lines)) == owner.line_rows:
            return False  # the same lines, in the same order, with the same values
        stmts = _statements(lines)
        new, seen, updates = [], set(), {}
        for line in owner.obj.lines:
            if line.id is None or line.id not in owner.lines:
                new.append(line)
                continue
            seen.add(line.id)
            row = lines.values(line)
            if row != owner.lines[line.id]:
                change = _changes(lines, row, owner.lines[line.id])
                updates.setdefault(tuple(change), []).append({**change, "_id": line.id})
                owner.lines[line.id] = row
        for names, rows in updates.items():  # one executemany per set of changed columns
            self.connection.execute(_update(lines, names), rows)
        gone = [ident for ident in owner.lines if ident not in seen]
        if gone:
            self.connection.execute(stmts["delete"], {"ids": gone})
            for ident in gone:
                del owner.lines[ident]
        if new:
            self._insert_lines(mapping, owner, new)
        owner.line_rows = tuple(map(lines.values, owner.obj.lines))
        return bool(updates or gone or new)
