"""Queries and mutations run in a worker thread on every transport; only subscriptions wait on the event loop.

Resolvers are plain blocking functions over the store (loader.py): an operation run on the event
loop would stall every request and subscriber of the process while it reads, or waits for a lock.
Over HTTP the gateway calls `execute_in_thread`; WebSocket (graphql-transport-ws) and HTTP streaming
transports call the schema's `stream`, which `ThreadedOperations` routes the same way.

Each operation reads through a loader of its own (`RequestContext.scoped_loader`): the operations
of one WebSocket share its context, and running side by side in threads they must never share, or
close, each other's read transaction.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable
from typing import Any

import anyio
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.types.graphql import OperationType

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
    """`schema.execute_sync` in a worker thread, reading through a loader of its own.

    `run` puts the work on a thread (default: anyio's); the gateway passes one that also stops the
    work when the HTTP client goes away (gateway/limits.py). Raises what execute_sync raises before
    executing anything (an operation type that is not allowed, an operation name that is not in the
    document, no query).
    """

    def execute() -> ExecutionResult:
        scope = context_value.scoped_loader() if hasattr(context_value, "scoped_loader") else None
        try:
            return schema.execute_sync(query, context_value=context_value, **options)
        finally:
            if scope is not None:
                context_value.end_scope(*scope)

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
