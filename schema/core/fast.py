"""Hand plain resolvers straight to graphql-core, and complete plain leaves without ceremony.

strawberry wraps every resolver to convert arguments, build its own Info and run field
extensions: about twenty microseconds a field, which on a page of 1,400 objects costs more than
the SQL. Our resolvers that take no arguments need none of that: they read the root object and at
most `info.context`, which graphql-core's own info has too. So once the schema is built, such
fields get their function as the graphql-core resolver; the `id` of every Node becomes a direct
global-id encoder. Types, SDL and validation stay strawberry's.

Leaves (scalars and enums) that are read off the root with no arguments, which is most of a page,
are marked with their getter and their type's serializer. `FastExecutionContext` completes them
in a line each instead of graphql-core's full field execution (resolve info, path, completion),
and falls back to that whenever a value is missing or anything is unusual, so errors still come
out exactly as graphql-core would report them.

Every object's fields begin with a look at the request's deadline (domain/deadline.py), so a
request whose time is up, or whose client has gone, stops within one object's worth of work; and
every object, once complete, is charged to the answer's byte budget (answer.py), so an answer that
grows too large stops within one object too.
"""

from __future__ import annotations

from operator import attrgetter

import strawberry
from graphql import GraphQLNonNull, GraphQLObjectType, is_leaf_type
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.schema.schema_converter import GraphQLCoreConverter

from ...domain import deadline
from ..compiled import execution as compiled
from . import answer
from .ids import global_id

BACKREF = GraphQLCoreConverter.DEFINITION_BACKREF
LEAF = "salesflow-leaf"  # extension key: (getter(root), serialize(value)) for a plain leaf field


def _id_resolver(type_name: str):
    def resolve(root, info):
        return global_id(type_name, root.id)

    return resolve


def _direct(field):
    """graphql-core resolver calling the field's function itself, or None if it needs strawberry."""
    resolver = field.base_resolver
    if (
        resolver is None
        or field.arguments
        or field.extensions
        or field.permission_classes
        or resolver.is_async
        or field.is_subscription
    ):
        return None
    func = resolver.wrapped_func
    if isinstance(func, (classmethod, staticmethod)):
        return None
    reserved = resolver.reserved_parameters
    named = [p for p in resolver.signature.parameters.values()]
    wants_info = resolver.info_parameter is not None
    # the only parameters: the root (self or `root`) and perhaps info, in that order
    if len(named) != (2 if wants_info else 1) or (wants_info and named[1] is not resolver.info_parameter):
        return None
    del reserved
    if wants_info:
        direct = lambda root, info: func(root, info)  # noqa: E731
    else:
        direct = lambda root, info: func(root)  # noqa: E731
        direct.getter = func  # needs nothing but the root: a leaf can be completed without info
    direct.direct = True  # needs the root and at most info.context: compiled reads call it too (schema/compiled)
    return direct


def _mark_leaf(gql_field, getter) -> None:
    named = gql_field.type.of_type if isinstance(gql_field.type, GraphQLNonNull) else gql_field.type
    if getter is not None and is_leaf_type(named) and not gql_field.args:
        gql_field.extensions = {**(gql_field.extensions or {}), LEAF: (getter, named.serialize)}


def accelerate(schema: strawberry.Schema) -> int:
    """Swap in direct resolvers where that is safe; returns how many fields were swapped."""
    swapped = 0
    for gql_type in schema._schema.type_map.values():
        if not isinstance(gql_type, GraphQLObjectType) or gql_type.name.startswith("__"):
            continue
        is_node = any(i.name == "Node" for i in gql_type.interfaces)
        for name, gql_field in gql_type.fields.items():
            if is_node and name == "id":
                gql_field.resolve = _id_resolver(gql_type.name)
                _mark_leaf(gql_field, _id_getter(gql_type.name))
                swapped += 1
                continue
            definition = (gql_field.extensions or {}).get(BACKREF)
            if definition is None:
                continue
            if definition.base_resolver is None and not definition.arguments and not definition.extensions:
                _mark_leaf(gql_field, attrgetter(definition.python_name))
                continue
            direct = _direct(definition)
            if direct is not None:
                gql_field.resolve = direct
                _mark_leaf(gql_field, getattr(direct, "getter", None))
                swapped += 1
    return swapped


def _id_getter(type_name: str):
    return lambda root: global_id(type_name, root.id)


class FastExecutionContext(StrawberryGraphQLCoreExecutionContext):
    """Completes marked leaves directly; every other field goes through graphql-core as usual.

    And stops the execution when the request's deadline has passed.
    """

    def execute_fields(self, parent_type, source_value, path, grouped_field_set, position_context):
        limit = deadline.current()
        if limit is not None:
            limit.check()  # DeadlineExceeded is no Exception: it unwinds the whole execution
        fields = parent_type.fields
        slow = None
        results = {}
        root = path is None and parent_type is self.schema.query_type
        for response_name, details in grouped_field_set.items():
            node = details[0].node
            field = fields.get(node.name.value)
            if root:
                built = compiled.answer(self, field, [d.node for d in details], response_name)
                if built is not None:  # the store built this root field's JSON (schema/compiled)
                    results[response_name] = built
                    continue
            leaf = field.extensions.get(LEAF) if field is not None and field.extensions else None
            if leaf is not None and not node.arguments and not node.directives:
                try:
                    value = leaf[0](source_value)
                    if value is not None:
                        results[response_name] = leaf[1](value)
                        continue
                except Exception:  # noqa: BLE001 - graphql-core will redo it and report the error
                    pass
            if slow is None:
                slow = {}
            slow[response_name] = details
            results[response_name] = None  # keeps the response's field order
        budget = answer.current()
        if slow:
            rest = super().execute_fields(parent_type, source_value, path, slow, position_context)
            if self.is_awaitable(rest):

                async def merged():
                    results.update(await rest)
                    if budget is not None:
                        answer.charge_object(budget, results)
                    return results

                return merged()
            results.update(rest)
        if budget is not None:
            answer.charge_object(budget, results)  # ResponseTooLarge is no Exception either
        return results
