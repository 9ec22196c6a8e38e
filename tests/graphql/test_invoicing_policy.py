"""What convertOrderToInvoice may do follows the order's invoicing policy, and availableActions says so."""

from __future__ import annotations

ORDER = "query($id: ID!) { node(id: $id) { ... on Order { status availableActions } } }"
INVOICE = """mutation($i: ConvertOrderToInvoiceInput!) { convertOrderToInvoice(input: $i) {
  invoice { id } errors { code field message } } }"""


def test_an_on_completion_order_is_invoiced_only_by_its_last_delivery(sales, admin, gq):
    order = sales.order(policy="ON_COMPLETION")
    sales.deliver(order, {0: "4"})
    partial = admin.run(ORDER, {"id": order["id"]})["node"]
    assert partial["status"] == "PARTIALLY_DELIVERED" and "convertOrderToInvoice" not in partial["availableActions"]
    refused = admin.run(INVOICE, {"i": {"orderId": order["id"]}})["convertOrderToInvoice"]
    assert refused["invoice"] is None
    assert [(e["code"], e["field"]) for e in refused["errors"]] == [("INVALID_TRANSITION", ["orderId"])]
    last = sales.deliver(order, {0: "6", 1: "1"})
    assert last["invoice"] is not None
    assert "convertOrderToInvoice" not in admin.run(ORDER, {"id": order["id"]})["node"]["availableActions"]


def test_a_manual_order_offers_invoicing_what_is_delivered(sales, admin):
    order = sales.order(policy="MANUAL")
    assert "convertOrderToInvoice" not in order["availableActions"]
    sales.deliver(order, {0: "4"})
    assert "convertOrderToInvoice" in admin.run(ORDER, {"id": order["id"]})["node"]["availableActions"]
    assert sales.invoice(order["id"])["id"]
    assert "convertOrderToInvoice" not in admin.run(ORDER, {"id": order["id"]})["node"]["availableActions"]
