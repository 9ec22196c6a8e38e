"""Lists inside a document are bounded: they return at most `first` (100 by default, never more), the
oldest first; a document's history reads on from an entry's cursor. The store reads only what is
asked, for every parent on a page at once."""

from __future__ import annotations

import pytest
from strawberry.relay import GlobalID

from salesflow.adapters.sql import SqlUnitOfWork, create_engine
from salesflow.domain.query import MAX_CHILDREN
from salesflow.schema.core.ids import database_id

QUOTES = """query($first: Int) { opportunities(orderBy: {field: CREATED_AT, direction: ASC}) { edges { node {
  title quotes(first: $first) { id } } } } }"""
HISTORY = """query($id: ID!, $first: Int, $after: String) { node(id: $id) { ... on Lead {
  history(first: $first, after: $after) { trigger toState cursor } } } }"""
ACCOUNT = "query($id: ID!) { node(id: $id) { ... on Account { opportunities(first: 1) { title } } } }"


def _quotes(sales, opportunity: dict, n: int) -> list[str]:
    return [sales.quote(opportunity["id"])["id"] for _ in range(n)]


def _errors(client, query, variables) -> list[tuple]:
    return [(e["message"], e["extensions"]["code"]) for e in client.post(query, variables).get("errors", [])]


def test_each_document_on_a_page_gives_its_first_children_oldest_first(sales, admin):
    desks, chairs = sales.opportunity("Desks"), sales.opportunity("Chairs")
    made = {"Desks": _quotes(sales, desks, 3), "Chairs": _quotes(sales, chairs, 2)}
    cases = ((2, {t: ids[:2] for t, ids in made.items()}), (None, made), (0, {"Desks": [], "Chairs": []}))
    for first, expected in cases:
        edges = admin.run(QUOTES, {"first": first})["opportunities"]["edges"]
        assert {e["node"]["title"]: [q["id"] for q in e["node"]["quotes"]] for e in edges} == expected


@pytest.mark.parametrize("first", [MAX_CHILDREN + 1, -1])
def test_first_beyond_the_cap_is_refused(sales, admin, first):
    sales.opportunity("Desks")
    assert _errors(admin, QUOTES, {"first": first}) == [
        (f"`first` must be between 0 and {MAX_CHILDREN}", "BAD_USER_INPUT")
    ]


def test_a_history_is_read_on_from_an_entry_cursor(sales, admin):
    lead = sales.lead("Wavering")
    for mutation, extra in (
        ("markLeadContacted", {}),
        ("disqualifyLead", {"reason": "no budget"}),
        ("reactivateLead", {}),
        ("disqualifyLead", {"reason": "still none"}),
    ):
        admin.mutate(
            mutation,
            f"mutation($i: {mutation[0].upper()}{mutation[1:]}Input!) {{ {mutation}(input: $i) "
            f"{{ errors {{ code message }} }} }}",
            {"i": {"leadId": lead["id"], **extra}},
        )
    whole = admin.run(HISTORY, {"id": lead["id"]})["node"]["history"]
    assert [h["trigger"] for h in whole] == ["create", "mark_contacted", "disqualify", "reactivate", "disqualify"]
    read, after = [], None
    while True:
        page = admin.run(HISTORY, {"id": lead["id"], "first": 2, "after": after})["node"]["history"]
        read += page
        if len(page) < 2:
            break
        after = page[-1]["cursor"]
    assert read == whole


def test_a_history_cursor_of_another_document_is_refused(sales, admin):
    one, other = sales.lead("One"), sales.lead("Other")
    cursor = admin.run(HISTORY, {"id": one["id"]})["node"]["history"][0]["cursor"]
    assert admin.run(HISTORY, {"id": one["id"], "after": cursor})["node"]["history"] == []
    assert _errors(admin, HISTORY, {"id": other["id"], "after": cursor}) == [
        ("`after` is not a cursor of this history", "BAD_USER_INPUT")
    ]


def test_a_reps_capped_list_is_filled_with_its_own_documents(admin, as_user):
    account = admin.mutate(
        "createAccount", 'mutation { createAccount(input: {name: "Globex"}) { account { id } errors { code } } }'
    )["account"]["id"]
    bita, reza = as_user("bita", "sales_rep"), as_user("reza", "sales_rep")
    for title in ("Bita 1", "Bita 2"):
        bita.opportunity(title, accountId=account)
    reza.opportunity("Reza 1", accountId=account)
    assert reza.client.run(ACCOUNT, {"id": account})["node"]["opportunities"] == [{"title": "Reza 1"}]
    assert admin.run(ACCOUNT, {"id": account})["node"]["opportunities"] == [{"title": "Bita 1"}]


def test_the_store_reads_only_the_first_children_of_each_parent(gateway, sales):
    opportunities = [sales.opportunity(title) for title in ("Desks", "Chairs")]
    quotes = {o["id"]: _quotes(sales, o, 3) for o in opportunities}
    ident = {gid: database_id(GlobalID.from_id(gid).node_id) for ids in quotes.values() for gid in ids}
    parents = [database_id(GlobalID.from_id(o["id"]).node_id) for o in opportunities]
    engine = create_engine(gateway.database_url)
    try:
        with SqlUnitOfWork(engine, read_only=True) as uow:
            found = uow.quotes.find_in("opportunity_id", parents, per_value=2)
            after = uow.quotes.find_in(
                "opportunity_id", parents[:1], per_value=5, after=ident[quotes[opportunities[0]["id"]][0]]
            )
    finally:
        engine.dispose()
    assert sorted(q.id for q in found) == sorted(ident[g] for ids in quotes.values() for g in ids[:2])
    assert [q.id for q in after] == [ident[g] for g in quotes[opportunities[0]["id"]][1:]]
