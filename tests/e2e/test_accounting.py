"""`salesflow serve --sync --accounting webhook`, over real HTTP: an issued invoice reaches a real
webhook receiver by the worker inside serve, and the receiver's signed payment comes back."""

from __future__ import annotations

import time

import orjson
import pytest

from salesflow.adapters.webhook import HEADER, sign
from salesflow.adapters.webhook.receiver import Receiver

SECRET = "e2e-webhook-secret-0123"
OPPORTUNITY = (
    'mutation { createOpportunity(input: {title: "Desks", currency: "EUR"}) { opportunity { id } errors { code } } }'
)
ORDER = """mutation($i: CreateOrderInput!) { createOrder(input: $i) { order { id lines { id } } errors { code } } }"""
DELIVER = """mutation($i: RecordDeliveryInput!) { recordDelivery(input: $i) { invoice { id } errors { code } } }"""
ISSUE = (
    """mutation($i: IssueInvoiceInput!) { issueInvoice(input: $i) { invoice { id number total } errors { code } } }"""
)
STATE = (
    """query($id: ID!) { node(id: $id) { ... on Invoice { status amountPaid sync { backend status externalRef } } } }"""
)


@pytest.fixture(scope="module")
def receiver(backend):
    """One per server: each database numbers its invoices from 00001."""
    with Receiver(SECRET) as r:
        yield r


@pytest.fixture(scope="module")
def server(serve_with, receiver):
    env = {"SALESFLOW_WEBHOOK_URL": receiver.url, "SALESFLOW_WEBHOOK_SECRET": SECRET, "SALESFLOW_SYNC_INTERVAL": "0.2"}
    with serve_with(args=("--sync", "--accounting", "webhook"), env=env) as srv:
        yield srv


def _issue(admin) -> dict:
    opp = admin.mutate("createOpportunity", OPPORTUNITY)["opportunity"]["id"]
    order = admin.mutate(
        "createOrder",
        ORDER,
        {
            "i": {
                "opportunityId": opp,
                "currency": "EUR",
                "lines": [{"description": "Desk", "quantity": "2", "unitPrice": "300.00", "taxRate": "21"}],
            }
        },
    )["order"]
    invoice = admin.mutate(
        "recordDelivery",
        DELIVER,
        {"i": {"orderId": order["id"], "lines": [{"orderLineId": order["lines"][0]["id"], "quantity": "2"}]}},
    )["invoice"]
    return admin.mutate("issueInvoice", ISSUE, {"i": {"invoiceId": invoice["id"]}})["invoice"]


def _wait(check, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.1)
    raise AssertionError("not within the time")


def test_serve_delivers_issued_invoices_and_takes_signed_payments_back(server, admin, receiver):
    invoice = _issue(admin)
    assert invoice["total"] == "726.00"
    _wait(lambda: receiver.count("invoice.issued", invoice["number"]) == 1)
    _wait(lambda: [s["status"] for s in admin.run(STATE, {"id": invoice["id"]})["node"]["sync"]] == ["DONE"])
    node = admin.run(STATE, {"id": invoice["id"]})["node"]
    assert node["sync"] == [{"backend": "webhook", "status": "DONE", "externalRef": f"rcv:{invoice['number']}"}]

    body = orjson.dumps(
        {
            "externalId": "bank-77",
            "invoiceNumber": invoice["number"],
            "amount": "726.00",
            "currency": "EUR",
            "paidAt": "2026-12-01",
        }
    )
    stale = server.http.post(
        "/hooks/payments", content=body, headers={HEADER: sign(SECRET, body, int(time.time()) - 900)}
    )
    assert stale.status_code == 401 and stale.json()["code"] == "STALE_SIGNATURE"
    for _ in range(2):  # the receiver retries; the payment applies once
        answer = server.http.post("/hooks/payments", content=body, headers={HEADER: sign(SECRET, body)})
        assert answer.status_code == 200
    assert admin.run(STATE, {"id": invoice["id"]})["node"]["amountPaid"] == "726.00"
    assert receiver.rejected == [] and receiver.count("invoice.issued", invoice["number"]) == 1
