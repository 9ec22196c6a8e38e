"""`salesflow serve`: migrate if needed, make an admin when there is no active one, start the background
loops (quote expiry; the mail to customers; the accounting sync with --sync), run uvicorn."""

from __future__ import annotations

import os
import sys

import uvicorn
from sqlalchemy.engine import Engine

from ..adapters.registry import load
from ..adapters.sql import SqlUnitOfWork, install
from ..domain.errors import DomainError, ErrorCode
from ..statemachine.users import MadeAdmin, ensure_admin
from . import expiry, mailing
from .settings import Settings
from .syncing import start_in_background

UVICORN_WS_MAX_SIZE = 16 * 1024 * 1024  # uvicorn's own default, when the body limit is off


def admin_if_none(engine: Engine) -> MadeAdmin | None:
    """ensure_admin, once more if it lost a race: two `serve`s starting at once on one PostgreSQL database
    both find no admin and insert the same name; the later insert fails (CONFLICT), and looking again
    finds the other's admin. (SQLite's writers take turns: the second finds the first's admin.)"""
    try:
        return ensure_admin(SqlUnitOfWork(engine))
    except DomainError as err:
        if err.code != ErrorCode.CONFLICT:
            raise
        return ensure_admin(SqlUnitOfWork(engine))


def prepare(settings: Settings, out=sys.stdout) -> str | None:
    """Bring the database to head and load data files; if no user is an active admin, make one and print
    its token (once), saying why. The token, if one was made.

    It runs once per `serve`, before uvicorn starts its worker processes, so --workers N makes one admin."""
    engine = install(settings.database_url)
    try:
        made = admin_if_none(engine)
    finally:
        engine.dispose()
    if made is None:
        return None
    name = made.issued.user.name
    if made.users_before == 0:
        print(f"First start: created user '{name}'. Its token is shown only this once:", file=out)
    else:
        print(
            f"No active admin among the {made.users_before} user{'s' if made.users_before > 1 else ''} here, "
            f"and there must always be one: created user '{name}'. Its token is shown only this once:",
            file=out,
        )
    print(f"  {made.issued.secret}", file=out)
    print("Send it as:  Authorization: Bearer <token>", file=out, flush=True)
    return made.issued.secret


def serve(settings: Settings) -> None:
    backends = load(settings.accounting) if settings.sync else []  # a bad setting stops us before anything
    prepare(settings)
    os.environ.update(settings.to_env())  # worker processes build their app from these
    # Background loops run here, in the serving process, once however many workers answer GraphQL.
    stops = [expiry.start_in_background(settings.database_url)[0]]
    if settings.sync:
        stops.append(start_in_background(settings, backends)[0])
        print(f"salesflow: accounting sync every {settings.sync_interval:g} s to {settings.accounting}", flush=True)
    stops.append(mailing.start_in_background(settings)[0])
    if settings.smtp_host:
        print(f"salesflow: e-mail to customers through {settings.smtp_host}", flush=True)
    else:
        print("salesflow: no SMTP server (SALESFLOW_SMTP_HOST): e-mails to customers wait in the queue", flush=True)
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
