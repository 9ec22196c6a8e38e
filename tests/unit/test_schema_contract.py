"""The SDL is the documentation clients read and the shape their tools rely on: every element is
described, every mutation follows Relay's input/payload convention, every list says how much it may
return. These walk the built schema, so whatever is added later is held to the same rules."""

from __future__ import annotations

import pytest
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    get_named_type,
)

from salesflow.domain.query import DEFAULT_PAGE, MAX_CHILDREN, MAX_PAGE
from salesflow.domain.status import LeadStatus
from salesflow.schema.core.lists import LIST_CAPS
from salesflow.schema.schema import build_schema
from salesflow.statemachine import LIFECYCLES
from salesflow.statemachine.engine import Lifecycle, route


@pytest.fixture(scope="module")
def schema():
    return build_schema()._schema


def _ours(schema):
    return {name: t for name, t in schema.type_map.items() if not name.startswith("__")}


def undescribed(schema) -> list[str]:
    """Every type, field, argument, input field and enum value without a description, by path."""
    missing = []
    for name, t in _ours(schema).items():
        if not (t.description or "").strip():
            missing.append(name)
        if isinstance(t, (GraphQLObjectType, GraphQLInterfaceType)):
            for field_name, field in t.fields.items():
                if not (field.description or "").strip():
                    missing.append(f"{name}.{field_name}")
                missing += [
                    f"{name}.{field_name}({arg_name}:)"
                    for arg_name, arg in field.args.items()
                    if not (arg.description or "").strip()
                ]
        elif isinstance(t, GraphQLInputObjectType):
            missing += [f"{name}.{f}" for f, field in t.fields.items() if not (field.description or "").strip()]
        elif isinstance(t, GraphQLEnumType):
            missing += [f"{name}.{v}" for v, value in t.values.items() if not (value.description or "").strip()]
    return missing


def test_every_type_field_argument_input_field_and_enum_value_is_described(schema):
    missing = undescribed(schema)
    assert not missing, f"{len(missing)} elements of the SDL have no description:\n" + "\n".join(missing)


def test_the_description_check_finds_what_is_missing(schema):
    field = schema.type_map["Quote"].fields["number"]
    kept, field.description = field.description, None
    try:
        assert undescribed(schema) == ["Quote.number"]
    finally:
        field.description = kept


def _capitalised(name: str) -> str:
    return name[0].upper() + name[1:]


def test_every_mutation_takes_its_own_input_and_returns_its_own_payload(schema):
    seen_inputs, seen_payloads, wrong = {}, {}, []
    for name, field in schema.mutation_type.fields.items():
        expected_input, expected_payload = f"{_capitalised(name)}Input", f"{_capitalised(name)}Payload"
        args = {a: str(arg.type) for a, arg in field.args.items()}
        if args != {"input": f"{expected_input}!"}:
            wrong.append(f"{name}: takes {args}, not (input: {expected_input}!)")
        if str(field.type) != f"{expected_payload}!":
            wrong.append(f"{name}: returns {field.type}, not {expected_payload}!")
        payload = get_named_type(field.type)
        errors = getattr(payload, "fields", {}).get("errors")
        if errors is None or str(errors.type) != "[UserError!]!":
            wrong.append(f"{name}: its payload has no `errors: [UserError!]!`")
        for seen, type_name in ((seen_inputs, args.get("input", "").rstrip("!")), (seen_payloads, str(payload))):
            if type_name in seen:
                wrong.append(f"{name} shares {type_name} with {seen[type_name]}")
            seen[type_name] = name
    assert not wrong, "\n".join(wrong)


def _list_fields(schema) -> dict[str, object]:
    """Type.field -> field, for every field that returns a list."""
    found = {}
    for name, t in _ours(schema).items():
        if isinstance(t, (GraphQLObjectType, GraphQLInterfaceType)) and t is not schema.mutation_type:
            for field_name, field in t.fields.items():
                of = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
                if isinstance(of, GraphQLList):  # of records, or of leaves (availableActions, a UserError's field)
                    found[f"{name}.{field_name}"] = field
                elif name == "Query" and "first" in field.args:
                    found[f"{name}.{field_name}"] = field  # connections and the feed: lists behind an object
    return found


def _bounded_elsewhere(path: str) -> bool:
    """Edges and the feed's events (by the `first` of the field that returns them), payload errors
    (PAYLOAD_ERRORS)."""
    type_name, field_name = path.split(".")
    return (
        type_name.endswith(("Connection", "Edge"))
        or path == "Changes.events"
        or (type_name.endswith("Payload") and field_name == "errors")
    )


def test_every_mutation_says_who_may_call_it_as_the_policy_files_have_it(schema):
    """Declared with @mutation: the description ends with the sentence made from security/*.csv."""
    from salesflow.domain.text import camel
    from salesflow.schema.core.mutations import NEEDS, who_may

    declared = {camel(name): needs for name, needs in NEEDS.items()}
    for name, field in schema.mutation_type.fields.items():
        assert name in declared, f"{name} is not declared with @mutation"
        assert field.description.endswith(who_may(declared[name], name)), name
    assert "Needs `create` on api_token: by default admin (" in schema.mutation_type.fields["createToken"].description


def test_every_list_has_its_cap_in_the_one_table(schema):
    lists = {path for path in _list_fields(schema) if not _bounded_elsewhere(path)}
    assert sorted(lists - set(LIST_CAPS)) == [], "lists without a cap in schema/core/lists.py"
    assert sorted(set(LIST_CAPS) - lists) == [], "caps of lists the schema does not have"


def test_a_list_that_takes_first_defaults_to_a_page_and_is_capped(schema):
    for path, field in _list_fields(schema).items():
        first = field.args.get("first")
        if first is None:
            continue
        top_level = path.startswith("Query.")
        assert LIST_CAPS[path] == (MAX_PAGE if top_level else MAX_CHILDREN), path
        default = LIST_CAPS[path] if path == "Query.changes" else DEFAULT_PAGE
        assert first.default_value == default, (path, first.default_value)


def test_every_capped_list_inside_a_record_takes_first(schema):
    lists = _list_fields(schema)
    inside = [path for path, cap in LIST_CAPS.items() if cap == MAX_CHILDREN and not path.startswith("Query.")]
    assert inside and [p for p in inside if "first" not in lists[p].args] == []
    assert "after" in lists["Document.history"].args and "after" in lists["Quote.history"].args


def test_lifecycle_states_are_described_by_their_machines_meanings(schema):
    for kind, lifecycle in LIFECYCLES.items():
        enum = schema.type_map[f"{kind.capitalize()}Status"]
        assert {v.value: v.description for v in enum.values.values()} == lifecycle.meanings


def test_a_lifecycle_needs_a_meaning_for_every_state():
    with pytest.raises(ValueError, match="missing"):
        Lifecycle(
            "lead",
            LeadStatus,
            LeadStatus.NEW,
            [route("mark_contacted", LeadStatus.NEW, LeadStatus.WORKING)],
            {LeadStatus.NEW: "new"},
        )
