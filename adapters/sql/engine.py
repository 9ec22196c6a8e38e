"""Engines for SQLite (WAL, foreign keys, writers serialised with BEGIN IMMEDIATE) and PostgreSQL."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url

DEFAULT_URL = "sqlite:///salesflow.db"
#: How long a SQLite writer waits for the lock before giving up (milliseconds).
SQLITE_BUSY_MS = 30_000


#: The URL schemes salesflow runs on (postgresql:// means psycopg 3).
SUPPORTED_SCHEMES = ("sqlite", "postgresql", "postgresql+psycopg")


class UnsupportedDatabase(ValueError):
    """A database URL of a kind salesflow does not run on."""


def normalise_url(url: str) -> str:
    """postgresql:// means psycopg 3 here; any scheme but SUPPORTED_SCHEMES is refused."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.drivername not in (*SUPPORTED_SCHEMES, "sqlite+pysqlite"):
        raise UnsupportedDatabase(
            f"{make_url(url).drivername}:// databases are not supported; use one of: "
            + ", ".join(f"{scheme}://" for scheme in SUPPORTED_SCHEMES))
    return parsed.render_as_string(hide_password=False)


def describe(url: str) -> str:
    """Where a URL points, for people: a SQLite file's absolute path, else the URL without its password."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:"):
            return "an in-memory SQLite database"
        return f"{Path(parsed.database).resolve()} (SQLite)"
    return parsed.render_as_string(hide_password=True)


def create_engine(url: str = DEFAULT_URL, **kwargs) -> Engine:
    url = normalise_url(url)
    if make_url(url).get_backend_name() != "sqlite":
        return sa_create_engine(url, pool_pre_ping=True, **kwargs)
    engine = sa_create_engine(url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_MS / 1000},
                              **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        # Let SQLAlchemy emit BEGIN itself (pysqlite's own transaction handling is off).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if make_url(url).database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # Writers take the write lock up front, so two writers never deadlock on an upgrade;
        # read-only work asks for a deferred transaction.
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine
