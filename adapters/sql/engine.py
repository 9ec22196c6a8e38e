"""Engines for SQLite (WAL, foreign keys, writers serialised with BEGIN IMMEDIATE) and PostgreSQL.

Both stop a statement when the request it serves runs out of time (domain/deadline.py): SQLite
through its progress handler, PostgreSQL through a statement_timeout set for each transaction.
The interrupted statement then raises DeadlineExceeded, not a database error.
"""

from __future__ import annotations

import math
from pathlib import Path

from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url

from ...domain import deadline

DEFAULT_URL = "sqlite:///salesflow.db"
#: How long a SQLite writer waits for the lock before giving up (milliseconds).
SQLITE_BUSY_MS = 30_000
#: SQLite asks the progress handler every this many virtual machine steps (well under a millisecond).
SQLITE_PROGRESS_STEPS = 10_000


def _late() -> int:
    """SQLite's progress handler: non-zero interrupts the running statement."""
    current = deadline.current()
    return 1 if current is not None and current.expired() else 0


def _stop_on_deadline(engine: Engine) -> None:
    @event.listens_for(engine, "handle_error")
    def _interrupted(context):
        current = deadline.current()
        if current is not None and current.expired():
            return deadline.DeadlineExceeded(current)  # raised in place of the database's error
        return None


#: The URL schemes salesflow runs on (postgresql:// means psycopg 3).
SUPPORTED_SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg")


class UnsupportedDatabase(ValueError):
    """A database URL of a kind salesflow does not run on."""


def in_memory(url: URL) -> bool:
    """Is this an in-memory SQLite database (sqlite://, sqlite:///:memory:, or a file: URI in memory)?"""
    if url.get_backend_name() != "sqlite":
        return False
    database = url.database or ""
    if database in ("", ":memory:"):
        return True
    uri = url.query.get("uri") == "true"  # then pysqlite opens `database` as a URI, with the other parameters
    return uri and (database.startswith("file::memory:") or url.query.get("mode") == "memory")


def normalise_url(url: str) -> str:
    """postgresql:// means psycopg 3 here; any scheme but SUPPORTED_SCHEMES is refused, and so is an
    in-memory SQLite database: each connection would open its own, empty one (serve opens several, in
    several processes with --workers, and each command runs in a process of its own)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername not in (*SUPPORTED_SCHEMES, "sqlite+pysqlite"):
        raise UnsupportedDatabase(
            f"{make_url(url).drivername}:// databases are not supported; use one of: "
            + ", ".join(f"{scheme}://" for scheme in SUPPORTED_SCHEMES)
        )
    if in_memory(parsed):
        raise UnsupportedDatabase(
            f"{url} is an in-memory SQLite database, which salesflow cannot use: each connection would see "
            "its own empty database (serve opens several, and every command runs in its own process); "
            "name a file instead, e.g. sqlite:///salesflow.db"
        )
    return parsed.render_as_string(hide_password=False)


def describe(url: str) -> str:
    """Where a URL points, for people: a SQLite file's absolute path, else the URL without its password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if in_memory(parsed):
            return "an in-memory SQLite database"
        return f"{Path(parsed.database).resolve()} (SQLite)"
    return parsed.render_as_string(hide_password=True)


def create_engine(url: str = DEFAULT_URL, **kwargs) -> Engine:
    url = normalise_url(url)
    if make_url(url).get_backend_name() != "sqlite":
        engine = sa_create_engine(url, pool_pre_ping=True, **kwargs)
        _stop_on_deadline(engine)

        @event.listens_for(engine, "connect")
        def _custom_plans(dbapi_conn, _record):
            # psycopg prepares a statement run five times, and PostgreSQL may then plan it once for
            # any parameters. A list's best plan depends on them (a search term in five rows is read
            # through its trigram index, one in every tenth row along the list's order; a rep with
            # five records, one with half of them): a plan made for none would read a million rows
            # for the rare term. Each execution is planned for its own values instead.
            dbapi_conn.execute("SET plan_cache_mode = force_custom_plan")
            dbapi_conn.commit()

        @event.listens_for(engine, "begin")
        def _statement_timeout(conn):
            current = deadline.current()
            if current is not None and current.remaining() != math.inf:
                # 0 would mean "no limit": even a transaction begun out of time gets 1 ms, and stops
                ms = max(1, math.ceil(current.remaining() * 1000))
                conn.exec_driver_sql(f"SET LOCAL statement_timeout = {ms}")

        return engine
    engine = sa_create_engine(
        url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_MS / 1000}, **kwargs
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy emit BEGIN itself (pysqlite's own transaction handling is off).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")  # a file: normalise_url refused in-memory databases
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()
        dbapi_conn.set_progress_handler(_late, SQLITE_PROGRESS_STEPS)

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # Writers take the write lock up front, so two writers never deadlock on an upgrade;
        # read-only work asks for a deferred transaction.
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")

    _stop_on_deadline(engine)
    return engine
