"""The gateway's connections: sized for the worker's threads, never churned, checked without a round trip.

A request keeps its read transaction (a connection of the reader pool) until it ends, and may take
a writer meanwhile: the `document` field keeps what it rendered, the link key is made once. If both
came from one pool, as many concurrent requests as it has connections would each hold a reader and
wait for a writer forever (benchmarks/documents_load.py: 20 concurrent first renders all timed out).

Each pool keeps a connection for every worker thread (gateway/app.py `pools`): SQLAlchemy's default
(5 kept, 10 more closed on return) opened about 630 PostgreSQL connections in 10 s under 8 concurrent
requests. On PostgreSQL a read request sends its statements and nothing else: no pre-ping, no
BEGIN/ROLLBACK, and the statement_timeout only when it changes (adapters/sql/engine.py).
"""

from __future__ import annotations

import asyncio
import math
import os
import threading
from pathlib import Path

import httpx
import pytest
from psycopg import pq
from sqlalchemy import event, text

from salesflow.adapters.sql import SqlUnitOfWork, create_engine
from salesflow.adapters.sql.engine import statement_timeout_ms, timeout_fits
from salesflow.domain.deadline import Deadline, scope
from salesflow.gateway.app import create_app
from salesflow.gateway.settings import Settings
from salesflow.statemachine.users import create_token

QUERY = "{ opportunities(first: 5) { edges { node { id title account { name } } } } }"
OTHER_QUERY = "{ opportunities(first: 4) { edges { node { id title } } } }"  # a body not asked before


def test_a_writer_takes_no_connection_from_the_pool_that_request_readers_hold(database_url):
    stores = create_app(Settings(database_url=database_url)).state.stores
    with stores.reader() as reader:
        readers_pool = reader.engine.pool
        held = readers_pool.checkedout()
        assert held >= 1
        with stores.writer() as writer:
            assert writer.connection.execute(text("SELECT 1")).scalar_one() == 1
            assert readers_pool.checkedout() == held


def _connects(engine) -> list[int]:
    opened = [0]
    event.listen(engine, "connect", lambda *_: opened.__setitem__(0, opened[0] + 1))
    return opened


@pytest.mark.parametrize("threads", [8, 12])
def test_as_many_concurrent_readers_and_writers_as_worker_threads_open_their_connections_once(database_url, threads):
    app = create_app(Settings(database_url=database_url, worker_threads=threads))
    stores = app.state.stores
    opened = {"reader": _connects(app.state.engine), "writer": _connects(app.state.write_engine)}
    together = threading.Barrier(threads, timeout=30)

    def hold(kind: str) -> None:
        with getattr(stores, kind)() as uow:
            assert uow.connection.execute(text("SELECT 1")).scalar_one() == 1
            together.wait()  # every thread holds its connection at the same moment

    # SQLite's writers take its one write lock in turn (BEGIN IMMEDIATE): there only readers can all hold at once
    for kind in ("reader", "writer") if database_url.startswith("postgresql") else ("reader",):
        for round_ in range(3):
            workers = [threading.Thread(target=hold, args=(kind,)) for _ in range(threads)]
            for w in workers:
                w.start()
            for w in workers:
                w.join()
            if round_ == 0:
                assert opened[kind][0] == threads
        assert opened[kind][0] == threads, f"{kind}s: {opened[kind][0] - threads} connections closed and opened again"
    app.state.engine.dispose()
    app.state.write_engine.dispose()


def _token(url: str) -> str:
    engine = create_engine(url)
    try:
        return create_token(SqlUnitOfWork(engine), "pools", "admin", "connection tests")[1]
    finally:
        engine.dispose()


async def _ask(app, token: str, times: int = 1, query: str = QUERY) -> list[httpx.Response]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        hdrs = {"Authorization": f"Bearer {token}"}
        return [await client.post("/graphql", json={"query": query}, headers=hdrs) for _ in range(times)]


def _postgres(database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's connections and round trips; SQLite is in-process")


def test_a_request_after_the_server_closed_every_connection_succeeds(database_url):
    _postgres(database_url)
    token = _token(database_url)
    app = create_app(Settings(database_url=database_url))
    assert all(r.status_code == 200 for r in asyncio.run(_ask(app, token, 3)))
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:  # what a restart does to each connection: FATAL 57P01, then the socket closes
        ended = conn.execute(
            text(
                "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid, 5000)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
            )
        ).scalar_one()
    admin.dispose()
    assert ended >= 2  # the pooled reader and writer connections at least
    response = asyncio.run(_ask(app, token))[0]
    assert response.status_code == 200, response.text
    assert "errors" not in response.json() and response.json()["data"]["opportunities"]["edges"] == []
    app.state.engine.dispose()
    app.state.write_engine.dispose()


class _RoundTrips:
    """Every message between the app's pools and PostgreSQL, from libpq's own trace of each connection."""

    def __init__(self, engines, path: Path):
        self.path = path
        self.file = open(path, "w")  # noqa: SIM115 - closed by close()
        for engine in engines:
            event.listen(engine, "connect", self._trace)

    def _trace(self, dbapi_connection, _record) -> None:
        dbapi_connection.pgconn.trace(self.file.fileno())
        dbapi_connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)

    def sent(self) -> list[str]:
        """What the client sent, one entry per round trip: each ends where the server says ReadyForQuery."""
        self.file.flush()
        trips, current = [], []
        for line in self.path.read_text().splitlines():
            parts = line.split("\t")
            if len(parts) >= 4 and parts[0] == "F" and parts[2] in ("Query", "Parse"):
                current.append(parts[3].split('"')[1 if parts[2] == "Query" else 3].split()[0].upper())
            elif len(parts) >= 3 and parts[0] == "B" and parts[2] == "ReadyForQuery":
                trips.append(" ".join(current))
                current = []
        return trips

    def close(self) -> None:
        self.file.close()


def test_a_read_request_on_postgresql_sends_its_selects_and_nothing_else(database_url, tmp_path):
    _postgres(database_url)
    token = _token(database_url)
    app = create_app(Settings(database_url=database_url))
    trips = _RoundTrips((app.state.engine, app.state.write_engine), tmp_path / "trace.txt")
    try:
        asyncio.run(_ask(app, token, 2))  # the first request sets each new connection's statement_timeout once
        before = len(trips.sent())
        assert all(r.status_code == 200 for r in asyncio.run(_ask(app, token, 3)))
        sent = trips.sent()[before:]
        # per request, a replay (schema/compiled/replay.py): the token's lookup and the page's query in one
        # round trip of one SELECT
        assert sent == ["SELECT"] * 3, sent
        assert all(r.status_code == 200 for r in asyncio.run(_ask(app, token, 1, query=OTHER_QUERY)))
        # gone the whole way: the token's lookup and the page's query, each one round trip of one SELECT
        assert trips.sent()[before + 3 :] == ["SELECT"] * 2
    finally:
        trips.close()
        app.state.engine.dispose()
        app.state.write_engine.dispose()


def test_the_server_holds_the_deadlines_timeout_in_every_transaction_and_none_without_one(database_url):
    _postgres(database_url)
    engine = create_engine(database_url, pool_size=1, max_overflow=0)  # one connection: it keeps its setting
    show = text("SELECT current_setting('statement_timeout')")

    def timeout_ms(uow_kwargs: dict, deadline: Deadline | None) -> int:
        with scope(deadline), SqlUnitOfWork(engine, **uow_kwargs) as uow:
            value = uow.connection.execute(show).scalar_one()
        return int(value.removesuffix("ms")) if value != "0" else 0

    try:
        assert 0 < timeout_ms({}, Deadline(5)) <= 5000  # a writer's transaction, rolled back: its SET is undone
        assert 0 < timeout_ms({"read_only": True}, Deadline(5)) <= 5000  # so the reader sets it again
        assert timeout_ms({"read_only": True}, None) == 0
        assert 0 < timeout_ms({"read_only": True}, Deadline(0.5)) <= 500
        assert timeout_ms({}, None) == 0
    finally:
        engine.dispose()


def test_a_connections_timeout_is_kept_for_requests_begun_a_little_later_and_never_outlasts_a_deadline():
    kept = statement_timeout_ms(10.0)  # what a request with all of its 10 s left sets
    assert timeout_fits(kept, 9.999) and timeout_fits(statement_timeout_ms(9.98), 9.999)  # a few ms more or less
    assert statement_timeout_ms(0.0001) == 1  # out of time still gets 1 ms (0 would mean no limit), and stops
    for remaining in (10.0, 9.98, 5.0, 0.3):
        wanted = statement_timeout_ms(remaining)
        assert remaining * 1000 * 31 / 32 <= wanted <= remaining * 1000
        assert timeout_fits(wanted, remaining)
        assert not timeout_fits(wanted, remaining / 2)  # a later request with less time left sets its own
    assert timeout_fits(0, math.inf) and not timeout_fits(kept, math.inf) and not timeout_fits(0, 10.0)


def test_a_process_with_more_than_a_thousand_open_files_still_reuses_its_connections(database_url):
    _postgres(database_url)
    import resource

    if resource.getrlimit(resource.RLIMIT_NOFILE)[0] < 1200:
        pytest.skip("needs more than 1,200 open files")
    held = [open(os.devnull) for _ in range(1100)]  # noqa: SIM115 - the connection's descriptor lands above 1023
    engine = create_engine(database_url)
    try:
        opened = _connects(engine)
        for _ in range(3):
            with SqlUnitOfWork(engine, read_only=True) as uow:
                assert uow.connection.execute(text("SELECT 1")).scalar_one() == 1
        assert opened[0] == 1
    finally:
        engine.dispose()
        for f in held:
            f.close()
