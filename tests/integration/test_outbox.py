"""Accounting hears of exactly what committed: issuing and voiding write an outbox entry in their
own transaction, and a failed issue writes none."""

from __future__ import annotations

from datetime import timedelta

import pytest

from salesflow.domain.accounting import Customer, idempotency_key
from salesflow.domain.errors import DomainError, ErrorCode
from salesflow.domain.parties import Account, Contact
from salesflow.statemachine import invoice as invoices


def _entries(uow):
    with uow:
        return [(e.invoice_id, e.operation) for e in uow.outbox.find(order_by="id")]


def test_issuing_an_invoice_writes_one_push_entry_with_it(story, uow):
    issued = story.issued_invoice()
    assert _entries(uow) == [(issued.id, "push")]


def test_a_draft_writes_nothing_and_a_failed_issue_writes_nothing(story, uow, actor):
    draft = story.deliver(story.order()).invoice
    assert _entries(uow) == []
    with pytest.raises(DomainError) as refused:
        invoices.issue_invoice(uow, draft.id, due_date=draft.created_at.date() - timedelta(days=400), actor=actor)
    assert refused.value.code == ErrorCode.VALIDATION
    assert _entries(uow) == []


def test_voiding_an_issued_invoice_writes_a_void_entry_after_its_push(story, uow, actor):
    issued = story.issued_invoice()
    invoices.void_invoice(uow, issued.id, "wrong customer", actor=actor)
    assert _entries(uow) == [(issued.id, "push"), (issued.id, "void")]


def test_the_idempotency_key_is_the_same_for_every_attempt_and_differs_per_backend_and_operation():
    key = idempotency_key("INV/2026/00001", "odoo", "push")
    assert key == idempotency_key("INV/2026/00001", "odoo", "push")
    assert (
        len(
            {
                key,
                idempotency_key("INV/2026/00001", "beancount", "push"),
                idempotency_key("INV/2026/00001", "odoo", "void"),
                idempotency_key("INV/2026/00002", "odoo", "push"),
            }
        )
        == 4
    )


def test_the_customer_is_the_account_or_else_the_contact():
    account = Account(id=3, name="ACME GmbH", email="ap@acme.example")
    contact = Contact(id=5, name="Ada Lovelace", email="ada@acme.example")
    assert Customer.of(account, contact) == Customer(
        name="ACME GmbH", email="ap@acme.example", phone=None, account_id=3, contact_id=5
    )
    assert Customer.of(None, contact).name == "Ada Lovelace" and Customer.of(None, None).name == "(no customer)"
