"""Who sends a request: `Authorization: Bearer <token>`, looked up by hash on every request.

There is no cache. A revoked token, an expired one or a deactivated user must be refused on the
very next request in every worker process, and only the database is shared by them all: so each
request reads it once, one indexed statement (token hash -> token joined to its user,
adapters/sql/tokens.py). A cache that stayed correct across processes would need that same read
to validate itself. Before, a cache miss read the token and then its user, in a transaction of
their own; benchmarks/auth.py measures both. The last-used stamp is the only write, at most once
per token per LAST_USED_RESOLUTION. A replayed query (schema/compiled/replay.py) reads the token in
the statement that reads its answer (TokenLookup.with_answers), and hands what it found to `accepted`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from ..domain.parties import ApiToken, User
from ..domain.tokens import hash_token
from ..statemachine.engine import utcnow
from ..statemachine.users import Credential, credential_of, last_use_is_stale, touch_token

log = logging.getLogger("salesflow.gateway")

#: token hash -> (token, its user), or None: one read of the store (adapters/sql/tokens.py TokenLookup).
Lookup = Callable[[str], "tuple[ApiToken, User] | None"]


def bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


class Authenticator:
    def __init__(self, lookup: Lookup, new_writer: Callable | None = None, clock: Callable[[], datetime] = utcnow):
        self.lookup, self.new_writer, self.clock = lookup, new_writer, clock

    def credential(self, token: str | None) -> Credential | None:
        """The token's credential if it is usable now by an active user, else None."""
        if not token:
            return None
        return self.accepted(self.lookup(hash_token(token)))

    def accepted(self, looked_up: tuple[ApiToken, User] | None) -> Credential | None:
        """What a lookup found, if it is usable now by an active user (its last use stamped), else None."""
        now = self.clock()
        found = credential_of(looked_up, now)
        if found is not None and self.new_writer is not None and last_use_is_stale(found.token, now):
            try:
                touch_token(self.new_writer(), found.token.id, now=now)
            except Exception:  # noqa: BLE001 - a missed stamp must not refuse a valid request
                log.warning("could not stamp the last use of token %s", found.token.id, exc_info=True)
        return found

    def user(self, token: str | None) -> User | None:
        """The token's user, or None."""
        found = self.credential(token)
        return found.user if found is not None else None
