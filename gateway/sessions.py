"""The WebSockets this process holds open, each ended as soon as its token may no longer be used.

Revoking a token, deactivating a user or changing a user's role writes an activity row
(statemachine/users.py SESSION_ENDING). The event feed brings that row to every worker process,
in commit order together with the document transitions, and `relay` acts on it before it hands
the batch to the broker: each session it ends forgets its user at once (so nothing more is
authorised, resolved or yielded for it) and is closed with 4403 "Forbidden". A document event
committed after the revocation reaches the broker after that, so it never reaches the socket.

How soon: as soon as the feed delivers the revocation — on PostgreSQL when NOTIFY arrives (the
commit plus a round trip), on SQLite within the feed's poll (adapters/sql/events.py, 0.1 s).
Should the feed miss it (PostgreSQL drops notifications while the LISTEN connection is being
re-established), `sweep` re-checks every open session against the database every SWEEP_SECONDS.
A token that expires while its socket is open is closed at its expiry by a timer.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from ..domain.activity import Activity
from ..statemachine.engine import utcnow
from ..statemachine.users import SESSION_ENDING, Credential, still_valid

log = logging.getLogger("salesflow.gateway")

#: The graphql-transport-ws close code for a connection that may not go on (as when connection_init is refused).
CLOSE_CODE, CLOSE_REASON = 4403, "Forbidden"
#: How often open sessions are checked against the database, in case the feed missed a revocation.
SWEEP_SECONDS = 10.0

Publish = Callable[[list[Activity]], Awaitable[None]]


@dataclass(eq=False)
class Session:
    context: weakref.ref  # the connection's context: gone when the connection is
    token_id: int
    user_id: int
    role: str  # the role it was authorised with
    close: Callable[[object], Awaitable[None]]  # given the context (holding it here would keep it alive)
    timer: asyncio.TimerHandle | None = None


class Sessions:
    def __init__(
        self, new_reader: Callable, *, clock: Callable[[], datetime] = utcnow, sweep_seconds: float = SWEEP_SECONDS
    ):
        self.new_reader, self.clock, self.sweep_seconds = new_reader, clock, sweep_seconds
        self._open: dict[int, Session] = {}
        self._keys = itertools.count()
        self._closing: set[asyncio.Task] = set()

    def __len__(self) -> int:
        return len(self._open)

    def open(self, context, credential: Credential, close: Callable[[object], Awaitable[None]]) -> None:
        """Watch a connection authorised by `credential`; `close(context)` closes it with CLOSE_CODE."""
        key = next(self._keys)
        session = Session(
            weakref.ref(context, lambda _gone: self._forget(key)),
            credential.token.id,
            credential.user.id,
            credential.user.role,
            close,
        )
        self._open[key] = session
        if credential.token.expires_at is not None:
            delay = (credential.token.expires_at - self.clock()).total_seconds()
            session.timer = asyncio.get_running_loop().call_later(max(delay, 0.0), self._end, key)

    def relay(self, publish: Publish) -> Publish:
        """`publish`, after ending the sessions that the batch's access changes end."""

        async def deliver(batch: list[Activity]) -> None:
            for activity in batch:
                for key in self._ended_by(activity):
                    self._end(key)
            await publish(batch)

        return deliver

    async def sweep(self) -> None:
        """Forever: every sweep_seconds, end the sessions the database no longer authorises."""
        while True:
            await asyncio.sleep(self.sweep_seconds)
            try:
                await self.check()
            except Exception:  # noqa: BLE001 - try again next time; the feed is the first line
                log.exception("checking the open sessions failed")

    async def check(self) -> None:
        """End every open session whose token, user or role no longer authorises it."""
        watched = {key: (s.token_id, s.role) for key, s in self._open.items()}
        if not watched:
            return
        valid = await asyncio.to_thread(self._still_valid, set(watched.values()))
        for key, authorised in watched.items():
            if authorised not in valid:
                self._end(key)

    # -- inside ---------------------------------------------------------------------------------
    def _still_valid(self, sessions: set[tuple[int, str]]) -> set[tuple[int, str]]:
        with self.new_reader() as uow:
            return still_valid(uow, sessions, self.clock())

    def _ended_by(self, activity: Activity) -> list[int]:
        if (activity.document_type, activity.trigger) not in SESSION_ENDING:
            return []
        attr = "token_id" if activity.document_type == "api_token" else "user_id"
        return [key for key, s in self._open.items() if getattr(s, attr) == activity.document_id]

    def _forget(self, key: int) -> None:
        session = self._open.pop(key, None)
        if session is not None and session.timer is not None:
            session.timer.cancel()

    def _end(self, key: int) -> None:
        session = self._open.get(key)
        if session is None:
            return
        self._forget(key)
        context = session.context()
        if context is None:  # the connection is gone already
            return
        context.user = None  # from now on this connection is nobody: every check refuses it
        task = asyncio.get_running_loop().create_task(self._close(session.close, context))
        self._closing.add(task)
        task.add_done_callback(self._closing.discard)

    @staticmethod
    async def _close(close: Callable[[object], Awaitable[None]], context) -> None:
        try:
            await close(context)
        except Exception:  # noqa: BLE001 - it may have closed on its own meanwhile
            log.debug("closing an ended session failed", exc_info=True)
