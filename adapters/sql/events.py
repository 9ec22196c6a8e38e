"""Committed transitions, as they commit, for every worker process and host.

Every transition writes an activity row in its own transaction. On PostgreSQL that transaction
also sends `NOTIFY salesflow_events, '<activity ids>'`, which the server delivers to listeners
only when it commits, so a rolled-back transition is never announced. SQLite has no NOTIFY: its
writers are serialised (BEGIN IMMEDIATE), so activity ids become visible in increasing order
and a listener tails the table by id.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable

from sqlalchemy import func, select, text
from sqlalchemy.engine import Connection, Engine

from ...domain.activity import Activity
from .tables import activities

CHANNEL = "salesflow_events"
_NOTIFY = text("SELECT pg_notify(:channel, :payload)")
_CHUNK = 500  # ids per notification: PostgreSQL payloads stay under 8000 bytes
POLL_SECONDS = 0.1

log = logging.getLogger("salesflow.events")

Publish = Callable[[list[Activity]], Awaitable[None]]


def notify(connection: Connection, ids: Iterable[int]) -> None:
    """Announce activity ids to listeners when the current transaction commits (PostgreSQL)."""
    ids = list(ids)
    for start in range(0, len(ids), _CHUNK):
        connection.execute(_NOTIFY, {"channel": CHANNEL, "payload": ",".join(map(str, ids[start : start + _CHUNK]))})


def _rows(engine: Engine, query) -> list[Activity]:
    with engine.connect() as conn:
        conn = conn.execution_options(sqlite_begin="DEFERRED")
        return [Activity(**row._asdict()) for row in conn.execute(query)]


def activities_by_id(engine: Engine, ids: list[int]) -> list[Activity]:
    return _rows(engine, select(activities).where(activities.c.id.in_(ids)).order_by(activities.c.id))


def activities_after(engine: Engine, last_id: int, limit: int = 1000) -> list[Activity]:
    return _rows(engine, select(activities).where(activities.c.id > last_id).order_by(activities.c.id).limit(limit))


def last_activity_id(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.coalesce(func.max(activities.c.id), 0))).scalar_one()


class EventFeed:
    """Calls `publish` with each batch of committed activities, from whichever process wrote them."""

    def __init__(self, engine: Engine, publish: Publish, *, poll_seconds: float = POLL_SECONDS):
        self.engine, self.publish, self.poll_seconds = engine, publish, poll_seconds

    async def run(self) -> None:
        while True:
            try:
                if self.engine.dialect.name == "postgresql":
                    await self._listen()
                else:
                    await self._tail()
            except asyncio.CancelledError:
                raise
            except Exception:  # a lost connection: log it and start again
                log.exception("event feed failed; restarting in 1 s")
                await asyncio.sleep(1)

    async def _tail(self) -> None:
        last = await asyncio.to_thread(last_activity_id, self.engine)
        while True:
            batch = await asyncio.to_thread(activities_after, self.engine, last)
            if batch:
                last = batch[-1].id
                await self.publish(batch)
            if len(batch) < 1000:
                await asyncio.sleep(self.poll_seconds)

    async def _listen(self) -> None:
        import psycopg

        url = self.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
            await conn.execute(f"LISTEN {CHANNEL}")
            async for note in conn.notifies():
                ids = [int(i) for i in note.payload.split(",") if i]
                batch = await asyncio.to_thread(activities_by_id, self.engine, ids)
                if batch:
                    await self.publish(batch)
