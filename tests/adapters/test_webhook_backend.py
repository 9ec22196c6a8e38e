"""The `webhook` backend against a real HTTP receiver: conformance, signatures, and its answers."""

from __future__ import annotations

import json
from contextlib import contextmanager

import httpx
import pytest

from salesflow.adapters.testing import CUSTOMER, BackendConformance, sample_invoice
from salesflow.adapters.webhook import HEADER, SignatureError, WebhookBackend, sign, verify
from salesflow.adapters.webhook.receiver import Receiver
from salesflow.domain.accounting import BackendError, idempotency_key
from salesflow.domain.errors import DomainError

SECRET = "whsec_0123456789abcdef"


@pytest.fixture
def receiver():
    with Receiver(SECRET) as r:
        yield r


class TestWebhookBackend(BackendConformance):
    @pytest.fixture
    def backend(self, receiver):
        self.receiver = receiver
        return WebhookBackend(receiver.url, SECRET, timeout=2)

    def recorded(self, backend, number):
        return self.receiver.count("invoice.issued", number)

    def voided(self, backend, number):
        return self.receiver.count("invoice.voided", number) == 1

    @contextmanager
    def outage(self, backend):
        self.receiver.down()
        try:
            yield
        finally:
            self.receiver.up()

    @contextmanager
    def lost_answer(self, backend):
        self.receiver.lose_next_answer()
        yield


def _push(backend, invoice):
    return backend.push_invoice(invoice, CUSTOMER, idempotency_key=idempotency_key(invoice.number, "webhook", "push"))


def test_the_event_is_signed_over_the_raw_body_and_carries_exact_amounts(receiver):
    invoice = sample_invoice()
    assert _push(WebhookBackend(receiver.url, SECRET), invoice) == f"rcv:{invoice.number}"
    (event,) = receiver.processed.values()
    assert event["type"] == "invoice.issued" and event["id"] == f"salesflow:webhook:push:{invoice.number}"
    assert event["data"]["invoice"]["total"] == "1074.30" and event["data"]["invoice"]["taxTotal"] == "181.80"
    assert [line["taxRate"] for line in event["data"]["invoice"]["lines"]] == ["21", "6"]
    assert event["data"]["customer"]["name"] == CUSTOMER.name and receiver.rejected == []


def test_a_receiver_with_another_secret_refuses_it_and_that_is_permanent(receiver):
    backend = WebhookBackend(receiver.url, "not-the-same-secret-at-all")
    with pytest.raises(BackendError) as caught:
        _push(backend, sample_invoice())
    assert "401" in str(caught.value) and not caught.value.transient
    assert receiver.rejected == ["BAD_SIGNATURE"] and receiver.processed == {}


def test_a_stale_timestamp_is_refused(receiver):
    backend = WebhookBackend(receiver.url, SECRET, clock=lambda: 1_000_000_000)
    with pytest.raises(BackendError):
        _push(backend, sample_invoice())
    assert receiver.rejected == ["STALE_SIGNATURE"]


@pytest.mark.parametrize(
    "status, transient", [(500, True), (503, True), (429, True), (408, True), (400, False), (404, False), (422, False)]
)
def test_answers_are_retried_or_dead_lettered_by_status(receiver, status, transient):
    receiver.fail_next(1, status)
    with pytest.raises(BackendError) as caught:
        _push(WebhookBackend(receiver.url, SECRET), sample_invoice())
    assert caught.value.transient is transient and str(status) in str(caught.value)


def test_a_slow_receiver_is_a_transient_timeout(receiver):
    receiver.delay = 0.5
    with pytest.raises(BackendError) as caught:
        _push(WebhookBackend(receiver.url, SECRET, timeout=0.1), sample_invoice())
    assert caught.value.transient and "timed out" in str(caught.value)


def test_the_settings_name_what_is_missing():
    with pytest.raises(DomainError) as caught:
        WebhookBackend.from_settings({"SALESFLOW_WEBHOOK_URL": "http://x"})
    assert caught.value.field == ("SALESFLOW_WEBHOOK_SECRET",)
    with pytest.raises(DomainError):
        WebhookBackend.from_settings({"SALESFLOW_WEBHOOK_URL": "ftp://x", "SALESFLOW_WEBHOOK_SECRET": SECRET})
    with pytest.raises(DomainError):
        WebhookBackend("http://x", "short")


def test_signatures_verify_only_for_the_same_body_secret_and_time():
    body = json.dumps({"a": 1}).encode()
    header = sign(SECRET, body, 1_800_000_000)
    assert verify(SECRET, body, header, now=1_800_000_100) == 1_800_000_000
    bad = [
        (SECRET, body + b" ", header, "BAD_SIGNATURE"),
        ("other-secret-0000000", body, header, "BAD_SIGNATURE"),
        (SECRET, body, header.replace("t=1800000000", "t=1800000001"), "BAD_SIGNATURE"),
        (SECRET, body, None, "BAD_SIGNATURE"),
        (SECRET, body, "v1=abc", "BAD_SIGNATURE"),
        (SECRET, body, "t=1800000000,v1=", "BAD_SIGNATURE"),
    ]
    for secret, raw, hdr, code in bad:
        with pytest.raises(SignatureError) as caught:
            verify(secret, raw, hdr, now=1_800_000_000)
        assert caught.value.code == code
    with pytest.raises(SignatureError) as caught:
        verify(SECRET, body, header, now=1_800_000_000 + 301)
    assert caught.value.code == "STALE_SIGNATURE"
    rotated = f"{header},v1={'0' * 64}"
    assert verify(SECRET, body, rotated, now=1_800_000_000)


def test_an_unsigned_post_to_the_receiver_is_refused(receiver):
    answer = httpx.post(receiver.url, content=b'{"id": "x"}', headers={HEADER: "t=1,v1=00"})
    assert answer.status_code == 401 and receiver.processed == {}
