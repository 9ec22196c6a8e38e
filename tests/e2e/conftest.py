"""End to end: the real `salesflow serve` in a subprocess, spoken to over real HTTP and WebSockets.

Each test module gets its own server on its own fresh, empty database (the server migrates it and
prints the first admin's token), on SQLite and, when SALESFLOW_TEST_POSTGRES_URL is set, on
PostgreSQL. Other users' tokens come from `salesflow token create`, as an operator makes them.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import httpx
import psutil
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from support import BACKENDS, POSTGRES_URL
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect as ws_connect

TOKEN = re.compile(r"sf_[A-Za-z0-9_-]+")
CLI = [sys.executable, "-m", "salesflow.gateway.cli"]
READY_SECONDS = 30
WS_PROTOCOL = "graphql-transport-ws"


# --- databases -------------------------------------------------------------------------------------


@contextmanager
def fresh_database(backend: str, directory: Path):
    """An empty database (no tables): a new SQLite file, or CREATE DATABASE on the PostgreSQL server."""
    if backend == "sqlite":
        yield f"sqlite:///{directory / 'salesflow.db'}"
        return
    name = f"salesflow_e2e_{uuid.uuid4().hex[:12]}"
    admin = create_engine(make_url(POSTGRES_URL).set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- the server --------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _environment() -> dict:
    """Ours, without SALESFLOW_* settings that would change what the flags say."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESFLOW_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


class Server:
    """One `salesflow serve` process group; its output goes to files (never a pipe nobody drains)."""

    def __init__(
        self,
        database_url: str,
        directory: Path,
        workers: int = 1,
        *,
        args: tuple[str, ...] = (),
        env: dict[str, str] | None = None,
    ):
        self.database_url, self.directory, self.workers = database_url, directory, workers
        self.args, self.env = list(args), env or {}
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/graphql"
        self.stdout_path, self.stderr_path = directory / "serve.out", directory / "serve.err"
        self.admin_token: str | None = None
        self.process: subprocess.Popen | None = None
        self.http = httpx.Client(base_url=self.url, timeout=30, trust_env=False)

    def start(self) -> Server:
        command = CLI + ["serve", "--host", "127.0.0.1", "--port", str(self.port), "--database-url", self.database_url]
        if self.workers > 1:
            command += ["--workers", str(self.workers)]
        command += self.args
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.process = subprocess.Popen(
                command,
                stdout=out,
                stderr=err,
                stdin=subprocess.DEVNULL,
                cwd=self.directory,
                env={**_environment(), **self.env},
                start_new_session=True,
            )
        deadline = time.monotonic() + READY_SECONDS
        while True:
            if self.process.poll() is not None:
                self.stop()
                raise RuntimeError(f"salesflow serve exited with {self.process.returncode}\n{self.output()}")
            if self.admin_token is None:
                found = TOKEN.search(self.stdout_path.read_text(errors="replace"))
                self.admin_token = found.group(0) if found else None
            if self.admin_token is not None and self._workers_started() and self._ready():
                return self
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(
                    f"salesflow serve was not ready within {READY_SECONDS} s "
                    f"(admin token seen: {self.admin_token is not None})\n{self.output()}"
                )
            time.sleep(0.1)

    def _workers_started(self) -> bool:
        """Every worker has run its startup (readyz answers as soon as the first one has)."""
        if self.workers == 1:
            return True
        return self.stderr_path.read_text(errors="replace").count("Application startup complete") >= self.workers

    def _ready(self) -> bool:
        try:
            return self.http.get("/readyz", timeout=2).status_code == 200
        except httpx.TransportError:
            return False

    def output(self) -> str:
        def tail(path: Path) -> str:
            return path.read_text(errors="replace")[-4000:] if path.exists() else ""

        return f"--- stdout ---\n{tail(self.stdout_path)}\n--- stderr ---\n{tail(self.stderr_path)}"

    def stop(self) -> None:
        """SIGTERM to the whole process group (supervisor and workers), SIGKILL if it lingers."""
        self.http.close()
        if self.process is None:
            return
        self._signal_group(signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self._signal_group(signal.SIGKILL)
            self.process.wait(timeout=5)
        self._signal_group(signal.SIGKILL)  # a worker that outlived its supervisor

    def _signal_group(self, sig: int) -> None:
        try:
            os.killpg(self.process.pid, sig)
        except ProcessLookupError:
            pass

    # -- people ---------------------------------------------------------------------------------
    def token(self, user: str, role: str) -> str:
        """`salesflow token create`, as the operator runs it; the token is the only thing on stdout."""
        done = subprocess.run(
            CLI + ["token", "create", "--user", user, "--role", role, "--database-url", self.database_url],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
            env=_environment(),
            cwd=self.directory,
        )
        assert done.returncode == 0, done.stderr
        found = TOKEN.search(done.stdout)
        assert found, f"no token on stdout: {done.stdout!r} {done.stderr!r}"
        return found.group(0)

    def client(self, token: str | None) -> Client:
        return Client(self, token)

    def admin(self) -> Client:
        return Client(self, self.admin_token)

    def users(self, *roles: str) -> list[Client]:
        """A fresh user per role (unique names), each with its own token; made in parallel."""
        names = [f"{role}_{uuid.uuid4().hex[:8]}" for role in roles]
        with ThreadPoolExecutor(max_workers=len(roles)) as pool:
            tokens = list(pool.map(self.token, names, roles))
        return [Client(self, t, name) for t, name in zip(tokens, names)]

    # -- subscriptions --------------------------------------------------------------------------
    def subscribe(self, token: str | None, query: str, variables: dict | None = None) -> Subscriber:
        return Subscriber(self.ws_url, token, self.process.pid).start(query, variables)

    def connect(self, token: str | None) -> Subscriber:
        """A WebSocket that is not subscribed yet (call `open()` to send connection_init)."""
        return Subscriber(self.ws_url, token, self.process.pid)

    @staticmethod
    def wait_until_live(subscribers: list[Subscriber], fire, **kw) -> None:
        wait_until_live(subscribers, fire, **kw)


class Client:
    """A GraphQL client over real HTTP, as one user."""

    def __init__(self, server: Server, token: str | None, name: str | None = None):
        self.server, self.token, self.name = server, token, name

    @property
    def headers(self) -> dict:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def post(self, query: str, variables: dict | None = None) -> httpx.Response:
        return self.server.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=self.headers
        )

    def execute(self, query: str, variables: dict | None = None) -> dict:
        """The whole JSON answer of a request that must be a GraphQL response (HTTP 200)."""
        response = self.post(query, variables)
        assert response.status_code == 200, (response.status_code, response.text)
        assert response.headers["content-type"].startswith("application/json"), response.headers
        return response.json()

    def run(self, query: str, variables: dict | None = None) -> dict:
        """`data`, failing the test on any top-level error."""
        body = self.execute(query, variables)
        assert "errors" not in body, body["errors"]
        return body["data"]

    def mutate(self, name: str, query: str, variables: dict | None = None) -> dict:
        """The mutation's payload, failing the test on any UserError."""
        payload = self.run(query, variables)[name]
        assert payload["errors"] == [], payload["errors"]
        return payload


class Subscriber:
    """One graphql-transport-ws connection with one `subscribe` operation (id "1")."""

    def __init__(self, ws_url: str, token: str | None, server_pid: int | None = None):
        self.ws_url, self.token, self.server_pid = ws_url, token, server_pid
        self.ws = None
        self.seen: list[dict] = []  # every `next` payload's data received so far

    def open(self) -> dict:
        """Connect and send connection_init; returns the first message (connection_ack if accepted)."""
        # Entered as a context manager would be (newer websockets warn otherwise); closed in close().
        self.ws = ws_connect(
            self.ws_url, subprotocols=[WS_PROTOCOL], proxy=None, open_timeout=10, close_timeout=2
        ).__enter__()
        payload = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        self.ws.send(json.dumps({"type": "connection_init", "payload": payload}))
        return self.receive(timeout=10)

    def receive(self, timeout: float) -> dict:
        """The next message, which must come as a text frame: the protocol's clients parse nothing else."""
        frame = self.ws.recv(timeout=timeout)
        assert isinstance(frame, str), f"a binary frame, which graphql-ws clients cannot read: {frame[:200]!r}"
        return json.loads(frame)

    def start(self, query: str, variables: dict | None = None) -> Subscriber:
        ack = self.open()
        assert ack == {"type": "connection_ack"}, ack  # nothing about the server in it
        self.ws.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": query, "variables": variables or {}}})
        )
        return self

    @property
    def worker(self) -> int:
        """The pid of the server process holding this socket's other end (found among the server's processes)."""
        here = self.ws.socket.getsockname()
        server_port = self.ws.socket.getpeername()[1]
        root = psutil.Process(self.server_pid)  # uvicorn's supervisor, or with one worker the worker itself
        for process in [root, *root.children(recursive=True)]:
            try:
                connections = process.net_connections(kind="tcp")
            except psutil.NoSuchProcess:
                continue
            if any(c.raddr and tuple(c.raddr) == here and c.laddr.port == server_port for c in connections):
                return process.pid
        raise AssertionError(f"no worker of server {self.server_pid} holds the connection from {here}")

    def next_event(self, timeout: float) -> dict | None:
        """The next `next` payload's data, or None if none arrives within timeout."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            try:
                message = self.receive(timeout=remaining)
            except TimeoutError:
                return None
            kind = message["type"]
            if kind == "ping":
                self.ws.send(json.dumps({"type": "pong"}))
            elif kind == "next":
                assert "errors" not in message["payload"], message["payload"]
                data = message["payload"]["data"]
                self.seen.append(data)
                return data
            elif kind in ("error", "complete"):
                raise AssertionError(f"subscription ended: {message}")

    def wait_for(self, predicate, timeout: float) -> dict | None:
        """The first event matching predicate within timeout (others are kept in `seen`), or None."""
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            event = self.next_event(remaining)
            if event is not None and predicate(event):
                return event
        return None

    def close(self) -> None:
        if self.ws is not None:
            try:
                self.ws.close()
            except (ConnectionClosed, OSError):
                pass


def wait_until_live(subscribers: list[Subscriber], fire, *, attempts: int = 20, each: float = 1.0) -> None:
    """Commit probe transitions with `fire()` (returning the document id) until every subscriber got one.

    A `subscribe` message has no acknowledgement: only an event that arrives proves the operation
    is listening, so the tests that follow cannot lose their events to a race with it.
    """
    probes: set[str] = set()
    pending = list(subscribers)
    for _ in range(attempts):
        probes.add(fire())
        pending = [
            s for s in pending if s.wait_for(lambda e: e["documentEvents"]["documentId"] in probes, each) is None
        ]
        if not pending:
            return
    raise AssertionError(f"{len(pending)} subscriber(s) never received a probe event")


# --- fixtures ------------------------------------------------------------------------------------------


@contextmanager
def running_server(backend: str, directory: Path, workers: int = 1, **options):
    with fresh_database(backend, directory) as url:
        server = Server(url, directory, workers, **options).start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="module", params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture(scope="module")
def server(backend, tmp_path_factory):
    """One single-worker server per test module and backend, on a fresh database."""
    with running_server(backend, tmp_path_factory.mktemp(f"serve-{backend}")) as srv:
        yield srv


@pytest.fixture
def empty_database(backend, tmp_path):
    """The URL of a database with no tables yet, for tests that run other commands than serve."""
    with fresh_database(backend, tmp_path) as url:
        yield url


@pytest.fixture
def cli():
    """The salesflow command line and the environment it runs in (without our SALESFLOW_* settings)."""
    return list(CLI), _environment()


@pytest.fixture(scope="module")
def serve_with(backend, tmp_path_factory):
    """Servers with more flags or environment: `with serve_with(args=(…), env={…}) as srv:`."""
    return lambda **options: running_server(backend, tmp_path_factory.mktemp(f"serve-{backend}"), **options)


@pytest.fixture(scope="module")
def server_with_two_workers(backend, tmp_path_factory):
    with running_server(backend, tmp_path_factory.mktemp(f"serve2-{backend}"), workers=2) as srv:
        yield srv


@pytest.fixture
def admin(server) -> Client:
    return server.admin()


@pytest.fixture
def subscribers():
    """Subscribers opened by a test, closed after it."""
    opened: list[Subscriber] = []
    yield opened
    for s in opened:
        s.close()


@pytest.fixture
def serve_on():
    """`salesflow serve` on a database the test prepared first: `with serve_on(url, directory, workers=2) as srv:`."""

    @contextmanager
    def start(url: str, directory: Path, workers: int = 1, **options):
        server = Server(url, directory, workers, **options).start()
        try:
            yield server
        finally:
            server.stop()

    return start
