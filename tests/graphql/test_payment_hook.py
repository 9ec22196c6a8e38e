"""`POST /hooks/payments`: signed payments from an accounting system, applied once each; bad
signatures, stale timestamps and payments that do not fit are refused and change nothing. The
other way back, `recordPayment` with an integration token and an idempotency key."""

from __future__ import annotations

import time

import orjson
import pytest
from gql import Gateway

from salesflow.adapters.webhook import HEADER, sign

SECRET = "hook-secret-0123456789"
INVOICE = "query($id: ID!) { node(id: $id) { ... on Invoice { status amountPaid amountDue } } }"


@pytest.fixture
def gateway(database_url):
    gw = Gateway(database_url, webhook_secret=SECRET)
    yield gw
    gw.close()


@pytest.fixture
def invoice(sales) -> dict:
    order = sales.order()
    return sales.issue(sales.deliver(order)["invoice"]["id"])  # 1670.76 EUR


def _post(gateway, payment: dict, *, secret=SECRET, timestamp=None, body=None):
    raw = body if body is not None else orjson.dumps(payment)
    return gateway.http.post(
        "/hooks/payments",
        content=raw,
        headers={HEADER: sign(secret, raw, timestamp), "Content-Type": "application/json"},
    )


def _payment(invoice, **fields):
    return {
        "externalId": "pay_1",
        "invoiceNumber": invoice["number"],
        "amount": "400.00",
        "currency": "EUR",
        "paidAt": "2026-12-01",
        "reference": "SEPA 8812",
        **fields,
    }


def _state(admin, invoice):
    return admin.run(INVOICE, {"id": invoice["id"]})["node"]


def test_a_signed_payment_is_applied_once(gateway, admin, invoice):
    assert invoice["total"] == "1670.76"
    first = _post(gateway, _payment(invoice))
    assert first.status_code == 200 and first.json() == {"status": "applied", "externalId": "pay_1"}
    again = _post(gateway, _payment(invoice))
    assert again.status_code == 200 and again.json()["status"] == "duplicate"
    assert _state(admin, invoice) == {"status": "PARTIALLY_PAID", "amountPaid": "400.00", "amountDue": "1270.76"}
    rest = _post(gateway, _payment(invoice, externalId="pay_2", amount="1270.76"))
    assert rest.json()["status"] == "applied" and _state(admin, invoice)["status"] == "PAID"


@pytest.mark.parametrize(
    "how, code",
    [
        ({"secret": "not-our-secret-0000000"}, "BAD_SIGNATURE"),
        ({"timestamp": -301}, "STALE_SIGNATURE"),
        ({"timestamp": +310}, "STALE_SIGNATURE"),
    ],
)
def test_a_bad_or_stale_signature_is_refused_and_changes_nothing(gateway, admin, invoice, how, code):
    if "timestamp" in how:
        how = {"timestamp": int(time.time()) + how["timestamp"]}
    answer = _post(gateway, _payment(invoice), **how)
    assert answer.status_code == 401 and answer.json()["code"] == code
    assert _state(admin, invoice)["amountPaid"] == "0.00"


def test_a_body_changed_after_signing_is_refused(gateway, admin, invoice):
    raw = orjson.dumps(_payment(invoice))
    header = sign(SECRET, raw)
    tampered = raw.replace(b"400.00", b"900.00")
    answer = gateway.http.post("/hooks/payments", content=tampered, headers={HEADER: header})
    assert answer.status_code == 401 and _state(admin, invoice)["amountPaid"] == "0.00"
    unsigned = gateway.http.post("/hooks/payments", content=raw)
    assert unsigned.status_code == 401 and unsigned.json()["code"] == "BAD_SIGNATURE"


@pytest.mark.parametrize(
    "change, status, code, field",
    [
        ({"invoiceNumber": "INV/1999/00042"}, 422, "NOT_FOUND", "invoiceNumber"),
        ({"amount": "1670.77"}, 422, "OVER_PAYMENT", "amount"),
        ({"currency": "USD"}, 422, "CURRENCY_MISMATCH", "currency"),
        ({"amount": "-5"}, 422, "VALIDATION", "amount"),
        ({"amount": 400.0}, 400, "VALIDATION", "amount"),
        ({"amount": "NaN"}, 400, "VALIDATION", "amount"),
        ({"paidAt": "yesterday"}, 400, "VALIDATION", "paidAt"),
        ({"externalId": ""}, 400, "VALIDATION", "externalId"),
        ({"externalId": "x" * 201}, 400, "VALIDATION", "externalId"),
    ],
)
def test_a_payment_that_does_not_fit_gets_a_coded_error_and_changes_nothing(
    gateway, admin, invoice, change, status, code, field
):
    answer = _post(gateway, _payment(invoice, **change))
    body = answer.json()
    assert (answer.status_code, body["code"], body["field"]) == (status, code, field), body
    assert _state(admin, invoice)["amountPaid"] == "0.00"


def test_a_body_that_is_not_a_payment_is_refused(gateway):
    for raw in (b"[1, 2]", b"{not json", b""):
        answer = _post(gateway, {}, body=raw)
        assert answer.status_code == 400 and answer.json()["code"] == "VALIDATION"
    big = b'{"reference": "' + b"x" * 20000 + b'"}'
    assert _post(gateway, {}, body=big).status_code == 413


def test_without_a_secret_there_is_no_hook(database_url):
    gw = Gateway(database_url)
    try:
        assert gw.http.post("/hooks/payments", content=b"{}").status_code == 404
    finally:
        gw.close()


def test_an_integration_token_reports_a_payment_with_record_payment_once(gateway, admin, invoice, as_user, gq):
    receiver = as_user("books-sync", "integration").client
    mutation = gq.RECORD_PAYMENT
    variables = {
        "i": {"invoiceId": invoice["id"], "amount": "100.00", "reference": "bank 1", "idempotencyKey": "books:pay:1"}
    }
    first = receiver.mutate("recordPayment", mutation, variables)
    second = receiver.mutate("recordPayment", mutation, variables)
    assert first["payment"]["id"] == second["payment"]["id"]
    assert _state(admin, invoice)["amountPaid"] == "100.00"


REJECTED = 'query { rejectedPayments(backend: "webhook") { totalCount edges { node { externalId invoiceNumber amount currency code } } } }'


def test_refused_payments_are_listed_for_accountants_and_hidden_from_reps(gateway, invoice, as_user):
    _post(gateway, _payment(invoice, externalId="too-much", amount="9999.00"))
    _post(gateway, _payment(invoice, externalId="too-much", amount="9999.00"))  # the sender retries
    _post(gateway, _payment(invoice, externalId="dollars", currency="USD"))
    listed = as_user("anna", "accountant").client.run(REJECTED)["rejectedPayments"]
    assert listed["totalCount"] == 2
    assert [e["node"] for e in listed["edges"]] == [
        {
            "externalId": "too-much",
            "invoiceNumber": invoice["number"],
            "amount": "9999.00",
            "currency": "EUR",
            "code": "OVER_PAYMENT",
        },
        {
            "externalId": "dollars",
            "invoiceNumber": invoice["number"],
            "amount": "400.00",
            "currency": "USD",
            "code": "CURRENCY_MISMATCH",
        },
    ]
    refused = as_user("reza", "sales_rep").client.post(REJECTED)
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    first = as_user("anna", "accountant").client.run("{ rejectedPayments(first: 1) { edges { node { id } } } }")
    node_id = first["rejectedPayments"]["edges"][0]["node"]["id"]
    by_id = as_user("anna", "accountant").client.run(
        "query($id: ID!) { node(id: $id) { ... on RejectedPayment { externalId code } } }", {"id": node_id}
    )
    assert by_id["node"] == {"externalId": "too-much", "code": "OVER_PAYMENT"}
