"""Compiled reads answer exactly as the resolvers do: a corpus of queries — every list with its
filters and orderings, pages walked by cursor, node/nodes, fragments, aliases, variables,
directives, every relation, errors — run as every role through a gateway with compiled reads and one
without, over one store, must give identical responses (data, errors and extensions). The compiled
side must really answer: each root field it should is one statement building JSON, and the
reference side builds none.

And a sales rep's compiled queries never return another rep's documents, checked directly.
"""

from __future__ import annotations

import pytest
from compiled_world import build, close, compiled_statements, postgres_copy, sqlite_copy
from support import BACKENDS, POSTGRES_URL


@pytest.fixture(scope="module", params=BACKENDS)
def world(request, tmp_path_factory, gq):
    """The story's store (built once per module and backend) and the two gateways over it."""
    if request.param == "sqlite":
        url = sqlite_copy(request.getfixturevalue("sqlite_template"), tmp_path_factory.mktemp("compiled"))
        drop = None
    else:
        url, drop = postgres_copy(POSTGRES_URL, request.getfixturevalue("postgres_template"))
    built = build(url, request.param, gq)
    yield built
    close(built)
    if drop is not None:
        drop()


@pytest.fixture(scope="module")
def ids(world) -> dict:
    """The world's ids."""
    return dict(world.ids)


# --- what the corpus found, each on its own ------------------------------------------------------------


def compiled_answer(world, user: str, query: str, variables: dict | None = None) -> dict:
    """The compiled side's answer, which must equal the resolvers' and come from one statement per root field."""
    compiled, seen, reference, _ = world.both(user, query, variables)
    assert compiled == reference
    assert "errors" not in compiled, compiled["errors"]
    assert len(compiled_statements(seen)) == len(compiled["data"]), seen
    return compiled["data"]


def test_an_empty_page_has_neither_a_start_nor_an_end_cursor(world):
    data = compiled_answer(world, "root", "{ leads(first: 0) { pageInfo { hasNextPage startCursor endCursor } } }")
    assert data["leads"]["pageInfo"] == {"hasNextPage": True, "startCursor": None, "endCursor": None}


def test_what_an_invoice_still_owes_and_an_order_line_still_to_deliver_are_compiled(world, ids):
    query = (
        "query($i: ID!, $o: ID!) { i: node(id: $i) { ... on Invoice { total amountPaid amountDue } } "
        "o: node(id: $o) { ... on Order { lines { quantity deliveredQuantity remainingQuantity } } } }"
    )
    data = compiled_answer(world, "root", query, {"i": ids["invoice_eu"], "o": ids["order_fa"]})
    assert data["i"] == {"total": "0.40", "amountPaid": "0.25", "amountDue": "0.15"}
    assert data["o"]["lines"] == [
        {"quantity": "3", "deliveredQuantity": "1.5", "remainingQuantity": "1.5"},
        {"quantity": "1", "deliveredQuantity": "0", "remainingQuantity": "1"},
    ]


def test_named_fragments_and_directives_are_compiled(world, ids):
    query = (
        "query($yes: Boolean!) { node(id: $ids) { ...N } leads(first: 1) @include(if: $yes) "
        "{ edges { node { ...N title @skip(if: $yes) } } } } fragment N on Node { id }"
    ).replace("$ids", f'"{ids["lead_tr"]}"')
    data = compiled_answer(world, "root", query, {"yes": True})
    assert data["node"] == {"id": ids["lead_tr"]} and list(data["leads"]["edges"][0]["node"]) == ["id"]
