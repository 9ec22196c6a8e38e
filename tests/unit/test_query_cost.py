"""What a query costs before it runs (schema/core/cost.py): every list multiplies by its `first` or its cap."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from graphql import get_introspection_query, parse

from salesflow.domain.lines import MAX_LINES
from salesflow.domain.opportunity import MAX_STAGES
from salesflow.domain.query import DEFAULT_PAGE, MAX_PAGE
from salesflow.schema.core.cost import INTROSPECTION_COST, TEXT_UNIT, operation_cost
from salesflow.schema.schema import build_schema

SCHEMA = build_schema()
GRAPHQL_SCHEMA = SCHEMA._schema


def cost(query: str, variables: dict | None = None, operation: str | None = None) -> int:
    return operation_cost(GRAPHQL_SCHEMA, parse(query), operation, variables or {})


def test_every_value_of_the_answer_costs_one():
    # viewer (1) + role (1)
    assert cost("{ viewer { role } }") == 2


def test_a_connection_multiplies_its_edges_by_first():
    # leads 1 + totalCount 1 + pageInfo (1 + 1) + 10 edges × (edge 1 + node 1 + id 1 + status 1)
    assert cost("{ leads(first: 10) { totalCount pageInfo { hasNextPage } edges { node { id status } } } }") == 44


def test_first_from_a_variable_or_its_default_counts_the_same_as_written():
    query = "query($n: Int = 7) { leads(first: $n) { edges { node { id } } } }"
    assert cost(query, {"n": 50}) == cost("{ leads(first: 50) { edges { node { id } } } }") == 1 + 50 * 3
    assert cost(query) == 1 + 7 * 3


def test_a_list_without_first_counts_its_default_page():
    assert cost("{ leads { edges { node { id } } } }") == 1 + DEFAULT_PAGE * 3


def test_first_beyond_the_page_cap_counts_as_the_cap_since_the_list_refuses_it():
    assert cost("{ leads(first: 1000000) { edges { node { id } } } }") == 1 + MAX_PAGE * 3


def test_a_sliced_field_with_a_default_first_uses_that_default():
    # changes(first: Int! = 100): its events are sized by it
    assert cost("{ changes { events { trigger } } }") == 1 + 100 * 2


def test_nodes_counts_its_ids_repeats_included():
    account = "QWNjb3VudDox"
    assert cost("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [account] * 40}) == 40 * 2


def test_nested_lists_without_first_multiply_by_their_default_first():
    query = '{ node(id: "x") { ... on Account { opportunities { account { opportunities { id } } } } } }'
    assert cost(query) == 1 + DEFAULT_PAGE * (1 + 1 * (1 + DEFAULT_PAGE * 2))


def test_a_list_inside_a_document_costs_what_its_first_asks():
    query = '{ node(id: "x") { ... on Account { opportunities(first: 3) { account { opportunities(first: 2) { id } } } } } }'
    assert cost(query) == 1 + 3 * (1 + 1 * (1 + 2 * 2))


def test_a_documents_lines_count_as_the_most_lines_a_document_holds():
    assert cost('{ node(id: "x") { ... on Quote { lines { id } } } }') == 1 + MAX_LINES * 2


def test_a_fragment_on_an_interface_counts_its_most_costly_possible_type():
    query = (
        '{ node(id: "x") { id ... on Quote { lines { id } } ...OrderLines } }'
        " fragment OrderLines on Order { lines { id total } deliveries { id } }"
    )
    # node 1 + id 1 + the order's lines and deliveries (the costlier of the two types)
    assert cost(query) == 1 + 1 + MAX_LINES * 3 + DEFAULT_PAGE * 2


def test_skip_and_include_leave_out_what_they_say():
    query = (
        "query($with: Boolean!) { viewer { role } stages @include(if: $with) { id } "
        "pipeline @skip(if: true) { count } }"
    )
    assert cost(query, {"with": False}) == 2
    assert cost(query, {"with": True}) == 2 + MAX_STAGES * 2


def test_aliases_count_each_and_a_field_asked_twice_counts_once():
    assert cost("{ a: viewer { role } b: viewer { role } }") == 4
    assert cost("{ viewer { role } viewer { role } ...V } fragment V on Query { viewer { role } }") == 2


def test_a_text_weighs_one_more_per_kilobyte_of_utf8_it_may_hold():
    # a lead's notes hold up to 10,000 characters, 40,000 bytes of UTF-8 (4 for an emoji); its title 200
    assert TEXT_UNIT == 1024
    node = 1 + 1 + (1 + 40_000 // 1024)
    assert cost("{ leads(first: 1) { edges { node { title notes } } } }") == 1 + 1 * (1 + node)


def test_pipeline_amounts_are_priced_by_the_currencies_asked_for():
    # per stage: the stage, its `count`, and each amount with its `currency`
    assert cost("{ pipeline { count amounts { currency } } }") == MAX_STAGES * (1 + 1 + DEFAULT_PAGE * (1 + 1))
    assert cost("{ pipeline { count amounts(first: 3) { currency } } }") == MAX_STAGES * (1 + 1 + 3 * (1 + 1))


def test_the_operation_named_is_the_one_priced():
    document = "query Small { viewer { role } } query Big { leads(first: 100) { edges { node { id } } } }"
    assert cost(document, operation="Small") == 2
    assert cost(document, operation="Big") == 301


def test_fragments_spreading_each_other_twice_over_are_priced_without_exploding():
    """30 fragments, each spreading the next twice: 2^30 fields if expanded naively."""
    fragments = " ".join(f"fragment F{i} on Query {{ ...F{i + 1} ...F{i + 1} }}" for i in range(30))
    started = time.perf_counter()
    assert cost("{ ...F0 } " + fragments + " fragment F30 on Query { viewer { role } }") == 2
    assert time.perf_counter() - started < 1


def test_a_full_introspection_costs_at_least_the_values_it_answers():
    """The flat price of `__schema` stays an upper bound as the schema grows."""
    answer = SCHEMA.execute_sync(get_introspection_query(descriptions=True)).data

    def values(data) -> int:
        if isinstance(data, dict):
            return sum(1 + (values(v) if isinstance(v, (dict, list)) else 0) for v in data.values())
        if isinstance(data, list):
            return sum(values(v) if isinstance(v, (dict, list)) else 1 for v in data)
        return 0

    assert values(answer) <= INTROSPECTION_COST["__schema"]
    assert cost(get_introspection_query(descriptions=True)) == INTROSPECTION_COST["__schema"]


@pytest.mark.parametrize(
    ("variables", "size"),
    [({"n": "ten"}, MAX_PAGE), ({"n": 2.5}, MAX_PAGE), ({}, DEFAULT_PAGE)],
    ids=["a string", "a float", "missing"],
)
def test_a_first_that_is_not_an_int_is_priced_at_the_cap_and_left_to_execution_to_refuse(variables, size):
    assert cost("query($n: Int) { leads(first: $n) { edges { node { id } } } }", variables) == 1 + size * 3


def test_the_readme_states_what_its_list_query_costs():
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    query = re.search(r"\*\*Lists, documents, kanban.\*\*\s*```graphql\n(.*?)```", readme, re.S).group(1)
    stated = int(re.search(r"the list query above costs about (\d[\d,]*)", readme).group(1).replace(",", ""))
    assert abs(cost(query) - stated) <= stated // 10, (cost(query), stated)
