"""Scenarios found by an independent review of the gateway, kept so they stay fixed."""

from __future__ import annotations

import base64
import json

import pytest


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def _rep_story(gq, as_user, admin):
    """Rep alice's lead taken to a delivered, invoiced and partly paid order."""
    alice = as_user("alice", "sales_rep")
    opp = alice.convert(alice.lead("Alice deal")["id"], currency="EUR")["opportunity"]
    quote = alice.quote(opp["id"])
    alice.send(quote["id"])
    order = alice.accept(quote["id"])["order"]
    delivered = alice.deliver(order, {0: "6"})
    boss = gq.Sales(admin)
    boss.issue(delivered["invoice"]["id"])
    paid = boss.pay(delivered["invoice"]["id"], "10.00", reference="secret-ref-123")
    return delivered, paid


def test_another_reps_deliveries_and_payments_answer_like_missing_ones(gq, as_user, admin):
    delivered, paid = _rep_story(gq, as_user, admin)
    bob = as_user("bob", "sales_rep")
    query = "query($id: ID!) { node(id: $id) { id } }"
    for ident in (delivered["delivery"]["id"], paid["payment"]["id"]):
        assert bob.client.run(query, {"id": ident})["node"] is None
    manager = as_user("maria", "sales_manager")
    assert manager.client.run(query, {"id": paid["payment"]["id"]})["node"] is not None
    alice = as_user("alice", "sales_rep")
    assert alice.client.run(query, {"id": delivered["delivery"]["id"]})["node"] is not None


def test_a_dry_run_does_not_reveal_another_reps_leads(gq, as_user):
    alice, bob = as_user("alice", "sales_rep"), as_user("bob", "sales_rep")
    alice.lead("Alice SECRET lead", email="zed@x.example")
    mine = bob.lead("Bob lead", email="zed@x.example")
    dry = bob.client.mutate("convertLead", gq.CONVERT_LEAD, {"i": {"leadId": mine["id"], "dryRun": True}})
    assert [d for d in dry["duplicates"] if d["kind"] == "lead"] == []
    manager = as_user("maria", "sales_manager")
    dry = manager.client.mutate("convertLead", gq.CONVERT_LEAD, {"i": {"leadId": mine["id"], "dryRun": True}})
    assert [d["name"] for d in dry["duplicates"] if d["kind"] == "lead"] == ["Alice SECRET lead"]


def test_invoices_ordered_by_number_walk_every_invoice_drafts_included(gq, sales, admin):
    order = sales.order(
        lines=[{"description": f"Part {i}", "quantity": "1", "unitPrice": "10"} for i in range(5)],
        policy="PER_DELIVERY",
    )
    invoices = [sales.deliver(order, {i: "1"})["invoice"]["id"] for i in range(5)]
    for ident in invoices[:2]:
        sales.issue(ident)
    query = (
        "query($after: String, $d: OrderDirection!) { invoices(first: 1, after: $after, "
        "orderBy: {field: NUMBER, direction: $d}) { totalCount edges { node { id number } } "
        "pageInfo { hasNextPage endCursor } } }"
    )
    for direction in ("ASC", "DESC"):
        seen, after = [], None
        while True:
            page = admin.run(query, {"after": after, "d": direction})["invoices"]
            seen += [e["node"]["id"] for e in page["edges"]]
            if not page["pageInfo"]["hasNextPage"]:
                break
            after = page["pageInfo"]["endCursor"]
        assert sorted(seen) == sorted(invoices) and page["totalCount"] == 5, direction


@pytest.mark.parametrize(
    "query",
    [
        '{ leads(filter: {createdAfter: "9999-12-31T23:59:59-05:00"}) { totalCount } }',
        '{ leads(filter: {createdBefore: "0001-01-01T00:00:00+14:00"}) { totalCount } }',
        '{ leads(after: "%s") { totalCount } }' % b64(json.dumps(["9999-12-31T23:59:59-05:00", 1])),
        '{ leads(after: "%s") { totalCount } }' % b64(json.dumps(["2026-01-01T00:00:00+00:00", True])),
        '{ quotes(orderBy: {field: TOTAL}, after: "%s") { totalCount } }' % b64(json.dumps(["NaN", 1])),
        '{ quotes(orderBy: {field: TOTAL}, after: "%s") { totalCount } }' % b64(json.dumps(["9" * 40, 1])),
        '{ quotes(orderBy: {field: TOTAL}, after: "%s") { totalCount } }' % b64(json.dumps(["1.123456789", 1])),
        "subscription { documentEvents { sequence } }",
    ],
)
def test_out_of_range_inputs_are_client_errors(admin, query, no_leak):
    body = admin.post(query)
    no_leak(body)
    codes = {e.get("extensions", {}).get("code") for e in body["errors"]}
    if query.startswith("subscription"):  # refused before execution: over HTTP, a 400 in GraphQL JSON
        assert codes == {"BAD_REQUEST"}, body
    assert "INTERNAL_SERVER_ERROR" not in codes, body


def test_a_delivery_dated_at_the_end_of_time_is_a_validation_error(gq, sales):
    order = sales.order()
    body = sales.client.post(
        gq.RECORD_DELIVERY,
        {
            "i": {
                "orderId": order["id"],
                "deliveredAt": "9999-12-31T23:59:59-05:00",
                "lines": [{"orderLineId": order["lines"][0]["id"], "quantity": "1"}],
            }
        },
    )
    assert body["data"]["recordDelivery"]["errors"][0]["code"] == "VALIDATION"


def test_an_order_placed_on_a_won_opportunity_is_an_available_action(gq, sales, admin):
    opp = sales.opportunity()
    sales.order(opp["id"])
    actions = admin.run(
        "query($id: ID!) { node(id: $id) { ... on Opportunity { status availableActions } } }", {"id": opp["id"]}
    )["node"]
    assert actions["status"] == "WON" and "createOrder" in actions["availableActions"]
    sales.order(opp["id"])  # and it does succeed


@pytest.mark.parametrize("key, message", [("", "empty"), ("   ", "empty"), ("k" * 201, "at most")])
def test_an_idempotency_key_must_be_a_usable_key(gq, admin, key, message):
    body = admin.post(gq.CREATE_LEAD, {"i": {"title": "Keyed", "idempotencyKey": key}})
    error = body["data"]["createLead"]["errors"][0]
    assert error["code"] == "VALIDATION" and error["field"] == ["idempotencyKey"] and message in error["message"]
    assert admin.run("{ leads { totalCount } }")["leads"]["totalCount"] == 0


@pytest.mark.parametrize("ident", [b64("Lead:1 "), b64("Lead:١"), b64("Lead:01"), b64("Lead:+1")])
def test_only_the_canonical_global_id_names_a_record(sales, admin, ident):
    sales.lead()
    assert admin.run("query($id: ID!) { node(id: $id) { id } }", {"id": ident})["node"] is None


def test_full_width_digits_are_not_a_decimal(gq, sales):
    body = sales.client.post(gq.CREATE_OPPORTUNITY, {"i": {"title": "x", "currency": "EUR", "amount": "１２"}})
    assert body.get("data") is None and "not a decimal number" in body["errors"][0]["message"]


def test_a_negative_opportunity_amount_is_refused(gq, sales):
    body = sales.client.post(gq.CREATE_OPPORTUNITY, {"i": {"title": "x", "currency": "EUR", "amount": "-5"}})
    error = body["data"]["createOpportunity"]["errors"][0]
    assert error["code"] == "VALIDATION" and error["field"] == ["amount"]


def test_notes_longer_than_their_limit_are_refused(gq, admin):
    body = admin.post(gq.CREATE_LEAD, {"i": {"title": "x", "notes": "n" * 10_001}})
    assert body["data"]["createLead"]["errors"][0]["code"] == "VALIDATION"
