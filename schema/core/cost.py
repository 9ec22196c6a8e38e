"""What a query may cost, computed before anything runs, and the limit that refuses the ruinous ones.

Depth, alias and token limits bound how a query is written, not what it asks for: a short query
can still ask for a page of a hundred opportunities, each with its quotes, each with a thousand
lines. So before execution every operation is priced the way GitHub, Shopify and Saleor price
theirs, in the vocabulary of the GraphQL cost directive spec (https://ibm.github.io/graphql-specs/cost-spec.html):

- every value the answer can hold costs 1: an object, a scalar, each item of a list (an object that
  is work to make, a rendered document, costs more: OBJECT_COSTS); a text
  costs 1 more per KiB of UTF-8 it may hold (its limit in characters in domain/text.py, at 4 bytes
  a character: an emoji or a rare CJK character is 4), so long texts weigh what they can;
- a list holds as many items as its *slicing argument* says (`first`: its value, from the query,
  a variable or the argument's default, at most the page cap), `nodes(ids)` as many as it has ids,
  and a list without either as many as its cap in schema/core/lists.py (a document's `lines`…);
- a field that is sliced but is not itself a list (a connection, `changes`) sizes the lists just
  below it (`edges`, `events`);
- under an interface or a union, only one of the possible types is there: the most costly counts;
- fragments and inline fragments count where they are spread, `@skip`/`@include` are honoured,
  and fields merge as execution merges them: the same name twice is one field, two aliases are two.

The rules are the tables below; `QueryCost` applies them after validation and reports the cost
in `extensions.cost` of every response, as Saleor does: `{"requestedQueryCost", "maximumAvailable"}`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    GraphQLError,
    GraphQLSchema,
    OperationDefinitionNode,
    SelectionSetNode,
    Undefined,
    get_named_type,
    is_abstract_type,
    is_leaf_type,
    is_list_type,
    is_non_null_type,
    validate,
)
from graphql.utilities import value_from_ast_untyped
from strawberry.extensions import SchemaExtension

from ...domain.query import DEFAULT_PAGE, MAX_PAGE
from ...domain.text import MAX_LENGTH
from .lists import LIST_CAPS, PAYLOAD_ERRORS
from .memo import Recent
from .selections import Selections

#: The default budget per operation (`SALESFLOW_MAX_COST`); benchmarks/worst_query.py measured it.
DEFAULT_MAX_COST = 200_000

#: An Int argument saying how many items a list holds; above the page cap the resolver refuses,
#: so the cap is the most it can cost. Absent or null: the argument's default, else the default page.
SLICING_ARGUMENTS = ("first",)
SLICE_CAP = MAX_PAGE
UNSLICED = DEFAULT_PAGE
#: A list argument with one item of the answer per entry (`nodes(ids)`), at most the page cap.
COUNTED_ARGUMENTS = ("ids",)

#: A list without a slicing argument holds at most its cap in schema/core/lists.py (the one table of
#: every list's cap); a mutation payload's `errors` at most PAYLOAD_ERRORS. Any other list (none
#: today: tests/unit/test_query_cost.py proves every list has a cap) counts as a full page.
DEFAULT_ASSUMED_SIZE = MAX_PAGE

#: A String field whose attribute has a length limit costs 1 more per this many bytes it may hold
#: in the answer: its limit in characters times BYTES_PER_CHAR, the most UTF-8 spends on one.
TEXT_UNIT = 1024
BYTES_PER_CHAR = 4

#: An object whose value is work, not data: a RenderedDocument is rendered on the spot the first time
#: (a PDF: tens of milliseconds of the compiler and a write), so one costs what 10,000 values do and
#: the default budget lets a query render about twenty documents, not a page of a hundred.
OBJECT_COSTS = {"RenderedDocument": 10_000}
#: Introspection answers from the schema, not the data: a flat price per `__schema` / `__type`,
#: about the number of values in GraphiQL's full introspection of this schema.
INTROSPECTION_COST = {"__schema": 20_000, "__type": 500}


class QueryTooComplex(GraphQLError):
    """A top-level error: the operation may cost more than the budget, so nothing of it ran."""

    def __init__(self, cost: int, limit: int):
        super().__init__(
            f"This query may cost up to {cost}, more than the limit of {limit}: ask for fewer items per "
            f"list (`first`), fewer nested lists or fewer fields, or split it into several requests.",
            extensions={"code": "QUERY_TOO_COMPLEX", "cost": cost, "maximumAvailable": limit},
        )


def assumed_size(type_name: str, field_name: str) -> int:
    """The most items a list field without a slicing argument holds."""
    cap = LIST_CAPS.get(f"{type_name}.{field_name}")
    if cap is not None:
        return cap
    if type_name.endswith("Payload") and field_name == "errors":
        return PAYLOAD_ERRORS
    return DEFAULT_ASSUMED_SIZE


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def leaf_weight(field_name: str, type_name: str) -> int:
    """What one value of a leaf costs: 1, and 1 more per TEXT_UNIT bytes a text may hold."""
    if type_name != "String":
        return 1
    return 1 + MAX_LENGTH.get(_snake(field_name), 0) * BYTES_PER_CHAR // TEXT_UNIT


def _clamp(value: Any, cap: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        return cap  # not an Int: execution refuses it, the cost assumes the worst meanwhile
    return max(0, min(value, cap))


class _Pricer(Selections):
    """One operation's cost; each selection set is priced once per (type, size from above)."""

    def __init__(
        self, schema: GraphQLSchema, fragments: Mapping[str, FragmentDefinitionNode], variables: Mapping[str, Any]
    ):
        super().__init__(schema, fragments, variables)
        self._memo: dict[tuple, int] = {}

    # -- values ------------------------------------------------------------------------------
    def _argument(self, field_def, node: FieldNode, name: str) -> Any:
        given = next((a.value for a in node.arguments or () if a.name.value == name), None)
        if given is not None:
            value = value_from_ast_untyped(given, self.variables)
            if value is not None and value is not Undefined:  # a variable not given is as good as absent
                return value
        default = getattr(field_def.args[name], "default_value", None)
        return None if default is Undefined else default

    def _size(self, parent: str, field_def, node: FieldNode, sized_from_above: int | None) -> tuple[int, int | None]:
        """(how many times the field's value is there, the size it passes to the lists below it)."""
        is_list = is_list_type(field_def.type.of_type if is_non_null_type(field_def.type) else field_def.type)
        for name in SLICING_ARGUMENTS:
            if name in field_def.args:
                value = self._argument(field_def, node, name)
                cap = LIST_CAPS.get(f"{parent}.{node.name.value}", SLICE_CAP)
                count = UNSLICED if value is None else _clamp(value, cap)  # null: the default page
                return (count, None) if is_list else (1, count)
        for name in COUNTED_ARGUMENTS:
            if name in field_def.args:
                value = self._argument(field_def, node, name)
                count = len(value) if isinstance(value, list) else 0 if value is None else 1
                return min(count, SLICE_CAP), None
        if not is_list:
            return 1, None
        if sized_from_above is not None:
            return sized_from_above, None
        return assumed_size(parent, node.name.value), None

    # -- the walk ----------------------------------------------------------------------------
    def fields(self, parent_type, nodes: list[FieldNode], sized_from_above: int | None) -> int:
        """The cost of one response key: the field, its sub-selections merged as execution merges them."""
        node = nodes[0]
        name = node.name.value
        if name in INTROSPECTION_COST:
            return INTROSPECTION_COST[name]
        if name == "__typename":
            return 1
        field_def = parent_type.fields.get(name)
        if field_def is None:
            return 0  # validation refuses it before we get here
        count, passed_down = self._size(parent_type.name, field_def, node, sized_from_above)
        named = get_named_type(field_def.type)
        below = tuple(n.selection_set for n in nodes if n.selection_set is not None)
        if is_leaf_type(named) or not below:
            return count * leaf_weight(name, named.name)
        return count * (OBJECT_COSTS.get(named.name, 1) + self.selection_sets(below, named, passed_down))

    def selection_sets(self, sets: tuple[SelectionSetNode, ...], parent_type, sized: int | None) -> int:
        """The cost of selection sets merged under one type; the most costly possible type if abstract."""
        key = (tuple(id(s) for s in sets), parent_type.name, sized)
        if key not in self._memo:
            self._memo[key] = 0
            if is_abstract_type(parent_type):
                possible = self.schema.get_possible_types(parent_type)
                self._memo[key] = max((self._sum(sets, t, sized) for t in possible), default=0)
            else:
                self._memo[key] = self._sum(sets, parent_type, sized)
        return self._memo[key]

    def _sum(self, sets: tuple[SelectionSetNode, ...], object_type, sized: int | None) -> int:
        return sum(self.fields(object_type, nodes, sized) for nodes in self.collect(sets, object_type).values())


def operation_cost(
    schema: GraphQLSchema, document, operation_name: str | None, variables: Mapping[str, Any] | None
) -> int | None:
    """The most the operation can cost; None if the document has no such operation."""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name is None:
        operation = operations[0] if len(operations) == 1 else None
    else:
        operation = next((o for o in operations if o.name and o.name.value == operation_name), None)
    if operation is None:
        return None
    root = schema.get_root_type(operation.operation)
    if root is None:
        return None
    values = {}
    for definition in operation.variable_definitions or ():
        if definition.default_value is not None:
            values[definition.variable.name.value] = value_from_ast_untyped(definition.default_value)
    values.update(variables or {})
    fragments = {d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)}
    return _Pricer(schema, fragments, values).selection_sets((operation.selection_set,), root, None)


#: The cost of recent (document, operation, variables): a page asked again is priced once.
_COSTS = Recent(1024)


class QueryCost(SchemaExtension):
    """Prices each valid operation before it runs, refuses it over the limit, reports the cost."""

    def __init__(self, limit: int | None):
        super().__init__()
        self.limit = limit or None  # 0 or None: counted and reported, never refused
        self.cost: int | None = None

    def on_validate(self):
        # Before strawberry looks at the errors: they are checked inside the validation step, so a
        # refusal set after `yield` would come too late. Only a valid document is priced, so it is
        # validated here unless an extension before this one (ValidationCache) has done so.
        ctx = self.execution_context
        if ctx.pre_execution_errors is None and ctx.graphql_document is not None:
            ctx.pre_execution_errors = validate(ctx.schema._schema, ctx.graphql_document, ctx.validation_rules)
        if not ctx.pre_execution_errors and ctx.graphql_document is not None:
            variables = ctx.variables if isinstance(ctx.variables, dict) else {}
            document, schema = ctx.graphql_document, ctx.schema._schema
            self.cost = _COSTS.get(
                document,
                (id(schema), ctx.operation_name, repr(variables)),
                lambda: operation_cost(schema, document, ctx.operation_name, variables),
            )
            if self.cost is not None and self.limit is not None and self.cost > self.limit:
                ctx.pre_execution_errors = [QueryTooComplex(self.cost, self.limit)]
        yield

    def get_results(self) -> dict:
        if self.cost is None:
            return {}
        return {"cost": {"requestedQueryCost": self.cost, "maximumAvailable": self.limit}}
