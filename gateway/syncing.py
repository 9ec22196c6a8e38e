"""The outbox worker's loop, for `salesflow sync` and for `serve` with SALESFLOW_SYNC=1.

`serve` runs it in one thread of the serving process (never once per uvicorn worker), so one
loop delivers however many workers answer GraphQL. Each pass delivers what is due to every
backend and pulls their payments; a pass that fails (the database away, say) is logged and the
next one tries again.
"""
from __future__ import annotations

import logging
import threading
from typing import Callable

from ..adapters.registry import load
from ..adapters.sql import SqlUnitOfWork, install
from ..statemachine.accounting import SyncWorker

log = logging.getLogger("salesflow.sync")


def worker_for(database_url: str, accounting: str) -> tuple[SyncWorker, Callable[[], None]]:
    """A worker over the database and the configured backends, and how to close it."""
    backends = load(accounting)  # configuration errors surface here, at start-up
    engine = install(database_url)
    return SyncWorker(lambda: SqlUnitOfWork(engine), backends), engine.dispose


def summary(delivered: dict[str, int]) -> str:
    return " ".join(f"{name}: {n} delivered" for name, n in delivered.items())


def run(worker: SyncWorker, interval: float, stop: threading.Event, *, once: bool = False,
        report: Callable[[str], None] = print) -> None:
    while not stop.is_set():
        try:
            delivered = worker.run_once()
        except Exception:  # noqa: BLE001 - the loop outlives a failed pass; the next one retries
            log.exception("a sync pass failed")
            if once:
                raise
        else:
            report(summary(delivered))
        if once:
            return
        stop.wait(interval)


def start_in_background(database_url: str, accounting: str, interval: float) -> tuple[threading.Event, threading.Thread]:
    """Run the loop in a daemon thread; set the returned event to stop it after its current pass."""
    worker, close = worker_for(database_url, accounting)
    stop = threading.Event()

    def loop():
        try:
            run(worker, interval, stop, report=lambda line: log.info("sync: %s", line))
        finally:
            close()
    thread = threading.Thread(target=loop, name="salesflow-sync", daemon=True)
    thread.start()
    return stop, thread
