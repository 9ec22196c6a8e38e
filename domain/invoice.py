"""Invoice: the end of the sales journey; payments come back from accounting."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal

from .base import Difference, Document, Record
from .lines import PricedDocumentMixin, PricedLine
from .money import ZERO
from .status import InvoiceStatus


@dataclass(kw_only=True, eq=False)
class InvoiceLine(PricedLine):
    invoice_id: int | None = None
    order_line_id: int | None = None


@dataclass(kw_only=True, eq=False)
class Invoice(PricedDocumentMixin, Document):
    kind_name = "invoice"
    number: str | None = None
    status: str = InvoiceStatus.DRAFT.value
    order_id: int
    delivery_id: int | None = None
    account_id: int | None = None
    issue_date: date | None = None
    due_date: date | None = None
    amount_paid: Decimal = ZERO
    void_reason: str | None = None
    lines: list[InvoiceLine] = field(default_factory=list)

    amount_due = Difference("total", "amount_paid")  # what is still owed


@dataclass(kw_only=True, eq=False)
class Payment(Record):
    kind_name = "payment"
    invoice_id: int
    amount: Decimal
    currency: str
    paid_at: date
    reference: str | None = None
    recorded_by_id: int | None = None
    source: str | None = None  # the accounting backend it came from; None: recorded in salesflow
    external_id: str | None = None  # its id in that backend: each is applied once
    reversed_at: datetime | None = None  # set once, with its PaymentReversal; a payment is never deleted

    @property
    def reversed(self) -> bool:
        return self.reversed_at is not None


@dataclass(kw_only=True, eq=False)
class PaymentReversal(Record):
    """A payment taken back: who (a user, or the backend that reported it), when, why, which payment.

    The payment stays, marked reversed; the invoice's amount paid no longer counts it."""

    kind_name = "payment_reversal"
    payment_id: int
    invoice_id: int
    amount: Decimal
    reason: str
    reversed_by_id: int | None = None  # the user who reversed it in salesflow
    source: str | None = None  # the backend that reported it (an edit, a deletion, a reversing entry)
    external_id: str | None = None  # the backend's id for the reversal, when it has one
