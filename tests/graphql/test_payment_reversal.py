"""An accountant reverses a payment recorded in salesflow (a bounced transfer); a payment system
reports a reversal or an absurd amount through the signed hook. The payment stays, marked
reversed; the invoice's amount paid drops and its history says why."""

from __future__ import annotations

from decimal import Decimal

import orjson
import pytest
from gql import Gateway

from salesflow.adapters.webhook import HEADER, sign

SECRET = "hook-secret-0123456789"
REVERSE = (
    "mutation($i: ReversePaymentInput!) { reversePayment(input: $i) { payment { id reversed reversedAt "
    "reason amount } invoice { status amountPaid amountDue history { trigger toState reason } } "
    "errors { code field message } } }"
)
INVOICE = (
    "query($id: ID!) { node(id: $id) { ... on Invoice { status amountPaid payments { amount source reversed "
    "reason } } } }"
)


@pytest.fixture
def gateway(database_url):
    gw = Gateway(database_url, webhook_secret=SECRET)
    yield gw
    gw.close()


@pytest.fixture
def invoice(sales) -> dict:
    return sales.issue(sales.deliver(sales.order())["invoice"]["id"])  # 1670.76 EUR


def _post(gateway, event: dict):
    raw = orjson.dumps(event)
    return gateway.http.post(
        "/hooks/payments", content=raw, headers={HEADER: sign(SECRET, raw), "Content-Type": "application/json"}
    )


def test_an_accountant_reverses_a_bounced_payment_and_the_history_says_why(sales, invoice, as_user):
    payment = sales.pay(invoice["id"], "1670.76")["payment"]
    accountant = as_user("anna", "accountant").client
    payload = accountant.mutate(
        "reversePayment", REVERSE, {"i": {"paymentId": payment["id"], "reason": "transfer bounced"}}
    )
    assert payload["payment"]["reversed"] is True and payload["payment"]["reason"] == "transfer bounced"
    assert payload["payment"]["reversedAt"]
    got = payload["invoice"]
    assert (got["status"], got["amountPaid"], got["amountDue"]) == ("ISSUED", "0.00", "1670.76")
    last = got["history"][-1]
    assert (last["trigger"], last["toState"]) == ("reverse_payment", "issued") and "transfer bounced" in last["reason"]


def test_a_payment_is_reversed_once(sales, invoice, as_user):
    sales.pay(invoice["id"], "100.00")
    payment = sales.pay(invoice["id"], "200.00")["payment"]
    accountant = as_user("anna", "accountant").client
    first = accountant.mutate("reversePayment", REVERSE, {"i": {"paymentId": payment["id"], "reason": "typo"}})
    assert (first["invoice"]["status"], first["invoice"]["amountPaid"]) == ("PARTIALLY_PAID", "100.00")
    again = accountant.run(REVERSE, {"i": {"paymentId": payment["id"], "reason": "typo"}})["reversePayment"]
    assert [e["code"] for e in again["errors"]] == ["INVALID_TRANSITION"] and again["invoice"] is None


def test_a_reason_is_required(sales, invoice, as_user):
    payment = sales.pay(invoice["id"], "100.00")["payment"]
    answer = as_user("anna", "accountant").client.run(REVERSE, {"i": {"paymentId": payment["id"], "reason": " "}})
    assert [(e["code"], e["field"]) for e in answer["reversePayment"]["errors"]] == [("VALIDATION", ["reason"])]


@pytest.mark.parametrize("role", ["sales_manager", "sales_rep", "integration"])
def test_only_accountants_and_admins_reverse_payments(sales, invoice, as_user, role):
    payment = sales.pay(invoice["id"], "100.00")["payment"]
    body = as_user("someone", role).client.post(REVERSE, {"i": {"paymentId": payment["id"], "reason": "no"}})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"


def test_a_payment_a_backend_reported_is_reversed_there_not_here(gateway, invoice, as_user, admin):
    event = {
        "externalId": "pay_1",
        "invoiceNumber": invoice["number"],
        "amount": "400.00",
        "currency": "EUR",
        "paidAt": "2026-12-01",
    }
    assert _post(gateway, event).json()["status"] == "applied"
    (payment,) = [
        p
        for p in admin.run("{ invoices { edges { node { payments { id } } } } }")["invoices"]["edges"][0]["node"][
            "payments"
        ]
    ]
    answer = as_user("anna", "accountant").client.run(REVERSE, {"i": {"paymentId": payment["id"], "reason": "no"}})
    assert [(e["code"], e["field"]) for e in answer["reversePayment"]["errors"]] == [("VALIDATION", ["paymentId"])]


def test_a_reversal_reported_through_the_hook_takes_the_payment_back_once(gateway, invoice, admin):
    paid = {
        "externalId": "pay_1",
        "invoiceNumber": invoice["number"],
        "amount": "400.00",
        "currency": "EUR",
        "paidAt": "2026-12-01",
    }
    _post(gateway, paid)
    reversal = {
        "type": "payment.reversed",
        "externalId": "rev_1",
        "paymentId": "pay_1",
        "reason": "chargeback",
        "reversedAt": "2026-12-09",
    }
    assert _post(gateway, reversal).json()["status"] == "reversed"
    assert _post(gateway, reversal).json()["status"] == "duplicate"
    assert _post(gateway, paid).json()["status"] == "duplicate", "a repeat of the reversed payment is not applied"
    state = admin.run(INVOICE, {"id": invoice["id"]})["node"]
    assert (state["status"], state["amountPaid"]) == ("ISSUED", "0.00")
    assert state["payments"] == [{"amount": "400.00", "source": "webhook", "reversed": True, "reason": "chargeback"}]
    unknown = _post(gateway, {**reversal, "externalId": "rev_2", "paymentId": "pay_404"})
    assert (unknown.status_code, unknown.json()["code"]) == (422, "NOT_FOUND")


@pytest.mark.parametrize("amount", ["1e20", "100000000000000000000.00", "0.00001"])
def test_a_payment_no_amount_can_be_is_refused_kept_and_listed(gateway, invoice, admin, amount):
    event = {
        "externalId": "pay_big",
        "invoiceNumber": invoice["number"],
        "amount": amount,
        "currency": "EUR",
        "paidAt": "2026-12-01",
    }
    answer = _post(gateway, event)
    assert (answer.status_code, answer.json()["code"], answer.json()["field"]) == (422, "VALIDATION", "amount")
    listed = admin.run("{ rejectedPayments { edges { node { externalId code amount reportedAmount } } } }")
    assert [e["node"] for e in listed["rejectedPayments"]["edges"]] == [
        {"externalId": "pay_big", "code": "VALIDATION", "amount": None, "reportedAmount": str(Decimal(amount))}
    ]
