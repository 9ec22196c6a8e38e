"""What clients send for invoices and payments."""

from __future__ import annotations

from datetime import date
from typing import Optional

import strawberry

from ...domain.text import MAX_LENGTH
from ...statemachine.invoice import PAYMENT_TERM_DAYS
from ..core.filters import CommonFilter
from ..core.inputs import document_id, expected_version, idempotency_key
from ..core.mail import MailFields
from ..core.scalars import Decimal
from .types import InvoiceStatus


@strawberry.input(description="Which invoices to list.")
class InvoiceFilter(CommonFilter):
    status: Optional[list[InvoiceStatus]] = strawberry.field(
        default=None, description="Only invoices in one of these states; all states if omitted or empty."
    )
    order_id: Optional[strawberry.ID] = strawberry.field(
        default=None, description="Only the invoices of this order (an Order's global id)."
    )
    account_id: Optional[strawberry.ID] = strawberry.field(
        default=None, description="Only the invoices of this account (an Account's global id)."
    )


@strawberry.input(description="The DRAFT invoice to issue.")
class IssueInvoiceInput(MailFields):
    invoice_id: strawberry.ID = document_id("invoice")
    due_date: Optional[date] = strawberry.field(
        default=None,
        description=f"When payment is due (ISO 8601 date), not before today; {PAYMENT_TERM_DAYS} days "
        f"from today if omitted.",
    )
    expected_version: Optional[int] = expected_version()


@strawberry.input(description="The ISSUED invoice to void (it must have no payments), and why.")
class VoidInvoiceInput:
    invoice_id: strawberry.ID = document_id("invoice")
    reason: str = strawberry.field(description=f"Why, up to {MAX_LENGTH['reason']:,} characters (required, not blank).")
    expected_version: Optional[int] = expected_version()


@strawberry.input(description="A payment received against an ISSUED or PARTIALLY_PAID invoice.")
class RecordPaymentInput:
    invoice_id: strawberry.ID = document_id("invoice")
    amount: Decimal = strawberry.field(
        description="How much: more than 0, at most the invoice's amountDue (else "
        "OVER_PAYMENT), with at most the currency's decimals."
    )
    paid_at: Optional[date] = strawberry.field(
        default=None, description="The day it was paid (ISO 8601 date); today if omitted."
    )
    reference: Optional[str] = strawberry.field(
        default=None, description=f"The payer's or the bank's reference, up to {MAX_LENGTH['reference']} characters."
    )
    currency: Optional[str] = strawberry.field(
        default=None, description="ISO 4217 code; if given it must be the invoice's (else CURRENCY_MISMATCH)."
    )
    expected_version: Optional[int] = expected_version()
    idempotency_key: Optional[str] = idempotency_key()


@strawberry.input(description="The invoice whose dead-lettered accounting deliveries to queue again.")
class RetryInvoiceSyncInput:
    invoice_id: strawberry.ID = document_id("invoice")
    backend: Optional[str] = strawberry.field(
        default=None, description="Only this backend's (by name); every dead one of the invoice if omitted."
    )


@strawberry.input(description="Which payment to reverse, and why.")
class ReversePaymentInput:
    payment_id: strawberry.ID = strawberry.field(
        description="The global id of the payment recorded in salesflow to "
        "reverse (one an accounting backend reported is reversed "
        "there, and comes back reversed)."
    )
    reason: str = strawberry.field(
        description=f"Why it is reversed (a bounced transfer, a mistake), up to "
        f"{MAX_LENGTH['reason']:,} characters; kept on the reversal and in the "
        f"invoice's history."
    )
    expected_version: Optional[int] = expected_version()
