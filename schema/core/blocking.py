"""Nothing is resolved on the event loop: queries, mutations and each subscription event run in a worker thread.

Resolvers are plain blocking functions over the store (loader.py): an operation run on the event
loop would stall every request and subscriber of the process while it reads, or waits for a lock.
Over HTTP the gateway calls `execute_in_thread`; WebSocket (graphql-transport-ws) and HTTP streaming
transports call the schema's `stream`, which `ThreadedOperations` routes the same way.

A subscription waits for its events on the event loop. At each event, each subscriber takes a
turn (`EventTurn`): its generator reads the event's document in a worker thread and yields it;
graphql-core then resolves the subscriber's selection under it, a whole query's worth (a quote's
thousand lines, its history …), and `ThreadedEvents` runs that in a worker thread too, in the read
transaction the generator opened for the event (a context variable, which the thread gets a copy
of). At most EVENT_SLOTS turns run at once. An event's resolution has a query's limits: its
selection is priced and capped like a query's (cost.py); it runs under the query timeout (from the
moment its turn starts) and the answer-size budget (answer.py), and past either it is abandoned
and sent as an error event (code TIMEOUT or RESPONSE_TOO_LARGE) while the subscription goes on; a
subscriber that completes or goes away stops it at once.

Every answer is encoded to JSON in the thread that computed it (answer.seal), where its exact size is
checked against the budget: the event loop only copies the encoded bytes into the message it sends.

Each operation reads through a loader of its own (`RequestContext.scoped_loader`): the operations
of one WebSocket share its context, and running side by side in threads they must never share, or
close, each other's read transaction.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable
from contextvars import ContextVar
from functools import partial
from typing import Any, TypeVar

import anyio
from anyio.lowlevel import RunVar
from graphql import ExecutionResult as EventResult
from graphql import GraphQLError
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.types.graphql import OperationType

from ...domain import deadline as deadlines
from . import answer

T = TypeVar("T")

log = logging.getLogger("salesflow.limits")

#: How many subscribers' turns at an event (EventTurn) a process runs at once, each in a thread and
#: a read transaction. Resolving is Python under the GIL: more threads would not finish a fan-out
#: sooner, they would only make the event loop wait longer for its turn at the GIL (with 8
#: subscribers of three 1,000-line quotes, /healthz answered within 30 ms with 2 threads, 63 ms with
#: 4, 114 ms with anyio's default of 40), and hold more of the connection pool. Two let one turn
#: read from the database while another is computed.
EVENT_SLOTS = 2
_EVENT_SLOTS: RunVar[anyio.CapacityLimiter] = RunVar("salesflow_event_slots")

BLOCKING = frozenset({OperationType.QUERY, OperationType.MUTATION})
ALL = frozenset(OperationType)


async def execute_in_thread(
    schema,
    query: str | None,
    *,
    context_value: Any,
    run: Callable[[Callable[[], ExecutionResult]], Awaitable[ExecutionResult]] | None = None,
    **options,
) -> ExecutionResult:
    """`schema.execute_sync` in a worker thread, reading through a loader of its own; its data comes
    back encoded (answer.seal), or RESPONSE_TOO_LARGE.

    `run` puts the work on a thread (default: anyio's); the gateway passes one that also stops the
    work when the HTTP client goes away (gateway/limits.py). Raises what execute_sync raises before
    executing anything (an operation type that is not allowed, an operation name that is not in the
    document, no query).
    """

    def execute() -> ExecutionResult:
        scope = context_value.scoped_loader() if hasattr(context_value, "scoped_loader") else None
        try:
            result = schema.execute_sync(query, context_value=context_value, **options)
        finally:
            if scope is not None:
                context_value.end_scope(*scope)
        limit = deadlines.current()  # the request's, if the caller ran this under one
        return answer.seal(result, getattr(schema, "max_response_bytes", None), limit.commits if limit else 0)

    return await (run or anyio.to_thread.run_sync)(execute)


def _as_streamed(result: ExecutionResult) -> ExecutionResult:
    """A request error (no data and no error at a path: syntax, validation, variables) becomes the
    PreExecutionError that strawberry's own streaming yields for it, so each transport answers it as
    its protocol says (graphql-transport-ws: an `error` message; a syntax error closes with 4400)."""
    if result.data is None and result.errors and all(error.path is None for error in result.errors):
        return PreExecutionError(data=None, errors=result.errors, extensions=result.extensions)
    return result


async def _once(result: ExecutionResult) -> AsyncGenerator[ExecutionResult, None]:
    yield result


class ThreadedOperations:
    """strawberry.Schema mixin: `stream` runs queries and mutations with execute_sync in a worker thread."""

    async def stream(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
    ):
        """Queries and mutations: their one result, computed in a thread. Subscriptions: strawberry's stream."""
        options = {
            "variable_values": variable_values,
            "context_value": context_value,
            "root_value": root_value,
            "operation_name": operation_name,
            "operation_extensions": operation_extensions,
        }
        allowed = frozenset(allowed_operation_types) if allowed_operation_types is not None else ALL
        if allowed & BLOCKING:
            try:
                result = await execute_in_thread(self, query, allowed_operation_types=allowed & BLOCKING, **options)
            except (InvalidOperationTypeError, CannotGetOperationTypeError, MissingQueryError):
                pass  # nothing ran: a subscription, or a request strawberry's stream answers with its error
            else:
                return _once(_as_streamed(result))
        return await super().stream(query, allowed_operation_types=allowed, **options)


def _event_slots() -> anyio.CapacityLimiter:
    """This event loop's EVENT_SLOTS."""
    try:
        return _EVENT_SLOTS.get()
    except LookupError:
        slots = anyio.CapacityLimiter(EVENT_SLOTS)
        _EVENT_SLOTS.set(slots)
        return slots


async def in_worker_thread(work: Callable[[], T]) -> T:
    """work() in a worker thread, under the current deadline (or one that only a cancellation ends).

    If the caller is cancelled meanwhile (the subscriber completed or went away), the deadline is
    cancelled, so the work stops at its next check, and the cancellation goes on only once the
    thread has returned: the work reads in a transaction that the caller closes as it unwinds,
    which must never happen under a thread still reading in it.
    """
    limit = deadlines.current() or deadlines.Deadline(None)

    def within() -> T:
        with deadlines.scope(limit):
            return work()

    running = asyncio.ensure_future(anyio.to_thread.run_sync(within))
    try:
        return await asyncio.shield(running)
    except asyncio.CancelledError:
        limit.cancel()
        while not running.done():
            try:
                await asyncio.wait({running})
            except asyncio.CancelledError:
                continue  # cancelled again: the thread still has to return first
        if not running.cancelled():
            running.exception()  # retrieved: whatever the thread raised, the caller is cancelled
        raise


class EventTurn:
    """One subscriber's turn at one event: the subscription's read of the event's document, then the
    resolution of the subscriber's selection, each in a worker thread.

    The turn holds one of EVENT_SLOTS from its start until the resolution ends, and `close` (which
    ends the event's read transaction) runs in the resolution's thread as soon as it is done, so a
    turn never waits for a slot while holding a database connection, and no connection stays open
    while the event is sent. The subscription opens the turn around its read and the `yield` of the
    event (`async with EventTurn(close)`); `ThreadedEvents` finds it in the context and resolves in it.
    """

    def __init__(self, close: Callable[[], None] = lambda: None):
        self._close = close
        self._held = False

    @staticmethod
    def current() -> EventTurn | None:
        return _TURN.get()

    async def __aenter__(self) -> EventTurn:
        await _event_slots().acquire_on_behalf_of(self)
        self._held = True
        self._token = _TURN.set(self)
        return self

    async def __aexit__(self, *exc_info) -> None:
        self._release()  # first: a slot must come back even if the reset below cannot be done
        _TURN.reset(self._token)

    async def read(self, work: Callable[[], T]) -> T:
        """work() in a worker thread, within the turn."""
        return await in_worker_thread(work)

    async def resolve(self, work: Callable[[], T]) -> T:
        """work() in a worker thread, then the event's reads end there, and the turn with them."""

        def then_close() -> T:
            try:
                return work()
            finally:
                self._close()

        try:
            return await in_worker_thread(then_close)
        finally:
            self._release()

    def _release(self) -> None:
        if self._held:
            self._held = False
            _event_slots().release_on_behalf_of(self)


_TURN: ContextVar[EventTurn | None] = ContextVar("salesflow_event_turn", default=None)


class ThreadedEvents:
    """graphql-core Executor mixin: each subscription event's selection is resolved in a worker thread.

    graphql-core resolves an event with a copy of the subscription's executor
    (`build_per_event_executor`) and `execute_operation(False)`, awaiting the result if it is
    awaitable; here it is the execution in a thread, in the subscription's EventTurn for the event
    (or a turn of its own if the subscription opened none).
    """

    event = False  # True on the per-event copies

    def build_per_event_executor(self, payload: Any):
        executor = super().build_per_event_executor(payload)
        executor.event = True
        return executor

    def execute_operation(self, serially: bool | None = None):
        if not self.event:
            return super().execute_operation(serially)
        return self._execute_in_turn(partial(super().execute_operation, serially))

    async def _execute_in_turn(self, execute: Callable[[], Any]) -> Any:
        schema = getattr(self.schema, "_strawberry_schema", None)
        timeout = getattr(schema, "timeout", None)
        limit = getattr(schema, "max_response_bytes", None)

        def within_limits():
            with answer.scope(limit):
                try:
                    result = execute()
                except deadlines.DeadlineExceeded as stop:
                    log.warning("stopped a subscription event: %s", stop.deadline.reason())
                    return EventResult(data=None, errors=[_event_timeout(stop)])
                except answer.ResponseTooLarge as stop:
                    log.warning("stopped a subscription event: %s", stop)
                    return EventResult(data=None, errors=[answer.too_large(stop.limit)])
            # a resolver that returns an awaitable (none does) is awaited on the loop, and encoded there
            return result if self.is_awaitable(result) else answer.seal(result, limit)

        turn = EventTurn.current()
        with deadlines.scope(deadlines.Deadline(timeout or None)):  # in_worker_thread runs the work under it
            if turn is None:
                async with EventTurn() as turn:
                    result = await turn.resolve(within_limits)
            else:
                result = await turn.resolve(within_limits)
        return await result if self.is_awaitable(result) else result


def _event_timeout(stop: deadlines.DeadlineExceeded) -> GraphQLError:
    """The error event of an event whose resolution ran past the query timeout."""
    return GraphQLError(
        f"Resolving this event's selection took longer than {stop.deadline.seconds:g} s and was stopped: "
        "select less of the document (fewer lists, fewer items per list); later events still come.",
        extensions={"code": "TIMEOUT"},
    )
