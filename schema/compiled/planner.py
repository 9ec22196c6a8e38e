"""A root field's selection → a read tree (domain/reads.py), or Unplannable.

The planner walks the operation as graphql-core would (fragments, aliases, @skip/@include with the
request's variables) and asks each field's rule (rules.py) what it reads. It checks what the
resolvers check, with their own functions: the role (FORBIDDEN), the arguments (BAD_USER_INPUT),
the owner rule. Whenever a resolver would answer something the tree cannot say — an error, a
field computed in Python — the planner gives up on that root field (Unplannable) and the resolvers
answer it, so both paths give the same answer by construction.
"""

from __future__ import annotations

from dataclasses import fields as dataclass_fields
from functools import cache

from graphql import (
    FieldNode,
    GraphQLEnumType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    is_leaf_type,
)
from graphql.execution.values import get_argument_values
from strawberry.relay import GlobalID
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_arguments

from ...domain.base import Document
from ...domain.query import MAX_PAGE
from ...domain.reads import ById, Children, Edge, Field, Lines, Owned, Page, Part, Ref, Shape, Show
from ...statemachine import LIFECYCLES
from ...statemachine.engine import BELONGS_TO
from ..core.ids import database_id
from ..core.lists import child_first
from ..core.selections import Selections
from . import rules

BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF
#: Where the GraphQL schema keeps the strawberry schema it was built from (execution.prepare).
STRAWBERRY = "salesflow.strawberry"

#: Leaf types a plain column is shown as.
_SCALARS = {"String": Show.TEXT, "ID": Show.TEXT, "Int": Show.NUMBER, "Boolean": Show.BOOLEAN}
_SCALARS |= {"Date": Show.DATE, "DateTime": Show.DATETIME}


class Unplannable(Exception):  # noqa: N818 - a verdict, not a failure: the resolvers answer instead
    """The resolvers answer this root field: the tree cannot say what they would."""


def _named(gql_type):
    while isinstance(gql_type, (GraphQLNonNull, GraphQLList)):
        gql_type = gql_type.of_type
    return gql_type


def origin(gql_type):
    """The strawberry class a GraphQL type was made from."""
    definition = (gql_type.extensions or {}).get(BACKREF)
    return definition.origin if definition is not None else None


@cache
def record_of(gql_type: GraphQLObjectType) -> type | None:
    """The domain class a GraphQL object type shows (its `is_type_of`), if it shows one."""
    check = getattr(origin(gql_type), "is_type_of", None)
    return getattr(check, "record", None)


@cache
def _columns(record: type) -> frozenset[str]:
    return frozenset(f.name for f in dataclass_fields(record)) - {"lines"}


class Planner:
    """Plans the root fields of one operation for one request."""

    def __init__(self, schema, fragments, variables, context):
        self.schema, self.variables, self.ctx = schema, variables, context
        # graphql-core 3.3 executes with FragmentDetails (the definition and its variables' signatures)
        # and VariableValues (the coerced values and their sources); Selections reads the definitions
        # and the values, as the cost limit hands them over
        definitions = {name: getattr(f, "definition", f) for name, f in fragments.items()}
        self.selections = Selections(schema, definitions, getattr(variables, "coerced", variables))
        self.computed = False  # whether a plan holds values Python computes

    def collect(self, gql_type: GraphQLObjectType, nodes: list[FieldNode]) -> dict[str, list[FieldNode]]:
        """The sub-fields of `nodes` for an object of `gql_type`, by response name, as executed."""
        return self.selections.collect([n.selection_set for n in nodes if n.selection_set is not None], gql_type)

    def arguments(self, gql_field, node: FieldNode) -> dict:
        """The field's arguments as its resolver gets them (strawberry's inputs, Python names)."""
        raw = get_argument_values(gql_field, node, self.variables)
        definition = gql_field.extensions[BACKREF]
        converter = self.schema.extensions[STRAWBERRY].schema_converter
        return convert_arguments(
            raw, definition.arguments, scalar_registry=converter.scalar_registry, config=converter.config
        )

    # -- the owner rule -----------------------------------------------------------------------
    def owned(self, record: type) -> Owned | None:
        context = self.ctx.operation_context()
        if not context.owner_scoped:
            return None
        if issubclass(record, Document):
            return Owned(self.ctx.viewer.id)
        parent = BELONGS_TO.get(record)
        return Owned(self.ctx.viewer.id, parent) if parent is not None else None

    # -- objects ------------------------------------------------------------------------------
    def shape(self, gql_type: GraphQLObjectType, nodes: list[FieldNode], *, scoped: bool = True) -> Shape:
        record = record_of(gql_type)
        if record is None:
            raise Unplannable(gql_type.name)
        keys = []
        for key, field_nodes in self.collect(gql_type, nodes).items():
            name = field_nodes[0].name.value
            if name == "__typename":
                keys.append(Field(key, Show.CONSTANT, value=gql_type.name))
            else:
                keys.append(self.field(gql_type, record, key, gql_type.fields[name], field_nodes))
        return Shape(record, tuple(keys), self.owned(record) if scoped else None)

    def field(self, gql_type, record: type, key: str, gql_field, nodes: list[FieldNode]):
        definition = (gql_field.extensions or {}).get(BACKREF)
        if definition is None:
            raise Unplannable(key)
        rule = (definition.metadata or {}).get(rules.RULE)
        name = nodes[0].name.value
        if rule is None and name == "id" and any(i.name == "Node" for i in gql_type.interfaces):
            return Field(key, Show.GLOBAL_ID, type_name=gql_type.name)
        if isinstance(rule, rules.Money):
            return Field(key, Show.REPORTED if rule.reported else Show.MONEY, rule.column, currency="currency")
        if isinstance(rule, rules.Quantity):
            return Field(key, Show.QUANTITY, rule.column)
        if isinstance(rule, rules.Translated):
            return Field(key, Show.TRANSLATED, rule.column, names=rule.shown(self.ctx.language))
        if isinstance(rule, rules.LineId):
            return Field(key, Show.GLOBAL_ID, type_name=rule.type_name)
        target = _named(gql_field.type)
        if isinstance(rule, rules.ToOne):
            if not self.ctx.may("read", rule.model):
                return Field(key, Show.NULL)
            return Ref(key, rule.column, self.shape(target, nodes))
        if isinstance(rule, rules.ToMany):
            self.ctx.require("read", rule.model)  # FORBIDDEN is the resolver's to raise: Unplannable
            first = child_first(get_argument_values(gql_field, nodes[0], self.variables).get("first"))
            owner = (
                (("owner_id", self.ctx.viewer.id),)
                if rule.model in LIFECYCLES and self.ctx.operation_context().owner_scoped
                else ()
            )
            return Children(key, rule.column, self.shape(target, nodes, scoped=False), first, owner)
        if isinstance(rule, rules.DocumentLines):
            return Lines(key, self.shape(target, nodes, scoped=False))
        if rule is None and definition.base_resolver is None and definition.python_name in _columns(record):
            return self.column(key, definition.python_name, target)
        if is_leaf_type(target) and not gql_field.args and getattr(gql_field.resolve, "direct", False):
            # computed in Python from the record alone (availableActions …): the store marks where it goes
            self.computed = True
            return Field(key, Show.COMPUTED, name, type_name=gql_type.name)
        raise Unplannable(key)

    @staticmethod
    def column(key: str, column: str, gql_type) -> Field:
        if isinstance(gql_type, GraphQLEnumType):
            names = tuple((getattr(value.value, "value", value.value), name) for name, value in gql_type.values.items())
            return Field(key, Show.ENUM, column, names=names)
        show = _SCALARS.get(gql_type.name)
        if show is None:
            raise Unplannable(key)
        return Field(key, show, column)

    # -- roots --------------------------------------------------------------------------------
    def root(self, gql_field, nodes: list[FieldNode]):
        """The read tree answering one root field, or Unplannable."""
        definition = (gql_field.extensions or {}).get(BACKREF)
        rule = (definition.metadata or {}).get(rules.RULE) if definition is not None else None
        if isinstance(rule, rules.Listing):
            return self.listing(rule, gql_field, nodes)
        if isinstance(rule, rules.ByIds):
            return self.by_ids(rule, gql_field, nodes)
        raise Unplannable(gql_field)

    def listing(self, rule: rules.Listing, gql_field, nodes):
        spec, key = rule.request(self.ctx, **self.arguments(gql_field, nodes[0]))
        connection = _named(gql_field.type)
        parts = []
        for response, field_nodes in self.collect(connection, nodes).items():
            name = field_nodes[0].name.value
            if name == "__typename":
                parts.append(Part(response, Edge.TYPENAME, value=connection.name))
            elif name in ("totalCount", "totalCountCapped"):
                parts.append(Part(response, Edge(name)))
            elif name == "edges":
                parts.append(self.edges(response, _named(connection.fields[name].type), field_nodes))
            elif name == "pageInfo":
                parts.append(self.page_info(response, _named(connection.fields[name].type), field_nodes))
            else:
                raise Unplannable(name)
        record = record_of(_named(_named(connection.fields["edges"].type).fields["node"].type))
        return Page(record, spec, tuple(parts)), key

    def edges(self, response: str, edge_type, nodes) -> Part:
        parts = []
        for key, field_nodes in self.collect(edge_type, nodes).items():
            name = field_nodes[0].name.value
            if name == "cursor":
                parts.append(Part(key, Edge.CURSOR))
            elif name == "node":
                # the list's filter already holds the owner rule (page_request)
                shape = self.shape(_named(edge_type.fields[name].type), field_nodes, scoped=False)
                parts.append(Part(key, "node", shape=shape))
            elif name == "__typename":
                parts.append(Part(key, Edge.TYPENAME, value=edge_type.name))
            else:
                raise Unplannable(name)
        return Part(response, "edges", tuple(parts))

    def page_info(self, response: str, info_type, nodes) -> Part:
        parts = []
        for key, field_nodes in self.collect(info_type, nodes).items():
            name = field_nodes[0].name.value
            if name == "__typename":
                parts.append(Part(key, Edge.TYPENAME, value=info_type.name))
            else:
                parts.append(Part(key, Edge(name)))  # ValueError for a field the page cannot answer
        return Part(response, "pageInfo", tuple(parts))

    def by_ids(self, rule: rules.ByIds, gql_field, nodes):
        from ..query import NODE_TYPES, _repeated

        self.ctx.viewer  # noqa: B018 - unauthenticated is the resolver's error to raise
        args = self.arguments(gql_field, nodes[0])
        ids = [args["id"]] if rule.single else args["ids"]
        if not rule.single and (len(ids) > MAX_PAGE or _repeated(ids) is not None):
            raise Unplannable("ids")
        wanted = []
        for raw in ids:
            try:
                gid = GlobalID.from_id(raw)
            except (ValueError, TypeError, UnicodeError):
                gid = None
            strawberry_type = NODE_TYPES.get(gid.type_name) if gid is not None else None
            ident = database_id(gid.node_id) if strawberry_type is not None else None
            if ident is None or not self.ctx.may("read", strawberry_type.resolve_nodes.model):
                wanted.append(None)
                continue
            gql_type = self.schema.get_type(gid.type_name)
            wanted.append((record_of(gql_type), ident, self.shape(gql_type, nodes)))
        return ById(tuple(wanted), rule.single), None
