"""schema/core/fast.py overrides graphql-core's `execute_fields`, which graphql-core marks private
(`:meta private:`). pyproject pins graphql-core to the tested minor series; these checks fail loudly,
naming the method, the day a release changes what the override relies on."""

from __future__ import annotations

import inspect

import graphql
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from salesflow.schema.core.fast import LEAF, FastExecutionContext

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
    data = admin.run("{ stages { id name probability } }")
    assert data["stages"] and all(stage["name"] for stage in data["stages"])
    assert ("Stage", ["id", "name", "probability"]) in seen, seen
