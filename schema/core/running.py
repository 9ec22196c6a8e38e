"""How the Schema runs a request: exactly the operation the client named, within its deadline.

strawberry runs the first operation of a document when no `operationName` is given, where the
GraphQL spec asks for a request error ("GetOperation": if the document holds more than one
operation and no name is given, it is an error); every transport calls one of the entry points
below, so the rule is kept here once for HTTP POST, GET and WebSocket.

A query or mutation runs under the request's deadline (the gateway's, which a client that goes
away also cancels, or one of `timeout` seconds): when it passes, the work stops where it is, the
transaction in progress rolls back, and the answer is a top-level error with code TIMEOUT.
(Mutations that completed before it, each in its own transaction, stay done.)

And its answer is built under a byte budget of `max_response_bytes` (answer.py): past it, the work
stops the same way and the answer is a top-level error with code RESPONSE_TOO_LARGE.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import contextmanager

from graphql import GraphQLError, OperationDefinitionNode
from strawberry.extensions import ParserCache
from strawberry.types import ExecutionResult
from strawberry.types.execution import PreExecutionError

from ...domain import deadline as deadlines
from . import answer

log = logging.getLogger("salesflow.limits")

OPERATION_NAME_REQUIRED = "Must provide operation name if query contains multiple operations."


class QueryTimeout(GraphQLError):
    """A top-level TIMEOUT; `committed` says whether changes made before the stop were kept."""

    def __init__(self, stop: deadlines.DeadlineExceeded):
        commits = stop.deadline.commits
        kept = (
            f"{commits} change(s) it made before that were saved: read them back before trying again"
            if commits
            else "nothing it did was kept"
        )
        super().__init__(
            f"{stop.deadline.reason()}; {kept}.", extensions={"code": "TIMEOUT", "committed": bool(commits)}
        )


class GuardedRuns:
    """Mixed into strawberry.Schema: one named operation per request, run under a deadline."""

    timeout: float | None = None  # seconds; None: only a deadline the caller set applies
    max_response_bytes: int | None = None  # the most JSON an answer may hold (answer.py); None: no limit
    max_tokens: int | None = None
    parse_cache_size = 512  # the parse cache the schema's ParserCache extension shares

    def _operation_name_missing(self, query, operation_name) -> GraphQLError | None:
        if operation_name is not None or not isinstance(query, str):
            return None
        parse = ParserCache(maxsize=self.parse_cache_size).cached_parse_document  # shared LRU: parsed once
        try:
            document = parse(query, **({"max_tokens": self.max_tokens} if self.max_tokens else {}))
        except GraphQLError:
            return None  # strawberry answers the syntax error itself
        operations = sum(isinstance(d, OperationDefinitionNode) for d in document.definitions)
        if operations < 2:
            return None
        return GraphQLError(OPERATION_NAME_REQUIRED, extensions={"code": "OPERATION_NAME_REQUIRED"})

    def _deadline(self) -> deadlines.Deadline | None:
        given = deadlines.current()
        if given is not None:
            return given
        return deadlines.Deadline(self.timeout) if self.timeout else None

    @contextmanager
    def _bounded(self, stopped: list[ExecutionResult]):
        """Run the block under the request's deadline and answer budget; a stop is put in `stopped` as the
        answer (a top-level TIMEOUT or RESPONSE_TOO_LARGE) instead of raising."""
        with deadlines.scope(self._deadline()) as limit, answer.scope(self.max_response_bytes):
            try:
                yield
            except deadlines.DeadlineExceeded as stop:
                log.warning("stopped a request: %s", stop.deadline.reason())
                stopped.append(ExecutionResult(data=None, errors=[QueryTimeout(stop)]))
            except answer.ResponseTooLarge as stop:
                log.warning("stopped a request: %s", stop)
                stopped.append(
                    ExecutionResult(data=None, errors=[answer.too_large(stop.limit, limit.commits if limit else 0)])
                )

    def execute_sync(
        self,
        query,
        variable_values=None,
        context_value=None,
        root_value=None,
        operation_name=None,
        allowed_operation_types=None,
        operation_extensions=None,
    ) -> ExecutionResult:
        missing = self._operation_name_missing(query, operation_name)
        if missing is not None:
            return ExecutionResult(data=None, errors=[missing])
        stopped: list[ExecutionResult] = []
        with self._bounded(stopped):
            return super().execute_sync(
                query,
                variable_values,
                context_value,
                root_value,
                operation_name,
                allowed_operation_types,
                operation_extensions,
            )
        return stopped[0]

    async def execute(
        self,
        query,
        variable_values=None,
        context_value=None,
        root_value=None,
        operation_name=None,
        allowed_operation_types=None,
        operation_extensions=None,
    ) -> ExecutionResult:
        missing = self._operation_name_missing(query, operation_name)
        if missing is not None:
            return ExecutionResult(data=None, errors=[missing])
        stopped: list[ExecutionResult] = []
        with self._bounded(stopped):
            return await super().execute(
                query,
                variable_values,
                context_value,
                root_value,
                operation_name,
                allowed_operation_types,
                operation_extensions,
            )
        return stopped[0]

    async def stream(
        self,
        query,
        variable_values=None,
        context_value=None,
        root_value=None,
        operation_name=None,
        operation_extensions=None,
        allowed_operation_types=None,
    ):
        missing = self._operation_name_missing(query, operation_name)
        if missing is not None:
            return _refused(missing)
        return await super().stream(
            query,
            variable_values,
            context_value,
            root_value,
            operation_name,
            operation_extensions,
            allowed_operation_types,
        )


async def _refused(error: GraphQLError) -> AsyncIterator[PreExecutionError]:
    """A stream that is one request error (the WebSocket transport sends it as `error`)."""
    yield PreExecutionError(data=None, errors=[error])
