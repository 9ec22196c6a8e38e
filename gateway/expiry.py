"""The daily sweep that expires lapsed quotes, for `salesflow serve`.

A quote is valid through its validUntil day in UTC (domain/quote.py, Quote.lapsed), so every lapsed
quote lapses at midnight UTC: the sweep runs once at start, then just after each midnight UTC. Like
the sync loop, it runs in one thread of the serving process (never once per uvicorn worker); the
sweep locks the quotes it expires, so a second server sweeping the same database at the same time
expires nothing twice. `salesflow expire-quotes` runs the same sweep on demand.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, time, timedelta

from ..adapters.sql import SqlUnitOfWork, open_installed
from ..statemachine.quote import expire_quotes

log = logging.getLogger("salesflow.expiry")

#: How long after midnight UTC the sweep runs: clear of clocks a little behind ours.
AFTER_MIDNIGHT = timedelta(seconds=30)


def next_sweep(now: datetime) -> datetime:
    """The first sweep time after `now`: the coming midnight UTC, plus AFTER_MIDNIGHT."""
    now = now.astimezone(UTC)
    at = datetime.combine(now.date(), time(tzinfo=UTC)) + AFTER_MIDNIGHT
    return at if at > now else at + timedelta(days=1)


def sweep(engine) -> int:
    """Expire every lapsed quote now; how many were expired (logged with their numbers)."""
    expired = expire_quotes(SqlUnitOfWork(engine))
    if expired:
        log.warning("expired %d lapsed quote(s): %s", len(expired), ", ".join(q.display_number for q in expired))
    return len(expired)


def run(engine, stop: threading.Event, clock: Callable[[], datetime]) -> None:
    """Sweep now, then after each midnight UTC until `stop` is set; a failed sweep is logged and retried next time."""
    while not stop.is_set():
        try:
            sweep(engine)
        except Exception:  # noqa: BLE001 - the loop outlives a failed sweep (the database away, say)
            log.exception("the quote expiry sweep failed")
        now = clock()
        stop.wait((next_sweep(now) - now).total_seconds())


def start_in_background(
    database_url: str,
    clock: Callable[[], datetime] | None = None,
) -> tuple[threading.Event, threading.Thread]:
    """Run the sweeps in a daemon thread; set the returned event to stop them."""
    engine = open_installed(database_url)
    stop = threading.Event()

    def loop():
        try:
            run(engine, stop, clock or (lambda: datetime.now(UTC)))
        finally:
            engine.dispose()

    thread = threading.Thread(target=loop, name="salesflow-quote-expiry", daemon=True)
    thread.start()
    return stop, thread
