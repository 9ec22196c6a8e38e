"""Our executor overrides methods graphql-core marks private (`:meta private:`): schema/core/fast.py
`execute_fields`, schema/core/blocking.py `build_per_event_executor` and `execute_operation` (each
subscription event resolved in a worker thread). pyproject pins graphql-core to the tested minor
series; these checks fail loudly, naming the method, the day a release changes what the overrides
rely on."""

from __future__ import annotations

import inspect
import threading
import time

import graphql
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from salesflow.schema.core.context import RequestContext
from salesflow.schema.core.fast import LEAF, FastExecutionContext
from salesflow.schema.schema import Execution

#: The parameters our override takes and passes on to graphql-core's, in order.
EXPECTED = ["self", "parent_type", "source_value", "path", "grouped_field_set", "position_context"]


def test_graphql_core_is_within_the_pinned_series():
    assert (graphql.version_info.major, graphql.version_info.minor) == (3, 3), graphql.__version__


def test_the_private_execute_fields_still_takes_what_our_override_passes_on():
    inherited = StrawberryGraphQLCoreExecutionContext.execute_fields
    assert list(inspect.signature(inherited).parameters) == EXPECTED, (
        f"graphql-core {graphql.__version__} changed ExecutionContext.execute_fields{inspect.signature(inherited)}: "
        "schema/core/fast.py FastExecutionContext must follow it"
    )
    assert list(inspect.signature(FastExecutionContext.execute_fields).parameters) == EXPECTED


def test_graphql_core_still_calls_execute_fields_and_takes_the_fast_leaves(admin, monkeypatch):
    """If graphql-core stopped calling execute_fields, the override would silently do nothing."""
    seen: list[tuple[str, list[str]]] = []
    original = FastExecutionContext.execute_fields

    def spy(self, parent_type, source_value, path, grouped_field_set, position_context):
        leaves = [
            name
            for name, details in grouped_field_set.items()
            if LEAF in (parent_type.fields[details[0].node.name.value].extensions or {})
        ]
        seen.append((parent_type.name, leaves))
        return original(self, parent_type, source_value, path, grouped_field_set, position_context)

    monkeypatch.setattr(FastExecutionContext, "execute_fields", spy)
    data = admin.run("{ stages { id sequence probability } }")
    assert data["stages"] and all(stage["sequence"] for stage in data["stages"])
    assert ("Stage", ["id", "sequence", "probability"]) in seen, seen


#: The per-event API our ThreadedEvents overrides: the parameters it takes and passes on, in order.
PER_EVENT = {
    "build_per_event_executor": ["self", "payload"],
    "execute_operation": ["self", "serially"],
}


def test_the_private_per_event_executor_api_still_takes_what_our_override_passes_on():
    for name, parameters in PER_EVENT.items():
        inherited = getattr(StrawberryGraphQLCoreExecutionContext, name)
        assert list(inspect.signature(inherited).parameters) == parameters, (
            f"graphql-core {graphql.__version__} changed Executor.{name}{inspect.signature(inherited)}: "
            "schema/core/blocking.py ThreadedEvents must follow it"
        )
        assert list(inspect.signature(getattr(Execution, name)).parameters) == parameters


def test_graphql_core_still_resolves_each_event_with_a_per_event_executor_our_worker_thread_runs(
    gateway, admin, monkeypatch
):
    """If graphql-core stopped building a per-event executor, or executed events another way, the
    override would silently do nothing and events would be resolved on the event loop again."""
    built: list[int] = []  # the thread graphql-core builds each event's executor on: the event loop's
    resolved: list[tuple[int, bool]] = []  # the thread a DocumentEvent is resolved on, and in which loader
    scoped: list[tuple[RequestContext, object]] = []
    build, fields, scope = (
        Execution.build_per_event_executor,
        FastExecutionContext.execute_fields,
        RequestContext.scoped_loader,
    )

    def spy_build(self, payload):
        built.append(threading.get_ident())
        return build(self, payload)

    def spy_fields(self, parent_type, source_value, path, grouped_field_set, position_context):
        if parent_type.name == "DocumentEvent":
            ctx = self.context_value
            resolved.append((threading.get_ident(), (ctx, ctx.loader) in scoped))
        return fields(self, parent_type, source_value, path, grouped_field_set, position_context)

    def spy_scope(self):
        loader, token = scope(self)
        scoped.append((self, loader))
        return loader, token

    monkeypatch.setattr(Execution, "build_per_event_executor", spy_build)
    monkeypatch.setattr(FastExecutionContext, "execute_fields", spy_fields)
    monkeypatch.setattr(RequestContext, "scoped_loader", spy_scope)
    query = "subscription { documentEvents(types: [LEAD]) { trigger document { ... on Lead { title } } } }"
    with gateway.http.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {admin.token}"}})
        assert ws.receive_json() == {"type": "connection_ack"}
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": query}})
        listening = time.monotonic() + 10
        while gateway.app.state.broker.subscribers < 1 and time.monotonic() < listening:
            time.sleep(0.01)
        assert gateway.app.state.broker.subscribers == 1, "the subscription never started listening"
        admin.mutate(
            "createLead", 'mutation { createLead(input: {title: "Heard of"}) { lead { id } errors { code } } }'
        )
        message = ws.receive_json()
    assert message["type"] == "next" and message["payload"]["data"]["documentEvents"] == {
        "trigger": "create",
        "document": {"title": "Heard of"},
    }, message
    assert len(built) == 1 and len(resolved) == 1, (built, resolved)
    (loop,), ((worker, in_the_events_loader),) = built, resolved
    assert worker != loop, "the event was resolved on the event loop"
    assert in_the_events_loader, "the event was not resolved in the read transaction its subscription opened"
