"""A statement's reversals netted out of its payments, as an accountant's ledger means them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from salesflow.domain.accounting import ExternalPayment
from salesflow.domain.reconciliation import standing, total


def entry(ident: str, amount: str, day: int, *, reverses: str | None = None, reference: str | None = None):
    return ExternalPayment(
        external_id=ident,
        invoice_number="INV/2026/00001",
        amount=Decimal(amount),
        currency="EUR",
        paid_at=date(2026, 12, day),
        reference=reference,
        reverses=reverses,
    )


def test_a_reversing_entry_takes_back_the_latest_payment_of_its_amount_before_it():
    netted = standing(
        [entry("a", "100", 1), entry("b", "100", 5), entry("c", "30", 6), entry("r", "-100", 7, reference="bounced")]
    )
    assert [p.external_id for p in netted.payments] == ["a", "c"]
    assert netted.reasons == {"b": ("bounced", "r")} and netted.excess == []


def test_a_reversal_that_names_its_payment_takes_back_that_one():
    netted = standing([entry("a", "100", 1), entry("b", "100", 5), entry("r", "-100", 7, reverses="a")])
    assert [p.external_id for p in netted.payments] == ["b"]


def test_a_partial_refund_lowers_the_payment_before_it_under_a_new_id():
    netted = standing([entry("a", "100", 1), entry("r", "-30", 7)])
    assert [(p.external_id, p.amount) for p in netted.payments] == [("a-r", Decimal("70"))]
    assert total(netted.payments) == Decimal("70") and "a" in netted.reasons


def test_taking_back_more_than_was_paid_leaves_the_rest_as_excess():
    netted = standing([entry("a", "20", 1), entry("r", "-50", 7)])
    assert netted.payments == [] and [p.amount for p in netted.excess] == [Decimal("-30")]
