#!/usr/bin/env python
# ruff: noqa: E402 - the imports come after the sys.path fix below
"""Authentication benchmark: what a request pays to be authenticated, and how soon a revoked token's
WebSockets close.

    python benchmarks/auth.py [--sqlite-only] [--postgres-url URL] [--calls N] [--sockets S]

1. µs per authentication, median of 5 runs of N calls, on a store with 1,000 users and tokens:
   - now: `Authenticator.credential` — one statement, token joined to its user by the unique
     index on token_hash (gateway/auth.py, adapters/sql/tokens.py TokenLookup: autocommit on
     PostgreSQL, a deferred read transaction on SQLite);
   - before, cache miss: what the previous Authenticator did when its 10 s cache missed — the
     token by hash, then its user by id: two statements in the same kind of transaction;
   - before, cache hit: the previous cache's hit (a SHA-256 and a dict lookup), which kept a
     revoked token working for up to 10 s in every process.
2. Requests/s of `{ viewer { role } }` through the whole app in-process (httpx over ASGI, one
   client), now and with the previous cached Authenticator put back, as a share of the whole.
3. Close latency: a real `salesflow serve --workers 2`; S sockets of one token across both workers;
   the token revoked over GraphQL; for each socket, the time from the revokeToken answer to the
   4403 close frame (median and max).
PostgreSQL: a fresh database on the server of --postgres-url (or $SALESFLOW_TEST_POSTGRES_URL), dropped
at the end.
"""

from __future__ import annotations

import os
import sys

# This directory holds benchmarks/graphql.py, which would shadow the graphql package the app imports.
sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != os.path.dirname(os.path.abspath(__file__))]

import argparse
import asyncio
import json
import re
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psutil
from sqlalchemy import insert, text
from sqlalchemy.engine import make_url
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect

from salesflow.adapters.sql import SqlUnitOfWork, create_engine, install
from salesflow.adapters.sql.tables import api_tokens, users
from salesflow.adapters.sql.tokens import TokenLookup
from salesflow.domain.tokens import hash_token, new_token
from salesflow.gateway.app import create_app
from salesflow.gateway.auth import Authenticator
from salesflow.gateway.settings import Settings

USERS = 1000
RUNS = 5


class PreviousAuthenticator:
    """The Authenticator before revocation was immediate: two statements on a miss, a 10 s cache."""

    def __init__(self, new_reader, cache_seconds: float = 10.0):
        self.new_reader, self.cache_seconds, self._cache = new_reader, cache_seconds, {}

    def user(self, token):
        if not token:
            return None
        key = hash_token(token)
        now = time.monotonic()
        hit = self._cache.get(key)
        if hit is not None and now - hit[0] < self.cache_seconds:
            return hit[1]
        with self.new_reader() as uow:
            found = uow.tokens.find(token_hash=key)
            user = None
            if found and not found[0].revoked:
                user = uow.users.get(found[0].user_id)
                user = user if user is not None and user.active else None
        self._cache[key] = (now, user)
        return user


@contextmanager
def database(kind: str, postgres_url: str | None, directory: str):
    """A new, empty database."""
    if kind == "sqlite":
        yield f"sqlite:///{directory}/auth-{uuid.uuid4().hex[:8]}.db"
        return
    name = f"salesflow_bench_auth_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def seed(engine) -> list[str]:
    """USERS users with a token each (last used now, so no stamp is written while timing)."""
    now = datetime.now(UTC)
    secrets = [new_token() for _ in range(USERS)]
    with engine.begin() as conn:
        conn.execute(
            insert(users),
            [
                {"name": f"u{i}", "role": "sales_manager", "active": True, "created_at": now, "updated_at": now}
                for i in range(USERS)
            ],
        )
        ids = [row[0] for row in conn.execute(text("SELECT id FROM users ORDER BY id"))]
        conn.execute(
            insert(api_tokens),
            [
                {
                    "user_id": uid,
                    "token_hash": hash_token(s),
                    "revoked": False,
                    "created_at": now,
                    "updated_at": now,
                    "last_used_at": now,
                }
                for uid, s in zip(ids, secrets, strict=True)
            ],
        )
    return secrets


def per_call_us(call, secrets: list[str], calls: int) -> float:
    started = time.perf_counter()
    for i in range(calls):
        call(secrets[i % len(secrets)])
    return (time.perf_counter() - started) / calls * 1e6


def lookups(url: str, calls: int) -> dict[str, float]:
    engine = create_engine(url)
    try:
        secrets = seed(engine)
        reader = lambda: SqlUnitOfWork(engine, read_only=True)
        now, before = Authenticator(TokenLookup(engine)), PreviousAuthenticator(reader, cache_seconds=0)
        warm = PreviousAuthenticator(reader, cache_seconds=float("inf"))  # every call a hit
        for s in secrets:
            warm.user(s)
        calls_of = {
            "now (one statement)": now.user,
            "before, cache miss (two statements)": before.user,
            "before, cache hit": warm.user,
        }
        runs: dict[str, list[float]] = {label: [] for label in calls_of}
        for _ in range(RUNS):  # interleaved, so each sees the same machine
            for label, call in calls_of.items():
                runs[label].append(per_call_us(call, secrets, calls))
        return {label: statistics.median(us) for label, us in runs.items()}
    finally:
        engine.dispose()


async def requests_per_second(url: str, calls: int) -> dict[str, float]:
    app = create_app(Settings(database_url=url))
    view = next(r.endpoint for r in app.routes if getattr(r, "path", "") == "/graphql" and hasattr(r.endpoint, "auth"))
    engine = app.state.engine
    secret = seed_one(engine)
    reader = lambda: SqlUnitOfWork(engine, read_only=True)
    auths = {"now": view.auth, "before (cached)": PreviousAuthenticator(reader)}
    runs: dict[str, list[float]] = {label: [] for label in auths}
    body, headers = {"query": "{ viewer { role } }"}, {"Authorization": f"Bearer {secret}"}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            for run in range(RUNS + 1):  # interleaved, so both see the same machine; the first run warms up
                for label, auth in auths.items():
                    view.auth = auth
                    started = time.perf_counter()
                    for _ in range(calls):
                        response = await client.post("/graphql", json=body, headers=headers)
                        assert response.status_code == 200, response.text
                    if run:
                        runs[label].append(calls / (time.perf_counter() - started))
    return {label: statistics.median(rates) for label, rates in runs.items()}


def seed_one(engine) -> str:
    from salesflow.statemachine.users import create_token

    return create_token(SqlUnitOfWork(engine), "bench", "admin").secret


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def worker_of(ws, server_pid: int) -> int:
    """The pid of the server process holding this socket's other end (connection_ack does not say)."""
    here, port = ws.socket.getsockname(), ws.socket.getpeername()[1]
    root = psutil.Process(server_pid)
    for process in [root, *root.children(recursive=True)]:
        try:
            connections = process.net_connections(kind="tcp")
        except psutil.NoSuchProcess:
            continue
        if any(c.raddr and tuple(c.raddr) == here and c.laddr.port == port for c in connections):
            return process.pid
    raise RuntimeError(f"no worker of server {server_pid} holds the connection from {here}")


def close_latency(url: str, directory: str, sockets: int) -> list[float]:
    port = free_port()
    out_path = os.path.join(directory, f"serve-{port}.out")
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESFLOW_")}
    with open(out_path, "wb") as out:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "salesflow.gateway.cli",
                "serve",
                "--port",
                str(port),
                "--database-url",
                url,
                "--workers",
                "2",
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=env,
        )
    try:
        http = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30, trust_env=False)
        deadline = time.monotonic() + 60
        admin = None
        while time.monotonic() < deadline:
            log = Path(out_path).read_text(errors="replace")
            admin = admin or (re.search(r"sf_[A-Za-z0-9_-]+", log) or [None])[0]
            if admin and log.count("Application startup complete") >= 2:
                break
            time.sleep(0.2)
        gql = lambda q, v=None: http.post(
            "/graphql", json={"query": q, "variables": v or {}}, headers={"Authorization": f"Bearer {admin}"}
        ).json()["data"]
        me = gql("{ viewer { user { id } } }")["viewer"]["user"]["id"]
        made = gql(
            "mutation($i: CreateTokenInput!) { createToken(input: $i) { token { id } secret } }",
            {"i": {"userId": me, "label": "bench"}},
        )["createToken"]
        opened, workers = [], set()
        while len(opened) < sockets or len(workers) < 2:
            ws = ws_connect(
                f"ws://127.0.0.1:{port}/graphql", subprotocols=["graphql-transport-ws"], proxy=None
            ).__enter__()  # closed by the server, or with the process
            ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {made['secret']}"}}))
            ack = json.loads(ws.recv(timeout=10))
            assert ack["type"] == "connection_ack", ack
            workers.add(worker_of(ws, server.pid))
            opened.append(ws)
        closed_at: list[float] = []

        def wait(ws):
            try:
                while True:
                    ws.recv(timeout=30)
            except ConnectionClosed:
                closed_at.append(time.perf_counter())

        threads = [threading.Thread(target=wait, args=(ws,)) for ws in opened]
        for t in threads:
            t.start()
        time.sleep(0.5)
        gql(
            "mutation($i: RevokeTokenInput!) { revokeToken(input: $i) { token { revoked } } }",
            {"i": {"tokenId": made["token"]["id"]}},
        )
        answered = time.perf_counter()
        for t in threads:
            t.join(35)
        return [(at - answered) * 1000 for at in closed_at]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(15)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgres-url", default=os.environ.get("SALESFLOW_TEST_POSTGRES_URL"))
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--sockets", type=int, default=20)
    args = parser.parse_args()
    kinds = ["sqlite"] + ([] if args.sqlite_only or not args.postgres_url else ["postgresql"])
    for kind in kinds:
        with tempfile.TemporaryDirectory() as directory:
            with database(kind, args.postgres_url, directory) as url:
                install(url).dispose()
                print(f"== {kind}")
                for label, us in lookups(url, args.calls).items():
                    print(f"  {label:<38} {us:8.1f} µs per request")
            with database(kind, args.postgres_url, directory) as url:
                install(url).dispose()
                for label, rate in asyncio.run(requests_per_second(url, args.calls // 4)).items():
                    print(f"  {{ viewer }} requests/s, {label:<18} {rate:8.0f}")
            with database(kind, args.postgres_url, directory) as url:
                latencies = close_latency(url, directory, args.sockets)
                print(
                    f"  {len(latencies)} sockets closed after revokeToken answered: median "
                    f"{statistics.median(latencies):.0f} ms, max {max(latencies):.0f} ms"
                )


if __name__ == "__main__":
    main()
