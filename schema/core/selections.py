"""What a selection set asks of an object of one type: its fields by response name, as execution
merges them (fragments spread in place, type conditions and @skip/@include applied).

The query-cost limit (cost.py) prices what this gives, and the compiled reads (schema/compiled)
answer it, so both read the same query the executor runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from graphql import (
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLIncludeDirective,
    GraphQLSchema,
    GraphQLSkipDirective,
    InlineFragmentNode,
    SelectionSetNode,
    is_abstract_type,
    value_from_ast_untyped,
)


class Selections:
    """The selections of one operation: its fragments and variables."""

    def __init__(
        self, schema: GraphQLSchema, fragments: Mapping[str, FragmentDefinitionNode], variables: Mapping[str, Any]
    ):
        self.schema, self.fragments, self.variables = schema, fragments, variables

    def collect(self, sets: Iterable[SelectionSetNode], object_type) -> dict[str, list[FieldNode]]:
        """The fields the selection sets ask of an object of `object_type`, by response name."""
        by_key: dict[str, list[FieldNode]] = {}
        spread: set[str] = set()
        for selection_set in sets:
            for node in self._selections(selection_set, object_type, spread):
                by_key.setdefault((node.alias or node.name).value, []).append(node)
        return by_key

    def _selections(self, selection_set: SelectionSetNode, object_type, spread: set[str]) -> Iterator[FieldNode]:
        """The fields of a selection set that apply to a concrete type, fragments spread in place.

        Like execution, a named fragment is spread once per selection set, however often it is
        named there: so neither a fragment cycle nor fragments spreading each other twice over
        (2^n fields from n short fragments) can make the count explode.
        """
        for selection in selection_set.selections:
            if not self.included(selection):
                continue
            if isinstance(selection, FieldNode):
                yield selection
            elif isinstance(selection, InlineFragmentNode):
                if self.applies(selection.type_condition, object_type):
                    yield from self._selections(selection.selection_set, object_type, spread)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                fragment = self.fragments.get(name)
                if fragment is None or name in spread or not self.applies(fragment.type_condition, object_type):
                    continue
                spread.add(name)
                yield from self._selections(fragment.selection_set, object_type, spread)

    def included(self, node) -> bool:
        """False if @skip or @include leave the node out with these variables."""
        for directive in node.directives or ():
            name = directive.name.value
            if name not in (GraphQLSkipDirective.name, GraphQLIncludeDirective.name):
                continue
            condition = next((a.value for a in directive.arguments if a.name.value == "if"), None)
            value = value_from_ast_untyped(condition, self.variables) if condition is not None else None
            if not isinstance(value, bool):
                continue  # execution will refuse it; count the field meanwhile
            if value == (name == GraphQLSkipDirective.name):
                return False
        return True

    def applies(self, condition, object_type) -> bool:
        """Does a fragment's type condition hold for an object of `object_type`?"""
        if condition is None:
            return True
        target = self.schema.get_type(condition.name.value)
        if target is None:
            return False
        return target is object_type or (is_abstract_type(target) and self.schema.is_sub_type(target, object_type))
