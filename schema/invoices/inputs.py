"""What clients send for invoices and payments."""
from __future__ import annotations

from datetime import date
from typing import Optional

import strawberry

from ..core.filters import CommonFilter
from ..core.scalars import Decimal
from .types import InvoiceStatus


@strawberry.input
class InvoiceFilter(CommonFilter):
    status: Optional[list[InvoiceStatus]] = None
    order_id: Optional[strawberry.ID] = None
    account_id: Optional[strawberry.ID] = None


@strawberry.input
class IssueInvoiceInput:
    invoice_id: strawberry.ID
    due_date: Optional[date] = None
    expected_version: Optional[int] = None


@strawberry.input
class VoidInvoiceInput:
    invoice_id: strawberry.ID
    reason: str
    expected_version: Optional[int] = None


@strawberry.input
class RecordPaymentInput:
    invoice_id: strawberry.ID
    amount: Decimal
    paid_at: Optional[date] = None
    reference: Optional[str] = None
    currency: Optional[str] = strawberry.field(default=None, description="Must be the invoice's, if given.")
    expected_version: Optional[int] = None
    idempotency_key: Optional[str] = None


@strawberry.input
class RetryInvoiceSyncInput:
    invoice_id: strawberry.ID
    backend: Optional[str] = strawberry.field(default=None, description="One backend, or every dead one if omitted.")


@strawberry.input(description="Which payment to reverse, and why.")
class ReversePaymentInput:
    payment_id: strawberry.ID = strawberry.field(description="The payment recorded in salesflow to reverse "
                                                             "(one an accounting backend reported is reversed "
                                                             "there, and comes back reversed).")
    reason: str = strawberry.field(description="Why it is reversed (a bounced transfer, a mistake); kept on the "
                                               "reversal and in the invoice's history.")
    expected_version: Optional[int] = strawberry.field(default=None, description="The invoice's version you read: "
                                                       "CONFLICT if it changed since.")
