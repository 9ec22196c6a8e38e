"""A receiver for salesflow's webhook events, as an integrator would write one (stdlib only).

It speaks the protocol `backend.py` defines: it checks `Salesflow-Signature` (HMAC-SHA256 over
"<t>.<raw body>", 5 minutes' tolerance) and answers 401 to a bad or stale one, keeps each event id
it has processed and answers a repeat 200 without processing it again, and answers
`{"reference": …}`. Tests and benchmarks/sync.py run it in a thread; its fault switches (`down`,
`fail_next`, `lose_next_answer`, `delay`) play a receiver that is down, failing, slow or dying
after it did the work.
"""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from .signing import HEADER, SignatureError, verify


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, *args) -> None:  # quiet
        pass

    def do_HEAD(self) -> None:
        self.send_response(405 if not self.server.owner.failing else 503)
        self.end_headers()

    def do_POST(self) -> None:
        owner = self.server.owner
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        status, answer = owner.handle(body, self.headers.get(HEADER))
        if status is None:  # lose the answer: the work is done, the connection just drops
            self.close_connection = True
            self.connection.shutdown(2)
            return
        payload = json.dumps(answer).encode()
        try:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the sender gave up waiting
            self.close_connection = True


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address, owner):
        super().__init__(address, _Handler)
        self.owner = owner


class Receiver:
    """`with Receiver(secret) as r:` serves on r.url until the block ends."""

    def __init__(self, secret: str, *, host: str = "127.0.0.1", port: int = 0, keep_bodies: bool = True):
        self.secret = secret
        self.address = (host, port)
        self.keep_bodies = keep_bodies  # off in benchmarks, so memory stays the receiver's own
        self.lock = threading.Lock()
        self.processed: dict[str, dict | None] = {}  # event id -> event (None when bodies are not kept)
        self.by_number: dict[tuple[str, str], int] = {}  # (type, invoice number) -> times processed
        self.received = 0
        self.rejected: list[str] = []  # signature error codes
        self.failing = 0
        self.fail_status = 500
        self.lose_answers = 0
        self.delay = 0.0
        self.slow = 0  # the next `slow` requests take `slow_seconds` (to play a timeout)
        self.slow_seconds = 0.0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --
    def __enter__(self) -> Receiver:
        self.up()
        return self

    def __exit__(self, *exc) -> None:
        self.down()

    @property
    def url(self) -> str:
        return f"http://{self.address[0]}:{self.address[1]}/events"

    def up(self) -> None:
        """Listen (again, on the same port); nothing to do if listening."""
        if self._server is not None:
            return
        self._server = _Server(self.address, self)
        self.address = self._server.server_address[:2]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    def down(self) -> None:
        """Stop listening: connections are refused until `up()`."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    # -- faults --
    def fail_next(self, count: int, status: int = 500) -> None:
        self.failing, self.fail_status = count, status

    def lose_next_answer(self, count: int = 1) -> None:
        self.lose_answers = count

    def slow_next(self, count: int, seconds: float) -> None:
        """The next `count` requests are processed after `seconds` (past a sender's timeout)."""
        self.slow, self.slow_seconds = count, seconds

    # -- what it saw --
    def count(self, event_type: str, number: str) -> int:
        return self.by_number.get((event_type, number), 0)

    def handle(self, body: bytes, signature: str | None) -> tuple[int | None, dict]:
        with self.lock:
            pause = self.delay
            if self.slow:
                self.slow -= 1
                pause = max(pause, self.slow_seconds)
        if pause:
            time.sleep(pause)
        with self.lock:
            self.received += 1
            if self.failing:
                self.failing -= 1
                return self.fail_status, {"error": "the receiver is failing"}
            try:
                verify(self.secret, body, signature)
            except SignatureError as err:
                self.rejected.append(err.code)
                return 401, {"error": err.code, "message": str(err)}
            event = json.loads(body)
            event_id, number = event["id"], event["data"]["invoice"]["number"]
            if event_id not in self.processed:
                self.processed[event_id] = event if self.keep_bodies else None
                key = (event["type"], number)
                self.by_number[key] = self.by_number.get(key, 0) + 1
            if self.lose_answers:
                self.lose_answers -= 1
                return None, {}
            return 200, {"reference": f"rcv:{number}"}
