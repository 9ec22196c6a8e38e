"""The outbox worker's loop, for `salesflow sync` and for `serve` with SALESFLOW_SYNC=1.

`serve` runs it in one thread of the serving process (never once per uvicorn worker), so one
loop delivers however many workers answer GraphQL. Each pass delivers what is due to every
backend and pulls their payments; a pass that fails (the database away, say) is logged and the
next one tries again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import timedelta

from ..adapters.registry import load
from ..adapters.sql import SqlUnitOfWork, open_installed
from ..domain.accounting import Health
from ..domain.sync import RetryPolicy
from ..statemachine.accounting import PassReport, SyncWorker
from . import background
from .settings import Settings

log = logging.getLogger("salesflow.sync")


def worker_for(settings: Settings, backends: list | None = None) -> tuple[SyncWorker, Callable[[], None]]:
    """A worker over the database and the configured backends, and how to close it."""
    if backends is None:
        backends = load(settings.accounting)  # configuration errors surface here, at start-up
    engine = open_installed(settings.database_url)  # serve made it already; `sync` never creates one
    policy = RetryPolicy(
        max_attempts=settings.sync_max_attempts,
        base_seconds=settings.sync_retry_base,
        cap_seconds=settings.sync_retry_cap,
    )
    worker = SyncWorker(
        lambda: SqlUnitOfWork(engine), backends, policy=policy, lease=timedelta(seconds=settings.sync_lease_seconds)
    )
    return worker, engine.dispose


def summary(reports: dict[str, PassReport]) -> str:
    return "; ".join(f"{name}: {report}" for name, report in reports.items())


def health(backends) -> list[tuple[str, Health]]:
    """Each backend's own answer to `health()`; a backend that raises is not healthy."""
    out = []
    for backend in backends:
        try:
            out.append((backend.name, backend.health()))
        except Exception as err:  # noqa: BLE001 - reported, not raised
            out.append((backend.name, Health(False, f"{type(err).__name__}: {err}")))
    return out


def run(
    worker: SyncWorker,
    interval: float,
    stop: threading.Event,
    *,
    once: bool = False,
    report: Callable[[str], None] = print,
) -> None:
    background.passes(
        worker.run_pass,
        interval,
        stop,
        what="sync",
        busy=lambda reports: any(
            r.delivered or r.failed or r.dead or any(r.payments.values()) for r in reports.values()
        ),
        describe=summary,
        once=once,
        report=report,
    )


def start_in_background(settings: Settings, backends: list) -> tuple[threading.Event, threading.Thread]:
    """Run the loop in a daemon thread; set the returned event to stop it after its current pass."""
    worker, close = worker_for(settings, backends)
    return background.start(
        "salesflow-sync",
        lambda stop: run(worker, settings.sync_interval, stop, report=lambda line: log.warning("sync: %s", line)),
        close,
    )
