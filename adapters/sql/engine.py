"""Engines for SQLite (WAL, foreign keys, writers serialised with BEGIN IMMEDIATE) and PostgreSQL.

Both stop a statement when the request it serves runs out of time (domain/deadline.py): SQLite
through its progress handler, PostgreSQL through the connection's statement_timeout, set when a
transaction begins and only when it must change (`timeout_fits`): a statement stops at the deadline
or up to 1/32 of the time left before it, never after. The interrupted statement then raises
DeadlineExceeded, not a database error.

On PostgreSQL a request should pay for its statements and nothing else. Reads run in autocommit
(`read_options`): READ COMMITTED gives each statement a snapshot of its own anyway, so BEGIN and
ROLLBACK around them carried no information. A pooled connection is not pinged before use: a
connection the server closed (a restart, an administrator's pg_terminate_backend) has its socket
readable, which `_alive` sees without a round trip, and the pool opens a new one instead.
"""

from __future__ import annotations

import math
import select
from pathlib import Path

import psycopg
from psycopg import pq
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy import event, exc
from sqlalchemy.engine import URL, Engine, make_url

from ...domain import deadline
from ...domain.reads import global_id

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
        if current is None:
            return None
        # PostgreSQL's statement_timeout is set on a grid and may fire up to 1/32 of the time left before
        # the deadline itself (timeout_fits): a statement it cancelled ran out of the request's time too
        timed_out = isinstance(context.original_exception, psycopg.errors.QueryCanceled)
        if current.expired() or (timed_out and current.remaining() != math.inf):
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


def read_options(engine: Engine, *, single: bool = False) -> dict:
    """Execution options for read-only work: autocommit on PostgreSQL (no BEGIN/ROLLBACK round trips;
    under READ COMMITTED each statement has its own snapshot in a transaction too), a deferred read
    transaction on SQLite (in-process, and there one snapshot for all the statements of a request);
    for a `single` statement (a token's lookup, a compiled read) no transaction on SQLite either."""
    if engine.dialect.name == "postgresql":
        return {"isolation_level": "AUTOCOMMIT"}
    return {"sqlite_begin": None if single else "DEFERRED"}


def _grid(remaining: float) -> tuple[int, int]:
    """The time left in whole ms (at least 1: 0 would mean "no limit", so out of time still stops) and the
    grid step it is rounded on: the largest power of two no more than 1/64 of it."""
    ms = max(1, math.floor(remaining * 1000))
    return ms, 1 << max(0, (ms // 64).bit_length() - 1)


def statement_timeout_ms(remaining: float) -> int:
    """The statement_timeout (ms) to set for this much time left: 0 (none) for no limit, else the time left
    rounded down to its grid step, so that requests begun within a few ms of each other ask for the same."""
    if remaining == math.inf:
        return 0
    ms, step = _grid(remaining)
    return ms - ms % step


def timeout_fits(current: int | None, remaining: float) -> bool:
    """Can a connection whose statement_timeout is `current` (None: unknown) run a transaction with this much
    time left, without a SET? Never past the deadline, and at most two grid steps (1/32) before it; so a
    connection keeps one value across requests whose work before their first statement varies a little."""
    if current is None or remaining == math.inf or current == 0:
        return current == 0 and remaining == math.inf
    ms, step = _grid(remaining)
    return ms - 2 * step < current <= ms


#: Execution options for one indexed statement that ends well within any request's timeout (a token's
#: lookup, before the request's deadline starts): it runs under whatever statement_timeout the connection
#: has, none or a request's, rather than paying a SET to change it and another to change it back.
ANY_TIMEOUT = {"salesflow_any_timeout": True}

#: Where a connection remembers the statement_timeout it last set (ConnectionPoolEntry.info, per DBAPI connection).
_TIMEOUT_KEY = "salesflow_statement_timeout"


def _alive(dbapi_connection) -> bool:
    """Is this idle psycopg connection still open? Decided without a round trip: an idle pooled connection
    (it LISTENs to nothing) has its socket readable only when the server sent something unasked, which is
    almost always its FATAL notice before it closes the connection (a restart, pg_terminate_backend).
    Whatever else it was (a rare notice), a connection replaced is cheaper than a ping before every use."""
    if dbapi_connection.closed or dbapi_connection.broken:
        return False
    try:
        poller = select.poll()  # not select.select, which fails for descriptors above 1023
        poller.register(dbapi_connection.pgconn.socket, select.POLLIN)
        readable = poller.poll(0)  # POLLHUP and POLLERR come back too
    except (OSError, ValueError, psycopg.Error):  # no socket left
        return False
    return not readable and dbapi_connection.pgconn.status == pq.ConnStatus.OK


def _postgres(url: str, **kwargs) -> Engine:
    engine = sa_create_engine(url, **kwargs)
    _stop_on_deadline(engine)

    @event.listens_for(engine, "connect")
    def _custom_plans(dbapi_conn, _record):
        # psycopg prepares a statement run five times, and PostgreSQL may then plan it once for
        # any parameters. A list's best plan depends on them (a search term in five rows is read
        # through its trigram index, one in every tenth row along the list's order; a rep with
        # five records, one with half of them): a plan made for none would read a million rows
        # for the rare term. Each execution is planned for its own values instead.
        dbapi_conn.execute("SET plan_cache_mode = force_custom_plan")
        # JIT compiles a statement whose estimated cost is high, which a page of a million-row list can
        # be even when it reads twenty rows (a search's reading through its index is priced for every
        # match): 6-20 ms of compiling for a statement that runs in under one (benchmarks/scale.py).
        dbapi_conn.execute("SET jit = off")
        dbapi_conn.commit()

    @event.listens_for(engine, "checkout")
    def _check(dbapi_connection, _record, _proxy):
        if not _alive(dbapi_connection):
            raise exc.DisconnectionError("the server closed this connection")  # the pool connects anew

    @event.listens_for(engine, "begin")
    def _statement_timeout(conn):
        if conn.get_execution_options().get("salesflow_any_timeout"):
            return
        current = deadline.current()
        remaining = math.inf if current is None else current.remaining()
        info = conn.connection.info
        if not timeout_fits(info.get(_TIMEOUT_KEY), remaining):
            wanted = statement_timeout_ms(remaining)
            conn.exec_driver_sql(f"SET statement_timeout = {wanted}")  # a session setting: the connection keeps it
            info[_TIMEOUT_KEY] = wanted

    @event.listens_for(engine, "rollback")
    def _forget_timeout(conn):
        # A SET inside a transaction that rolls back is undone: set it again next time. (In autocommit
        # there is no transaction to roll back, and the SET stays.)
        if not conn.invalidated and not conn.connection.dbapi_connection.autocommit:
            conn.connection.info.pop(_TIMEOUT_KEY, None)

    return engine


def create_engine(url: str = DEFAULT_URL, **kwargs) -> Engine:
    """An engine for url; kwargs go to SQLAlchemy (pool_size and max_overflow: see gateway/app.py)."""
    url = normalise_url(url)
    if make_url(url).get_backend_name() != "sqlite":
        return _postgres(url, **kwargs)
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
        # SQLite has no base64: compiled reads (compiler.py) write global ids with this
        dbapi_conn.create_function("sf_global_id", 2, global_id, deterministic=True)

    @event.listens_for(engine, "begin")
    def _on_begin(conn):
        # Writers take the write lock up front, so two writers never deadlock on an upgrade;
        # read-only work asks for a deferred transaction.
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        if mode is not None:  # None: one statement, which SQLite runs in a snapshot of its own
            conn.exec_driver_sql(f"BEGIN {mode}")

    _stop_on_deadline(engine)
    return engine
