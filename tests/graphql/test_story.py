"""The seed story told through GraphQL: a lead becomes an opportunity, a quote (revised), an order
delivered in two stages, and an invoice per stage, numbered and paid; and the pipeline adds up.

Amounts are checked to the cent as strings at the currency's precision (DESIGN.md §2 "Money"):
Widgets 10 × 99.90 at 19 % tax, Setup 1 × 450 with 10 % off at 19 % tax; the second revision
gives Widgets 7.5 % off.
"""

from __future__ import annotations

from decimal import Decimal

import pytest


def transitions(doc: dict) -> list[tuple]:
    return [(h["trigger"], h["fromState"], h["toState"]) for h in doc["history"]]


HISTORY = "history { trigger fromState toState reason actor { name } }"


def node(client, ident: str, fields: str) -> dict:
    return client.run(
        "query($id: ID!) { node(id: $id) { id ... on Document { %s } %s } }" % (HISTORY, fields), {"id": ident}
    )["node"]


def test_a_lead_becomes_an_invoiced_and_paid_order(gateway, admin, sales, gq):
    y = gq.YEAR
    # --- the lead: new, then contacted ------------------------------------------------------
    lead = sales.lead("ACME renewal", contactName="Ada Lovelace", companyName="ACME GmbH", email="ada@acme.example")
    assert lead["status"] == "NEW"
    assert set(lead["availableActions"]) == {"markLeadContacted", "convertLead", "disqualifyLead", "updateLead"}
    lead = admin.mutate("markLeadContacted", gq.MARK_CONTACTED, {"i": {"leadId": lead["id"]}})["lead"]
    assert lead["status"] == "WORKING"
    assert set(lead["availableActions"]) == {"convertLead", "disqualifyLead", "updateLead"}

    # --- convertLead: account, contact and opportunity at once -------------------------------
    conv = sales.convert(lead["id"], opportunityTitle="ACME 2027", currency="EUR")
    assert conv["lead"]["status"] == "CONVERTED"
    assert conv["lead"]["availableActions"] == [], "a converted lead is read-only"
    assert conv["account"]["name"] == "ACME GmbH" and conv["contact"]["name"] == "Ada Lovelace"
    opp = conv["opportunity"]
    assert conv["lead"]["convertedOpportunity"] == {"id": opp["id"]}
    assert (opp["title"], opp["status"], opp["currency"]) == ("ACME 2027", "OPEN", "EUR")
    assert opp["stage"]["name"] == "Prospecting" and opp["probability"] == opp["stage"]["probability"] == "10"
    assert opp["account"] == conv["account"]
    assert set(opp["availableActions"]) == {
        "moveOpportunityStage",
        "winOpportunity",
        "loseOpportunity",
        "updateOpportunity",
        "convertOpportunityToQuote",
        "createOrder",
    }

    # --- the quote: drafted, sent, revised with a discount, sent again ------------------------
    q1 = sales.quote(opp["id"])
    assert (q1["number"], q1["revision"], q1["status"], q1["kind"]) == (f"Q/{y}/00001", 0, "DRAFT", "PROFORMA")
    assert [
        (ln["subtotal"], ln["discountAmount"], ln["netAmount"], ln["taxAmount"], ln["total"]) for ln in q1["lines"]
    ] == [("999.00", "0.00", "999.00", "189.81", "1188.81"), ("450.00", "45.00", "405.00", "76.95", "481.95")]
    assert (q1["subtotal"], q1["discountTotal"], q1["taxTotal"], q1["total"]) == (
        "1449.00",
        "45.00",
        "266.76",
        "1670.76",
    )
    assert [(ln["quantity"], ln["unitPrice"]) for ln in q1["lines"]] == [("10", "99.9"), ("1", "450")]
    assert set(q1["availableActions"]) == {"sendQuote", "reviseQuote", "cancelQuote", "updateQuote"}

    sent = sales.send(q1["id"])
    assert sent["status"] == "SENT"
    assert set(sent["availableActions"]) == {"convertQuoteToOrder", "rejectQuote", "reviseQuote", "cancelQuote"}

    revised = admin.mutate("reviseQuote", gq.REVISE_QUOTE, {"i": {"quoteId": q1["id"]}})
    q2, old = revised["quote"], revised["previousRevision"]
    assert (q2["number"], q2["revision"], q2["status"], q2["isLatest"]) == (f"Q/{y}/00001", 1, "DRAFT", True)
    assert (old["id"], old["status"], old["isLatest"], old["availableActions"]) == (q1["id"], "SUPERSEDED", False, [])
    assert q2["lines"][0]["total"] == "1188.81", "a revision copies the lines"

    discounted = {**gq.WIDGETS, "discountPercent": "7.5"}
    q2 = admin.mutate(
        "updateQuote",
        gq.UPDATE_QUOTE,
        {"i": {"quoteId": q2["id"], "expectedVersion": q2["version"], "lines": [discounted, gq.SETUP]}},
    )["quote"]
    # net = round(999.00 × 0.925) = 924.08 (924.075 half-up); tax = round(924.08 × 0.19) = 175.58
    assert [(ln["discountAmount"], ln["netAmount"], ln["taxAmount"], ln["total"]) for ln in q2["lines"]] == [
        ("74.92", "924.08", "175.58", "1099.66"),
        ("45.00", "405.00", "76.95", "481.95"),
    ]
    assert (q2["subtotal"], q2["discountTotal"], q2["taxTotal"], q2["total"]) == (
        "1449.00",
        "119.92",
        "252.53",
        "1581.61",
    )
    sales.send(q2["id"])

    # --- accepting is converting: the order, the opportunity won ------------------------------
    accepted = sales.accept(q2["id"])
    order = accepted["order"]
    assert (order["number"], order["status"], order["invoicingPolicy"]) == (f"SO/{y}/00001", "OPEN", "PER_DELIVERY")
    assert (order["subtotal"], order["discountTotal"], order["taxTotal"], order["total"]) == (
        "1449.00",
        "119.92",
        "252.53",
        "1581.61",
    )
    assert accepted["quote"]["status"] == "ACCEPTED" and accepted["quote"]["availableActions"] == []
    won = accepted["opportunity"]
    assert (won["status"], won["amount"], won["probability"]) == ("WON", "1581.61", "100")
    assert "convertOpportunityToQuote" not in won["availableActions"]
    assert set(order["availableActions"]) == {"recordDelivery", "cancelOrder"}

    # --- first delivery stage: 6 widgets and the setup; its invoice ---------------------------
    first = sales.deliver(order, {0: "6", 1: "1"})
    assert first["delivery"]["number"] == f"DL/{y}/00001"
    assert [ln["quantity"] for ln in first["delivery"]["lines"]] == ["6", "1"]
    order = first["order"]
    assert order["status"] == "PARTIALLY_DELIVERED"
    assert [(ln["deliveredQuantity"], ln["invoicedQuantity"], ln["remainingQuantity"]) for ln in order["lines"]] == [
        ("6", "6", "4"),
        ("1", "1", "0"),
    ]
    assert "cancelOrder" not in order["availableActions"], "a delivered order cannot be canceled"
    assert "convertOrderToInvoice" not in order["availableActions"], "the stage's invoice took what was delivered"
    inv1 = first["invoice"]
    assert (inv1["status"], inv1["number"], inv1["total"]) == ("DRAFT", None, "1141.75")
    assert [ln["total"] for ln in inv1["lines"]] == ["659.80", "481.95"]
    assert set(inv1["availableActions"]) == {"issueInvoice"}

    inv1 = sales.issue(inv1["id"])
    assert (inv1["number"], inv1["status"], inv1["amountPaid"], inv1["amountDue"]) == (
        f"INV/{y}/00001",
        "ISSUED",
        "0.00",
        "1141.75",
    )
    assert set(inv1["availableActions"]) == {"recordPayment", "voidInvoice"}
    paid = sales.pay(inv1["id"], "1141.75", reference="bank 42")
    assert paid["payment"]["amount"] == "1141.75" and paid["payment"]["currency"] == "EUR"
    inv1 = paid["invoice"]
    assert (inv1["status"], inv1["amountPaid"], inv1["amountDue"], inv1["availableActions"]) == (
        "PAID",
        "1141.75",
        "0.00",
        [],
    )

    # --- second stage: the remaining 4 widgets; the invoices add up to the order --------------
    second = sales.deliver(order)
    assert second["delivery"]["number"] == f"DL/{y}/00002"
    assert second["order"]["status"] == "DELIVERED"
    assert set(second["order"]["availableActions"]) == set(), "nothing left to deliver, invoice or cancel"
    inv2 = sales.issue(second["invoice"]["id"])
    assert (inv2["number"], inv2["total"]) == (f"INV/{y}/00002", "439.86")
    # cumulative rounding: widgets 924.08 − 554.45 net, 175.58 − 105.35 tax
    assert [(ln["netAmount"], ln["taxAmount"], ln["total"]) for ln in inv2["lines"]] == [("369.63", "70.23", "439.86")]
    assert Decimal(inv1["total"]) + Decimal(inv2["total"]) == Decimal(order["total"])
    for field in ("subtotal", "discountTotal", "taxTotal", "total"):
        assert Decimal(inv1[field]) + Decimal(inv2[field]) == Decimal(order[field]), field
    partial = sales.pay(inv2["id"], "39.86")["invoice"]
    assert (partial["status"], partial["amountPaid"], partial["amountDue"]) == ("PARTIALLY_PAID", "39.86", "400.00")

    # --- read back: the order's invoices, the opportunity, the lists --------------------------
    data = admin.run(
        """query($id: ID!) { node(id: $id) { ... on Order { number total quote { id number revision }
        opportunity { id status amount } deliveries { number }
        invoices { number status total amountDue } } } }""",
        {"id": order["id"]},
    )["node"]
    assert data["quote"] == {"id": q2["id"], "number": f"Q/{y}/00001", "revision": 1}
    assert data["opportunity"] == {"id": opp["id"], "status": "WON", "amount": "1581.61"}
    assert [d["number"] for d in data["deliveries"]] == [f"DL/{y}/00001", f"DL/{y}/00002"]
    assert sorted((i["number"], i["status"], i["total"], i["amountDue"]) for i in data["invoices"]) == [
        (f"INV/{y}/00001", "PAID", "1141.75", "0.00"),
        (f"INV/{y}/00002", "PARTIALLY_PAID", "439.86", "400.00"),
    ]
    listed = admin.run(
        "{ invoices(filter: {status: [PAID, PARTIALLY_PAID]}, orderBy: {field: NUMBER, direction: ASC})"
        " { totalCount edges { node { number total } } } }"
    )["invoices"]
    assert listed["totalCount"] == 2
    assert [e["node"] for e in listed["edges"]] == [
        {"number": f"INV/{y}/00001", "total": "1141.75"},
        {"number": f"INV/{y}/00002", "total": "439.86"},
    ]

    # --- history: every transition, oldest first, with who did it -----------------------------
    assert transitions(node(admin, lead["id"], "")) == [
        ("create", None, "new"),
        ("mark_contacted", "new", "working"),
        ("convert", "working", "converted"),
    ]
    assert transitions(node(admin, opp["id"], "")) == [("create", None, "open"), ("win", "open", "won")]
    assert transitions(node(admin, q1["id"], "")) == [
        ("create", None, "draft"),
        ("send", "draft", "sent"),
        ("revise", "sent", "superseded"),
    ]
    assert transitions(node(admin, q2["id"], ""))[-2:] == [("send", "draft", "sent"), ("accept", "sent", "accepted")]
    assert transitions(node(admin, q2["id"], ""))[0][1:] == (None, "draft")
    assert transitions(node(admin, order["id"], "")) == [
        ("create", None, "open"),
        ("deliver", "open", "partially_delivered"),
        ("deliver", "partially_delivered", "delivered"),
    ]
    inv1_history = node(admin, inv1["id"], "")
    assert transitions(inv1_history) == [
        ("create", None, "draft"),
        ("issue", "draft", "issued"),
        ("pay", "issued", "paid"),
    ]
    assert {h["actor"]["name"] for h in inv1_history["history"]} == {"root"}
    assert transitions(node(admin, inv2["id"], ""))[-1] == ("pay", "issued", "partially_paid")


def test_the_pipeline_adds_up_open_opportunities_per_stage_and_currency(admin, sales, gq):
    stages = sales.stages()
    assert list(stages) == ["Prospecting", "Qualification", "Demo and presentation", "Proposal", "Negotiation"]
    assert [s["probability"] for s in stages.values()] == ["10", "20", "40", "60", "80"]

    def on_stage(title, currency, amount, stage):
        opp = sales.opportunity(title, currency=currency, amount=amount)
        if stage != "Prospecting":
            opp = admin.mutate(
                "moveOpportunityStage",
                gq.MOVE_STAGE,
                {"i": {"opportunityId": opp["id"], "stageId": stages[stage]["id"]}},
            )["opportunity"]
        assert opp["stage"]["name"] == stage and opp["probability"] == stages[stage]["probability"]
        return opp

    on_stage("Desks", "EUR", "1000.00", "Prospecting")
    on_stage("Lamps", "EUR", "250.20", "Prospecting")
    on_stage("Server room", "EUR", "4000", "Proposal")
    on_stage("US office", "USD", "300.10", "Proposal")
    moved = on_stage("Canteen", "EUR", "99.99", "Qualification")
    on_stage("Lost cause", "EUR", "5000", "Negotiation")
    lost = admin.mutate(
        "loseOpportunity",
        gq.LOSE_OPPORTUNITY,
        {"i": {"opportunityId": on_stage("Lost", "EUR", "777", "Negotiation")["id"], "reason": "budget cut"}},
    )["opportunity"]
    assert (lost["status"], lost["probability"]) == ("LOST", "0")
    won_order = sales.order(policy="MANUAL")  # its opportunity is won: not in the pipeline
    assert won_order["total"] == "1670.76"

    # move one more and see it leave its stage
    admin.mutate(
        "moveOpportunityStage",
        gq.MOVE_STAGE,
        {"i": {"opportunityId": moved["id"], "stageId": stages["Negotiation"]["id"]}},
    )

    pipeline = admin.run("""{ pipeline { stage { name } count amount weightedAmount currency
                              amounts { currency count amount weightedAmount } } }""")["pipeline"]
    got = {p["stage"]["name"]: p for p in pipeline}
    assert list(got) == list(stages), "one row per active stage, in order"

    assert got["Prospecting"]["count"] == 2
    assert got["Prospecting"]["amounts"] == [
        {"currency": "EUR", "count": 2, "amount": "1250.20", "weightedAmount": "125.02"}
    ], f"Prospecting holds 1000.00 + 250.20 EUR at 10 %, got {got['Prospecting']['amounts']}"
    assert (got["Prospecting"]["amount"], got["Prospecting"]["weightedAmount"], got["Prospecting"]["currency"]) == (
        "1250.20",
        "125.02",
        "EUR",
    )

    assert (got["Qualification"]["count"], got["Qualification"]["amounts"]) == (0, [])
    assert (got["Qualification"]["amount"], got["Qualification"]["weightedAmount"]) == (None, None)
    assert (got["Demo and presentation"]["count"], got["Demo and presentation"]["amounts"]) == (0, [])

    assert got["Proposal"]["count"] == 2
    assert got["Proposal"]["amounts"] == [
        {"currency": "EUR", "count": 1, "amount": "4000.00", "weightedAmount": "2400.00"},
        {"currency": "USD", "count": 1, "amount": "300.10", "weightedAmount": "180.06"},
    ]
    assert (got["Proposal"]["amount"], got["Proposal"]["weightedAmount"], got["Proposal"]["currency"]) == (
        None,
        None,
        None,
    ), "amounts in two currencies do not add up"

    # Negotiation: 5000 + 99.99 (moved), not the lost 777
    assert got["Negotiation"]["amounts"] == [
        {"currency": "EUR", "count": 2, "amount": "5099.99", "weightedAmount": "4079.99"}
    ]
    assert got["Negotiation"]["count"] == 2

    totals = admin.run(
        "{ opportunities(filter: {status: [OPEN]}) { totalCount } "
        "won: opportunities(filter: {status: [WON]}) { totalCount } }"
    )
    assert totals["opportunities"]["totalCount"] == sum(p["count"] for p in pipeline) == 6
    assert totals["won"]["totalCount"] == 1


def test_the_pipelines_weighted_amount_is_rounded_half_up(admin, sales):
    """DESIGN §2: rounding is half-up to the currency's precision; 10 % of 1250.25 is 125.025 → 125.03."""
    sales.opportunity("Desks", amount="1000.00")
    sales.opportunity("Lamps", amount="250.25")
    prospecting = admin.run("{ pipeline { stage { name } amounts { currency count amount weightedAmount } } }")[
        "pipeline"
    ][0]
    assert prospecting["stage"]["name"] == "Prospecting"
    assert prospecting["amounts"][0]["amount"] == "1250.25", prospecting
    assert prospecting["amounts"][0]["weightedAmount"] == "125.03", (
        f"10 % of 1250.25 = 125.025 must round half-up to 125.03, got {prospecting['amounts'][0]['weightedAmount']}"
    )


@pytest.mark.parametrize("role", ["sales_rep", "sales_manager", "accountant", "integration", "admin"])
def test_the_viewer_sees_its_role_and_the_permissions_of_access_csv(as_user, role):
    from salesflow.domain.access import Perm, default_policy

    policy = default_policy()
    viewer = as_user(f"user-{role}", role).viewer()
    assert viewer["role"] == viewer["user"]["role"] == role
    assert viewer["user"]["name"] == f"user-{role}"
    models = sorted({m for (_r, _p, m) in policy.grants})
    assert [p["model"] for p in viewer["permissions"]] == models
    for p in viewer["permissions"]:
        for perm in Perm:
            assert p[perm.value] == policy.may(role, perm, p["model"]), (role, p["model"], perm.value)


def test_available_actions_follow_the_viewers_role(gateway, sales, as_user):
    """The same sent quote and issued invoice offer different mutations to different roles: those
    its state allows that the role may run (security/operations.csv)."""
    from salesflow.domain.access import default_policy

    policy = default_policy()
    opp = sales.opportunity()
    quote = sales.send(sales.quote(opp["id"])["id"])
    invoice = sales.issue(sales.deliver(sales.order())["invoice"]["id"])
    allowed_now = {
        "quote": {"convertQuoteToOrder", "rejectQuote", "reviseQuote", "cancelQuote"},
        "invoice": {"recordPayment", "voidInvoice"},
    }
    expected = {
        "sales_manager": ({"convertQuoteToOrder", "rejectQuote", "reviseQuote", "cancelQuote"}, set()),
        "accountant": (set(), {"recordPayment", "voidInvoice"}),
        "integration": (set(), {"recordPayment"}),
    }
    for role, (on_quote, on_invoice) in expected.items():
        client = as_user(f"u-{role}", role).client
        data = client.run(
            "query($q: ID!, $i: ID!) { q: node(id: $q) { ... on Quote { availableActions } } "
            "i: node(id: $i) { ... on Invoice { availableActions } } }",
            {"q": quote["id"], "i": invoice["id"]},
        )
        assert set(data["q"]["availableActions"]) == on_quote, role
        assert set(data["i"]["availableActions"]) == on_invoice, role
        assert on_quote == {n for n in allowed_now["quote"] if policy.may_run(role, n)}, role
        assert on_invoice == {n for n in allowed_now["invoice"] if policy.may_run(role, n)}, role
