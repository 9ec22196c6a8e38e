"""The seed story, start to finish, over real HTTP against `salesflow serve`.

This module has a server (and database) of its own, so its invoices are the first ones issued
there and take the numbers 00001 and 00002 of their year.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from decimal import Decimal

DECIMAL_STRING = re.compile(r"^-?\d+(\.\d+)?$")

CREATE_LEAD = """mutation($i: CreateLeadInput!) { createLead(input: $i) {
  lead { id status title contactName companyName email } errors { code field message } } }"""

CONVERT_LEAD = """mutation($i: ConvertLeadInput!) { convertLead(input: $i) {
  lead { id status convertedAccount { id } convertedContact { id } convertedOpportunity { id } }
  account { id name } contact { id name account { id } }
  opportunity { id title status currency stage { id name probability } account { id } contact { id } }
  duplicates { kind } errors { code field message } } }"""

QUOTE_FIELDS = """id number revision kind status currency validUntil version
  lines { id description quantity unitPrice discountPercent taxRate netAmount taxAmount total }
  subtotal discountTotal taxTotal total availableActions
  opportunity { id } previousRevision { id status }"""

CONVERT_TO_QUOTE = f"""mutation($i: ConvertOpportunityToQuoteInput!) {{ convertOpportunityToQuote(input: $i) {{
  quote {{ {QUOTE_FIELDS} }} errors {{ code field message }} }} }}"""

SEND_QUOTE = f"""mutation($i: SendQuoteInput!) {{ sendQuote(input: $i) {{
  quote {{ {QUOTE_FIELDS} }} errors {{ code field message }} }} }}"""

REVISE_QUOTE = f"""mutation($i: ReviseQuoteInput!) {{ reviseQuote(input: $i) {{
  quote {{ {QUOTE_FIELDS} }} previousRevision {{ id status availableActions }} errors {{ code field message }} }} }}"""

UPDATE_QUOTE = f"""mutation($i: UpdateQuoteInput!) {{ updateQuote(input: $i) {{
  quote {{ {QUOTE_FIELDS} }} errors {{ code field message }} }} }}"""

ORDER_FIELDS = """id number status invoicingPolicy currency version
  lines { id description quantity deliveredQuantity invoicedQuantity remainingQuantity unitPrice total }
  deliveries { id number lines { orderLine { id } quantity } }
  invoices { id number status total } subtotal discountTotal taxTotal total availableActions
  opportunity { id } quote { id }"""

CONVERT_TO_ORDER = f"""mutation($i: ConvertQuoteToOrderInput!) {{ convertQuoteToOrder(input: $i) {{
  order {{ {ORDER_FIELDS} }} quote {{ id status availableActions }} opportunity {{ id status amount probability }}
  errors {{ code field message }} }} }}"""

INVOICE_FIELDS = """id number status currency issueDate dueDate version
  lines { id description quantity unitPrice netAmount taxAmount total }
  subtotal discountTotal taxTotal total amountPaid amountDue availableActions
  payments { id amount } order { id } delivery { id }
  history { trigger fromState toState reason at actor { name } }"""

RECORD_DELIVERY = f"""mutation($i: RecordDeliveryInput!) {{ recordDelivery(input: $i) {{
  delivery {{ id number lines {{ orderLine {{ id }} quantity }} }}
  order {{ {ORDER_FIELDS} }} invoice {{ {INVOICE_FIELDS} }} errors {{ code field message }} }} }}"""

ISSUE_INVOICE = f"""mutation($i: IssueInvoiceInput!) {{ issueInvoice(input: $i) {{
  invoice {{ {INVOICE_FIELDS} }} errors {{ code field message }} }} }}"""

RECORD_PAYMENT = f"""mutation($i: RecordPaymentInput!) {{ recordPayment(input: $i) {{
  payment {{ id amount currency }} invoice {{ {INVOICE_FIELDS} }} errors {{ code field message }} }} }}"""

ORDER_BY_ID = f"""query($id: ID!) {{ node(id: $id) {{ ... on Order {{ {ORDER_FIELDS}
  history {{ trigger fromState toState }} }} }} }}"""

QUOTE_BY_ID = f"""query($id: ID!) {{ node(id: $id) {{ ... on Quote {{ {QUOTE_FIELDS}
  history {{ trigger fromState toState }} }} }} }}"""

MONEY = ("subtotal", "discountTotal", "taxTotal", "total")


def money(value) -> Decimal:
    """A money field as the contract says it travels: a decimal string, never a JSON number."""
    assert isinstance(value, str), f"money must be a string, got {value!r}"
    assert DECIMAL_STRING.match(value), value
    return Decimal(value)


def assert_money_fields_are_strings(document: dict, *extra: str) -> None:
    for name in MONEY + extra:
        money(document[name])
    for line in document.get("lines", []):
        for name in ("quantity", "unitPrice", "total"):
            assert isinstance(line[name], str), (name, line)


def line(description, quantity, unit_price, discount="0", tax="0") -> dict:
    return {
        "description": description,
        "quantity": quantity,
        "unitPrice": unit_price,
        "discountPercent": discount,
        "taxRate": tax,
    }


def test_seed_story_over_http(admin):
    valid_until = (date.today() + timedelta(days=60)).isoformat()

    # A first contact: the lead.
    created = admin.mutate(
        "createLead",
        CREATE_LEAD,
        {
            "i": {
                "title": "ACME renewal",
                "contactName": "Ada Lovelace",
                "companyName": "ACME GmbH",
                "email": "ada@acme.example",
                "phone": "+49 30 1234567",
            }
        },
    )
    lead = created["lead"]
    assert lead["status"] == "NEW" and lead["title"] == "ACME renewal"

    # convertLead: account + contact + opportunity, at once.
    converted = admin.mutate(
        "convertLead", CONVERT_LEAD, {"i": {"leadId": lead["id"], "opportunityTitle": "ACME 2027", "currency": "EUR"}}
    )
    assert converted["lead"]["status"] == "CONVERTED"
    account, contact, opportunity = converted["account"], converted["contact"], converted["opportunity"]
    assert account["name"] == "ACME GmbH" and contact["name"] == "Ada Lovelace"
    assert contact["account"] == {"id": account["id"]}
    assert opportunity["status"] == "OPEN" and opportunity["title"] == "ACME 2027"
    assert opportunity["account"] == {"id": account["id"]} and opportunity["contact"] == {"id": contact["id"]}
    assert opportunity["stage"] is not None and isinstance(opportunity["stage"]["probability"], str)
    assert converted["lead"]["convertedAccount"] == {"id": account["id"]}
    assert converted["lead"]["convertedContact"] == {"id": contact["id"]}
    assert converted["lead"]["convertedOpportunity"] == {"id": opportunity["id"]}

    # convertOpportunityToQuote: a proforma with two lines, tax on both, a discount on one.
    quote = admin.mutate(
        "convertOpportunityToQuote",
        CONVERT_TO_QUOTE,
        {
            "i": {
                "opportunityId": opportunity["id"],
                "kind": "PROFORMA",
                "currency": "EUR",
                "validUntil": valid_until,
                "lines": [line("Widgets", "10", "99.90", tax="19"), line("Setup", "1", "450", discount="10", tax="19")],
            }
        },
    )["quote"]
    assert (quote["status"], quote["kind"], quote["revision"], quote["currency"]) == ("DRAFT", "PROFORMA", 0, "EUR")
    assert quote["opportunity"] == {"id": opportunity["id"]}
    assert_money_fields_are_strings(quote)
    # Per line: net = round(qty × price × (1 − d%)), tax = round(net × rate); totals are sums of lines.
    assert [(ln["netAmount"], ln["taxAmount"], ln["total"]) for ln in quote["lines"]] == [
        ("999.00", "189.81", "1188.81"),
        ("405.00", "76.95", "481.95"),
    ]
    assert (quote["subtotal"], quote["discountTotal"], quote["taxTotal"], quote["total"]) == (
        "1449.00",
        "45.00",
        "266.76",
        "1670.76",
    )
    assert money(quote["total"]) == money(quote["subtotal"]) - money(quote["discountTotal"]) + money(quote["taxTotal"])
    assert "sendQuote" in quote["availableActions"] and "updateQuote" in quote["availableActions"]
    assert "convertQuoteToOrder" not in quote["availableActions"]

    sent = admin.mutate("sendQuote", SEND_QUOTE, {"i": {"quoteId": quote["id"]}})["quote"]
    assert sent["status"] == "SENT"
    assert "convertQuoteToOrder" in sent["availableActions"] and "reviseQuote" in sent["availableActions"]
    assert "updateQuote" not in sent["availableActions"] and "sendQuote" not in sent["availableActions"]

    # Negotiation: revise (same number, revision + 1, lines copied), then a discount on the widgets.
    revised = admin.mutate("reviseQuote", REVISE_QUOTE, {"i": {"quoteId": quote["id"]}})
    draft = revised["quote"]
    assert revised["previousRevision"]["id"] == quote["id"] and revised["previousRevision"]["status"] == "SUPERSEDED"
    assert revised["previousRevision"]["availableActions"] == []
    assert (draft["status"], draft["number"], draft["revision"]) == ("DRAFT", quote["number"], 1)
    assert draft["id"] != quote["id"] and draft["previousRevision"]["id"] == quote["id"]
    assert [ln["description"] for ln in draft["lines"]] == ["Widgets", "Setup"]
    assert draft["total"] == quote["total"]

    updated = admin.mutate(
        "updateQuote",
        UPDATE_QUOTE,
        {
            "i": {
                "quoteId": draft["id"],
                "expectedVersion": draft["version"],
                "lines": [
                    line("Widgets", "10", "99.90", discount="7.5", tax="19"),
                    line("Setup", "1", "450", discount="10", tax="19"),
                ],
            }
        },
    )["quote"]
    assert updated["status"] == "DRAFT" and updated["version"] > draft["version"]
    assert_money_fields_are_strings(updated)
    assert (updated["subtotal"], updated["discountTotal"], updated["taxTotal"], updated["total"]) == (
        "1449.00",
        "119.92",
        "252.53",
        "1581.61",
    )  # widgets: net 924.075 → 924.08, tax 175.5752 → 175.58

    resent = admin.mutate("sendQuote", SEND_QUOTE, {"i": {"quoteId": draft["id"]}})["quote"]
    assert resent["status"] == "SENT"

    # Accepting the quote is converting it into an order; the opportunity is won.
    placed = admin.mutate("convertQuoteToOrder", CONVERT_TO_ORDER, {"i": {"quoteId": draft["id"]}})
    order = placed["order"]
    assert placed["quote"]["status"] == "ACCEPTED" and placed["quote"]["availableActions"] == []
    assert placed["opportunity"]["status"] == "WON" and placed["opportunity"]["amount"] == order["total"]
    assert money(placed["opportunity"]["probability"]) == 100
    assert (order["status"], order["invoicingPolicy"], order["currency"]) == ("OPEN", "PER_DELIVERY", "EUR")
    assert order["quote"] == {"id": draft["id"]} and order["opportunity"] == {"id": opportunity["id"]}
    assert_money_fields_are_strings(order)
    assert order["total"] == updated["total"] == "1581.61"
    assert "recordDelivery" in order["availableActions"]
    widgets, setup = order["lines"]
    assert (widgets["quantity"], setup["quantity"]) == ("10", "1")

    # First delivery stage (partial): it brings its own draft invoice.
    first = admin.mutate(
        "recordDelivery",
        RECORD_DELIVERY,
        {
            "i": {
                "orderId": order["id"],
                "lines": [
                    {"orderLineId": widgets["id"], "quantity": "6"},
                    {"orderLineId": setup["id"], "quantity": "1"},
                ],
            }
        },
    )
    assert first["order"]["status"] == "PARTIALLY_DELIVERED"
    assert [(ln["deliveredQuantity"], ln["remainingQuantity"]) for ln in first["order"]["lines"]] == [
        ("6", "4"),
        ("1", "0"),
    ]
    assert sorted((d["orderLine"]["id"], d["quantity"]) for d in first["delivery"]["lines"]) == sorted(
        [(widgets["id"], "6"), (setup["id"], "1")]
    )
    invoice1 = first["invoice"]
    assert invoice1 is not None and invoice1["status"] == "DRAFT" and invoice1["number"] is None
    assert invoice1["order"] == {"id": order["id"]} and invoice1["delivery"] == {"id": first["delivery"]["id"]}
    assert_money_fields_are_strings(invoice1, "amountPaid", "amountDue")
    assert "issueInvoice" in invoice1["availableActions"]

    issued = admin.mutate("issueInvoice", ISSUE_INVOICE, {"i": {"invoiceId": invoice1["id"]}})["invoice"]
    year = date.fromisoformat(issued["issueDate"]).year
    assert issued["status"] == "ISSUED" and issued["number"] == f"INV/{year}/00001"
    assert issued["amountDue"] == issued["total"] == invoice1["total"] and money(issued["amountPaid"]) == 0
    assert "recordPayment" in issued["availableActions"] and "issueInvoice" not in issued["availableActions"]

    paid = admin.mutate(
        "recordPayment",
        RECORD_PAYMENT,
        {"i": {"invoiceId": issued["id"], "amount": issued["total"], "reference": "bank transfer 1"}},
    )
    assert paid["payment"]["amount"] == issued["total"] and paid["payment"]["currency"] == "EUR"
    assert paid["invoice"]["status"] == "PAID"
    assert paid["invoice"]["amountPaid"] == issued["total"] and money(paid["invoice"]["amountDue"]) == 0
    assert paid["invoice"]["availableActions"] == []
    # The invoice's history: every transition, oldest first, with who made it.
    assert [(h["trigger"], h["fromState"], h["toState"]) for h in paid["invoice"]["history"]] == [
        ("create", None, "draft"),
        ("issue", "draft", "issued"),
        ("pay", "issued", "paid"),
    ]
    assert {h["actor"]["name"] for h in paid["invoice"]["history"]} == {"admin"}

    # Second (last) delivery stage, then its invoice.
    second = admin.mutate(
        "recordDelivery",
        RECORD_DELIVERY,
        {"i": {"orderId": order["id"], "lines": [{"orderLineId": widgets["id"], "quantity": "4"}]}},
    )
    assert second["order"]["status"] == "DELIVERED"
    assert [ln["remainingQuantity"] for ln in second["order"]["lines"]] == ["0", "0"]
    invoice2 = second["invoice"]
    assert invoice2 is not None and invoice2["status"] == "DRAFT" and invoice2["id"] != invoice1["id"]

    issued2 = admin.mutate("issueInvoice", ISSUE_INVOICE, {"i": {"invoiceId": invoice2["id"]}})["invoice"]
    assert issued2["status"] == "ISSUED"
    assert issued2["number"] == f"INV/{date.fromisoformat(issued2['issueDate']).year}/00002"

    # Invoiced per stage, cumulatively rounded: the two invoices add up to the order, cent for cent.
    assert money(issued["total"]) + money(issued2["total"]) == money(order["total"])
    for name in ("subtotal", "discountTotal", "taxTotal"):
        assert money(issued[name]) + money(issued2[name]) == money(order[name]), name

    final = admin.run(ORDER_BY_ID, {"id": order["id"]})["node"]
    assert final["status"] == "DELIVERED"
    assert [(ln["deliveredQuantity"], ln["invoicedQuantity"]) for ln in final["lines"]] == [("10", "10"), ("1", "1")]
    assert len(final["deliveries"]) == 2
    assert sorted((i["number"], i["status"]) for i in final["invoices"]) == sorted(
        [(issued["number"], "PAID"), (issued2["number"], "ISSUED")]
    )
    assert [(h["fromState"], h["toState"]) for h in final["history"]] == [
        (None, "open"),
        ("open", "partially_delivered"),
        ("partially_delivered", "delivered"),
    ]
    assert "recordDelivery" not in final["availableActions"]

    accepted = admin.run(QUOTE_BY_ID, {"id": draft["id"]})["node"]
    assert [(h["fromState"], h["toState"]) for h in accepted["history"]] == [
        (None, "draft"),
        ("draft", "sent"),
        ("sent", "accepted"),
    ]
