"""The gateway's limits on a request as it arrives and while it runs.

- `BodyLimit`: a request body may be at most `max_body_bytes`. A Content-Length above it is
  answered 413 before a byte of the body is read; a body without one (chunked) is counted as it
  arrives and refused as soon as it passes the limit, so the server never holds more than that.
  The answer is a GraphQL request error (`errors`, no `data`) with code PAYLOAD_TOO_LARGE.
- `read_body`: the same rule for a handler with a tighter limit of its own (/hooks/payments).
- `run_until_done`: runs a request's synchronous work in a worker thread under its deadline,
  and cancels that deadline if the client disconnects meanwhile, so the work stops too.
- `startup_heap_frozen`: keeps the garbage collector's full passes short while a large query runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import Callable, Iterator
from typing import TypeVar

import anyio
import orjson
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..domain import deadline as deadlines

T = TypeVar("T")

#: The default for `SALESFLOW_MAX_BODY_BYTES`: queries are a few kilobytes; a mutation with a
#: thousand lines of long descriptions stays well under it. The largest input is a company logo: 1 MiB
#: of image (domain/images.py) is 1.4 MiB as base64, so that a logo over the limit reaches its own check
#: (INVALID_IMAGE naming `logo`) instead of being cut off as a body, the body may be 2 MiB.
DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024


class BodyTooLarge(Exception):
    def __init__(self, limit: int):
        super().__init__(f"the request body must be at most {limit} bytes")
        self.limit = limit


def too_large_body(limit: int) -> bytes:
    """The 413 answer: a GraphQL request error."""
    return orjson.dumps(
        {
            "errors": [
                {
                    "message": f"The request body is larger than {limit} bytes, the most this server accepts.",
                    "extensions": {"code": "PAYLOAD_TOO_LARGE", "maximumBytes": limit},
                }
            ]
        }
    )


def _declared_length(scope: Scope) -> int | None:
    """The Content-Length header; -1 if it is not a number (refused like a body that is too large)."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            return int(value) if value.isdigit() else -1
    return None


class BodyLimit:
    """ASGI middleware: HTTP request bodies above `max_bytes` are answered 413, unread."""

    def __init__(self, app: ASGIApp, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self.max_bytes:
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and not 0 <= declared <= self.max_bytes:
            await self._refuse(send)
            return
        received = 0
        started = False

        async def bounded_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, bounded_receive, tracked_send)
        except BodyTooLarge:
            if started:
                raise
            await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = too_large_body(self.max_bytes)
        # Connection: close, since the rest of the body is left unread on the connection
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                    (b"connection", b"close"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


async def read_body(request: Request, limit: int) -> bytes:
    """The request's body, or BodyTooLarge as soon as more than `limit` bytes arrived."""
    declared = _declared_length(request.scope)
    if declared is not None and not 0 <= declared <= limit:
        raise BodyTooLarge(limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(limit)
        chunks.append(chunk)
    return b"".join(chunks)


async def _cancel_on_disconnect(receive: Receive, deadline: deadlines.Deadline) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            deadline.cancel()
            return


async def run_until_done(work: Callable[[], T], deadline: deadlines.Deadline | None, receive: Receive | None) -> T:
    """`work()` in a worker thread under `deadline`; a client that disconnects meanwhile cancels it."""

    def within() -> T:
        with deadlines.scope(deadline):
            return work()

    if deadline is None or receive is None:
        return await anyio.to_thread.run_sync(within)
    # A bare asyncio task, not a task group: this runs for every request, and a task group's cancel
    # scopes cost about a tenth of a small read's whole time on the event loop (benchmarks/graphql.py)
    watcher = asyncio.ensure_future(_cancel_on_disconnect(receive, deadline))
    try:
        return await anyio.to_thread.run_sync(within)
    finally:
        watcher.cancel()


_collected_before_freezing = False


@contextlib.contextmanager
def startup_heap_frozen() -> Iterator[None]:
    """While serving, what was built at startup (schema, engine, modules) is out of the collector's reach.

    A full collection holds the GIL while it walks every tracked object: with the ~100,000 the
    app owns after startup, one triggered by a large query's allocations stopped the event loop
    for 350 ms (benchmarks/worst_query.py), so /healthz and every other request waited. Frozen
    objects are never walked; what requests allocate is collected as before. Unfrozen at shutdown,
    so an app that is built and dropped again (tests) leaves nothing behind.

    The full collection before the first freeze keeps startup garbage out of the frozen heap; it
    runs once per process. A process that starts app after app (the tests: hundreds) would
    otherwise pay it each time, 0.2 s on their large heap, for garbage the unfreeze hands back
    to the collector anyway.
    """
    global _collected_before_freezing
    if not _collected_before_freezing:
        gc.collect()
        _collected_before_freezing = True
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
