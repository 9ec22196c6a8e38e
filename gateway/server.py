"""`salesflow serve`: migrate if needed, make the first admin on an empty database, start the background
loops (quote expiry; the accounting sync with --sync), run uvicorn."""

from __future__ import annotations

import os
import sys

import uvicorn

from ..adapters.registry import load
from ..adapters.sql import SqlUnitOfWork, install
from ..statemachine.users import bootstrap_admin
from . import expiry
from .settings import Settings
from .syncing import start_in_background

UVICORN_WS_MAX_SIZE = 16 * 1024 * 1024  # uvicorn's own default, when the body limit is off


def prepare(settings: Settings, out=sys.stdout) -> str | None:
    """Bring the database to head and load data files; print the first admin's token if one was made."""
    engine = install(settings.database_url)
    try:
        token = bootstrap_admin(SqlUnitOfWork(engine))
    finally:
        engine.dispose()
    if token:
        print("First start: created user 'admin'. Its token is shown only this once:", file=out)
        print(f"  {token}", file=out)
        print("Send it as:  Authorization: Bearer <token>", file=out, flush=True)
    return token


def serve(settings: Settings) -> None:
    backends = load(settings.accounting) if settings.sync else []  # a bad setting stops us before anything
    prepare(settings)
    os.environ.update(settings.to_env())  # worker processes build their app from these
    # Background loops run here, in the serving process, once however many workers answer GraphQL.
    stops = [expiry.start_in_background(settings.database_url)[0]]
    if settings.sync:
        stops.append(start_in_background(settings, backends)[0])
        print(f"salesflow: accounting sync every {settings.sync_interval:g} s to {settings.accounting}", flush=True)
    print("salesflow: lapsed quotes are expired now and just after each midnight UTC", flush=True)
    print(f"salesflow: GraphQL on http://{settings.host}:{settings.port}/graphql", flush=True)
    try:
        _run(settings)
    finally:
        for stop in stops:
            stop.set()


def _run(settings: Settings) -> None:
    uvicorn.run(
        "salesflow.gateway.app:app_from_env",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers if settings.workers > 1 else None,
        log_level=settings.log_level,
        ws="auto",
        ws_max_size=settings.max_body_bytes or UVICORN_WS_MAX_SIZE,
        lifespan="on",
    )
