"""Create and convert mutations with an `idempotencyKey`: a replay returns the first result and
creates nothing; the same key with other input is IDEMPOTENCY_KEY_REUSED; keys belong to the caller;
two clients racing with one key get one result. A stale `expectedVersion` is a CONFLICT that changes
nothing (DESIGN.md §2 "Consistency").
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from salesflow.adapters.sql.tables import opportunities as opportunities_table

KEY = "replay-me-7f3a"


@dataclass
class Keyed:
    """One keyed mutation: its name and text, a valid input, the same with one thing changed, and
    what identifies its result (the ids and numbers a replay must give back)."""

    name: str
    query: str
    data: dict
    other: dict
    identity: Callable[[dict], tuple]


def _ids(*paths: str) -> Callable[[dict], tuple]:
    def pick(payload: dict) -> tuple:
        out = []
        for path in paths:
            value = payload
            for part in path.split("."):
                value = value[part] if value is not None else None
            out.append(value)
        assert all(v is not None for v in out), (paths, payload)
        return tuple(out)

    return pick


def _create_lead(sales, gq) -> Keyed:
    data = {"title": "ACME renewal", "companyName": "ACME GmbH", "email": "ada@acme.example"}
    return Keyed("createLead", gq.CREATE_LEAD, data, {**data, "title": "ACME renewal (2)"}, _ids("lead.id"))


def _convert_lead(sales, gq) -> Keyed:
    lead = sales.lead("ACME renewal", contactName="Ada", companyName="ACME GmbH")
    data = {"leadId": lead["id"], "opportunityTitle": "ACME 2027", "currency": "EUR"}
    return Keyed(
        "convertLead",
        gq.CONVERT_LEAD,
        data,
        {**data, "opportunityTitle": "ACME 2028"},
        _ids("lead.id", "account.id", "contact.id", "opportunity.id"),
    )


def _convert_opportunity(sales, gq) -> Keyed:
    opp = sales.opportunity()
    data = {"opportunityId": opp["id"], "kind": "PROFORMA", "validUntil": gq.valid_until(), "lines": [gq.WIDGETS]}
    return Keyed(
        "convertOpportunityToQuote",
        gq.CONVERT_TO_QUOTE,
        data,
        {**data, "lines": [gq.SETUP]},
        _ids("quote.id", "quote.number"),
    )


def _convert_quote(sales, gq) -> Keyed:
    quote = sales.send(sales.quote(sales.opportunity()["id"])["id"])
    data = {"quoteId": quote["id"]}
    return Keyed(
        "convertQuoteToOrder",
        gq.CONVERT_TO_ORDER,
        data,
        {**data, "invoicingPolicy": "MANUAL"},
        _ids("order.id", "order.number", "quote.id", "opportunity.id"),
    )


def _create_order(sales, gq) -> Keyed:
    opp = sales.opportunity()
    data = {"opportunityId": opp["id"], "currency": "EUR", "lines": [gq.WIDGETS]}
    return Keyed("createOrder", gq.CREATE_ORDER, data, {**data, "lines": [gq.SETUP]}, _ids("order.id", "order.number"))


def _record_delivery(sales, gq) -> Keyed:
    order = sales.order()  # per delivery: the delivery makes an invoice too
    line = order["lines"][0]["id"]
    data = {"orderId": order["id"], "lines": [{"orderLineId": line, "quantity": "2"}]}
    return Keyed(
        "recordDelivery",
        gq.RECORD_DELIVERY,
        data,
        {**data, "lines": [{"orderLineId": line, "quantity": "3"}]},
        _ids("delivery.id", "delivery.number", "invoice.id"),
    )


def _convert_order(sales, gq) -> Keyed:
    order = sales.order(policy="MANUAL")
    sales.deliver(order, {0: "4"})
    data = {"orderId": order["id"]}
    return Keyed(
        "convertOrderToInvoice", gq.CONVERT_TO_INVOICE, data, {**data, "expectedVersion": 99}, _ids("invoice.id")
    )


def _record_payment(sales, gq) -> Keyed:
    invoice = sales.issue(sales.deliver(sales.order())["invoice"]["id"])
    data = {"invoiceId": invoice["id"], "amount": "100.00", "reference": "bank 1"}
    return Keyed(
        "recordPayment", gq.RECORD_PAYMENT, data, {**data, "amount": "50.00"}, _ids("payment.id", "invoice.id")
    )


def _create_opportunity(sales, gq) -> Keyed:
    data = {"title": "Desks", "currency": "EUR", "amount": "1000"}
    return Keyed("createOpportunity", gq.CREATE_OPPORTUNITY, data, {**data, "amount": "1001"}, _ids("opportunity.id"))


def _create_account(sales, gq) -> Keyed:
    data = {"name": "Globex"}
    return Keyed("createAccount", gq.CREATE_ACCOUNT, data, {"name": "Globex Corp"}, _ids("account.id"))


SCENARIOS = {
    f.__name__.lstrip("_"): f
    for f in (
        _create_lead,
        _convert_lead,
        _convert_opportunity,
        _convert_quote,
        _create_order,
        _record_delivery,
        _convert_order,
        _record_payment,
        _create_opportunity,
        _create_account,
    )
}


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_a_replayed_mutation_returns_the_first_result_and_creates_nothing(scenario, admin, sales, gq, store_snapshot):
    keyed = SCENARIOS[scenario](sales, gq)
    first = gq.did_something(
        keyed.name, admin.mutate(keyed.name, keyed.query, {"i": {**keyed.data, "idempotencyKey": KEY}})
    )
    before = store_snapshot()

    for _ in range(2):
        again = admin.mutate(keyed.name, keyed.query, {"i": {**keyed.data, "idempotencyKey": KEY}})
        assert keyed.identity(again) == keyed.identity(first), f"{keyed.name}: a replay gave another result"
        assert store_snapshot() == before, f"{keyed.name}: a replay changed the store"

    reused = admin.run(keyed.query, {"i": {**keyed.other, "idempotencyKey": KEY}})[keyed.name]
    assert [(e["code"], e["field"]) for e in reused["errors"]] == [("IDEMPOTENCY_KEY_REUSED", ["idempotencyKey"])]
    assert all(v is None for k, v in reused.items() if k not in ("errors", "duplicates")), reused
    assert store_snapshot() == before, f"{keyed.name}: a reused key changed the store"


def test_a_replayed_conversion_returns_the_first_opportunity(admin, sales, gq):
    lead = sales.lead("Initech", contactName="Peter", companyName="Initech")
    first = sales.convert(lead["id"], opportunityTitle="Initech 2027", idempotencyKey="conv-1")
    again = sales.convert(lead["id"], opportunityTitle="Initech 2027", idempotencyKey="conv-1")
    assert again["opportunity"]["id"] == first["opportunity"]["id"]
    assert again["lead"]["status"] == "CONVERTED"
    # without the key, the conversion runs again and is refused: the lead is converted already
    plain = admin.run(gq.CONVERT_LEAD, {"i": {"leadId": lead["id"], "opportunityTitle": "Initech 2027"}})["convertLead"]
    assert [e["code"] for e in plain["errors"]] == ["ALREADY_CONVERTED"]
    assert admin.run("{ opportunities { totalCount } }")["opportunities"]["totalCount"] == 1


def test_a_replay_payment_is_not_paid_twice(admin, sales):
    invoice = sales.issue(sales.deliver(sales.order())["invoice"]["id"])
    for _ in range(3):
        paid = sales.pay(invoice["id"], "100.00", idempotencyKey="pay-1")
    assert (paid["invoice"]["amountPaid"], paid["invoice"]["status"]) == ("100.00", "PARTIALLY_PAID")
    data = admin.run(
        "query($id: ID!) { node(id: $id) { ... on Invoice { payments { amount } amountPaid } } }", {"id": invoice["id"]}
    )["node"]
    assert data == {"payments": [{"amount": "100.00"}], "amountPaid": "100.00"}


def test_the_same_key_used_for_another_operation_is_refused(admin, sales, gq, store_snapshot):
    gq.did_something(
        "createLead", admin.mutate("createLead", gq.CREATE_LEAD, {"i": {"title": "Globex", "idempotencyKey": "shared"}})
    )
    before = store_snapshot()
    other = admin.run(gq.CREATE_ACCOUNT, {"i": {"name": "Globex", "idempotencyKey": "shared"}})["createAccount"]
    assert [(e["code"], e["field"]) for e in other["errors"]] == [("IDEMPOTENCY_KEY_REUSED", ["idempotencyKey"])]
    assert store_snapshot() == before


def test_an_idempotency_key_belongs_to_the_user_who_sent_it(as_user, gq, store_snapshot):
    mina, omid = as_user("mina", "sales_manager"), as_user("omid", "sales_manager")
    data = {"title": "Umbrella Corp", "companyName": "Umbrella", "idempotencyKey": "lead-1"}
    minas = gq.did_something("createLead", mina.client.mutate("createLead", gq.CREATE_LEAD, {"i": data}))["lead"]
    omids = gq.did_something("createLead", omid.client.mutate("createLead", gq.CREATE_LEAD, {"i": data}))["lead"]
    assert omids["id"] != minas["id"], "another user's key must not replay someone else's result"
    assert omids["owner"]["name"] == "omid" and minas["owner"]["name"] == "mina"

    # each replays its own, and another user may use the key with other input
    assert mina.client.mutate("createLead", gq.CREATE_LEAD, {"i": data})["lead"]["id"] == minas["id"]
    assert omid.client.mutate("createLead", gq.CREATE_LEAD, {"i": data})["lead"]["id"] == omids["id"]
    third = as_user("pari", "sales_manager").client.mutate(
        "createLead", gq.CREATE_LEAD, {"i": {**data, "title": "Something else"}}
    )["lead"]
    assert third["id"] not in (minas["id"], omids["id"])
    assert mina.client.run("{ leads { totalCount } }")["leads"]["totalCount"] == 3


def _race(n: int, work: Callable[[int], dict], timeout: float = 60.0) -> list:
    """work(i) in n threads released together; every thread must finish in time."""
    barrier = threading.Barrier(n)
    results: list = [None] * n

    def run(i):
        try:
            barrier.wait(timeout=10)
            results[i] = work(i)
        except BaseException as exc:  # noqa: BLE001 - inspected below
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    assert not any(t.is_alive() for t in threads), f"a racer is still running after {timeout}s"
    for r in results:
        if isinstance(r, BaseException):
            raise r
    return results


def _opportunity_rows(gateway, lead_db_id: int | None = None) -> int:
    from salesflow.adapters.sql import create_engine

    engine = create_engine(gateway.database_url)
    try:
        with engine.connect() as conn:
            query = select(func.count()).select_from(opportunities_table)
            if lead_db_id is not None:
                query = query.where(opportunities_table.c.lead_id == lead_db_id)
            return conn.execute(query).scalar_one()
    finally:
        engine.dispose()


def _db_id(global_id: str) -> int:
    from strawberry.relay import GlobalID

    return int(GlobalID.from_id(global_id).node_id)


@pytest.mark.parametrize("racers", [2, 4])
def test_clients_racing_with_one_key_get_one_opportunity(racers, gateway, admin, sales, gq):
    for round_ in range(3):
        lead = sales.lead(f"Race {round_}", contactName=f"Racer {round_}", companyName=f"Race {round_} Ltd")
        data = {"leadId": lead["id"], "opportunityTitle": f"Race {round_}", "idempotencyKey": f"race-{round_}"}
        bodies = _race(racers, lambda i, data=data: admin.post(gq.CONVERT_LEAD, {"i": data}))
        for body in bodies:
            assert "errors" not in body, body
            gq.did_something("convertLead", body["data"]["convertLead"])
            assert body["data"]["convertLead"]["errors"] == [], body
        ids = {b["data"]["convertLead"]["opportunity"]["id"] for b in bodies}
        assert len(ids) == 1, f"one key, racing clients: expected one opportunity, got {ids}"
        assert _opportunity_rows(gateway, _db_id(lead["id"])) == 1
    assert _opportunity_rows(gateway) == 3


def test_clients_racing_without_a_key_get_one_success_and_one_clean_error(gateway, admin, sales, gq):
    for round_ in range(3):
        lead = sales.lead(f"Race {round_}", contactName=f"Racer {round_}", companyName=f"Race {round_} Ltd")
        data = {"leadId": lead["id"], "opportunityTitle": f"Race {round_}"}
        bodies = _race(2, lambda i, data=data: admin.post(gq.CONVERT_LEAD, {"i": data}))
        assert all("errors" not in b for b in bodies), bodies
        payloads = [b["data"]["convertLead"] for b in bodies]
        ok = [p for p in payloads if not p["errors"]]
        refused = [p for p in payloads if p["errors"]]
        assert len(ok) == 1 and len(refused) == 1, payloads
        assert refused[0]["errors"][0]["code"] in ("ALREADY_CONVERTED", "CONFLICT"), refused
        assert _opportunity_rows(gateway, _db_id(lead["id"])) == 1


# --- expectedVersion -------------------------------------------------------------------------------


def _stale_lead(sales, gq):
    lead = sales.lead()
    return lead["id"], "updateLead", gq.UPDATE_LEAD, {"leadId": lead["id"], "title": "Renamed"}, lead["version"]


def _stale_lead_trigger(sales, gq):
    lead = sales.lead()
    return lead["id"], "markLeadContacted", gq.MARK_CONTACTED, {"leadId": lead["id"]}, lead["version"]


def _stale_quote(sales, gq):
    quote = sales.quote(sales.opportunity()["id"])
    return quote["id"], "updateQuote", gq.UPDATE_QUOTE, {"quoteId": quote["id"], "lines": [gq.SETUP]}, quote["version"]


def _stale_acceptance(sales, gq):
    quote = sales.send(sales.quote(sales.opportunity()["id"])["id"])
    return quote["id"], "convertQuoteToOrder", gq.CONVERT_TO_ORDER, {"quoteId": quote["id"]}, quote["version"]


def _stale_delivery(sales, gq):
    order = sales.order()
    return (
        order["id"],
        "recordDelivery",
        gq.RECORD_DELIVERY,
        {"orderId": order["id"], "lines": [{"orderLineId": order["lines"][0]["id"], "quantity": "1"}]},
        order["version"],
    )


def _stale_issue(sales, gq):
    invoice = sales.deliver(sales.order())["invoice"]
    return invoice["id"], "issueInvoice", gq.ISSUE_INVOICE, {"invoiceId": invoice["id"]}, invoice["version"]


def _stale_payment(sales, gq):
    invoice = sales.issue(sales.deliver(sales.order())["invoice"]["id"])
    return (
        invoice["id"],
        "recordPayment",
        gq.RECORD_PAYMENT,
        {"invoiceId": invoice["id"], "amount": "1.00"},
        invoice["version"],
    )


STALE = {
    f.__name__.removeprefix("_stale_"): f
    for f in (
        _stale_lead,
        _stale_lead_trigger,
        _stale_quote,
        _stale_acceptance,
        _stale_delivery,
        _stale_issue,
        _stale_payment,
    )
}


@pytest.mark.parametrize("scenario", list(STALE))
def test_a_stale_expected_version_is_a_conflict_and_changes_nothing(scenario, admin, sales, gq, store_snapshot):
    doc_id, name, query, data, version = STALE[scenario](sales, gq)
    state = (
        "query($id: ID!) { node(id: $id) { ... on Document { version updatedAt history { trigger } } "
        "... on Lead { lead: status title } ... on Quote { quote: status total } ... on Order { order: status } "
        "... on Invoice { invoice: status amountPaid } } }"
    )
    before, doc_before = store_snapshot(), admin.run(state, {"id": doc_id})["node"]
    for stale in (version - 1, version + 1):
        payload = admin.run(query, {"i": {**data, "expectedVersion": stale}})[name]
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [("CONFLICT", ["expectedVersion"])], payload
        assert store_snapshot() == before
        assert admin.run(state, {"id": doc_id})["node"] == doc_before
    done = admin.mutate(name, query, {"i": {**data, "expectedVersion": version}})
    assert done["errors"] == []
    assert admin.run(state, {"id": doc_id})["node"]["version"] > version
