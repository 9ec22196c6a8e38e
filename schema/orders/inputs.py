"""What clients send for orders and deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import strawberry

from ...domain.text import MAX_LENGTH
from ..core.filters import CommonFilter
from ..core.inputs import document_id, expected_version, idempotency_key
from ..core.lines import LineInput
from ..core.scalars import Decimal
from .types import InvoicingPolicy, OrderStatus


@strawberry.input(description="Which orders to list.")
class OrderFilter(CommonFilter):
    status: Optional[list[OrderStatus]] = strawberry.field(
        default=None, description="Only orders in one of these states; all states if omitted or empty."
    )
    opportunity_id: Optional[strawberry.ID] = strawberry.field(
        default=None, description="Only the orders of this opportunity (an Opportunity's global id)."
    )
    account_id: Optional[strawberry.ID] = strawberry.field(
        default=None, description="Only the orders of this account (an Account's global id)."
    )


@strawberry.input(
    description="The quote to accept. It must be the latest revision, SENT and not past validUntil; "
    "its opportunity must not be lost."
)
class ConvertQuoteToOrderInput:
    quote_id: strawberry.ID = document_id("quote")
    invoicing_policy: InvoicingPolicy = strawberry.field(
        default=InvoicingPolicy.PER_DELIVERY, description="When the order's deliveries are invoiced."
    )
    expected_version: Optional[int] = expected_version()
    idempotency_key: Optional[str] = idempotency_key()


@strawberry.input(description="An order straight from an opportunity that is not lost, with no quote.")
class CreateOrderInput:
    opportunity_id: strawberry.ID = document_id("opportunity")
    currency: str = strawberry.field(description="ISO 4217 code; must be the opportunity's if it has one.")
    lines: list[LineInput] = strawberry.field(description="Its lines: at least one.")
    invoicing_policy: InvoicingPolicy = strawberry.field(
        default=InvoicingPolicy.PER_DELIVERY, description="When the order's deliveries are invoiced."
    )
    idempotency_key: Optional[str] = idempotency_key()


@strawberry.input(description="How much of one order line a delivery delivers.")
class DeliveryLineInput:
    order_line_id: strawberry.ID = strawberry.field(
        description="The order line (the `id` of one of the order's lines); each line at most once per delivery."
    )
    quantity: Decimal = strawberry.field(
        description="How much: more than 0 and at most its remainingQuantity (else OVER_DELIVERY)."
    )


@strawberry.input(description="One delivery stage of an OPEN or PARTIALLY_DELIVERED order.")
class RecordDeliveryInput:
    order_id: strawberry.ID = document_id("order")
    lines: list[DeliveryLineInput] = strawberry.field(description="What was delivered: at least one line.")
    delivered_at: Optional[datetime] = strawberry.field(
        default=None, description="When it was delivered: an ISO 8601 date-time with a time zone; now if omitted."
    )
    expected_version: Optional[int] = expected_version()
    idempotency_key: Optional[str] = idempotency_key()


@strawberry.input(description="The OPEN order to cancel (nothing of it delivered or invoiced), and why.")
class CancelOrderInput:
    order_id: strawberry.ID = document_id("order")
    reason: Optional[str] = strawberry.field(
        default=None, description=f"Why, up to {MAX_LENGTH['reason']:,} characters; none if omitted."
    )
    expected_version: Optional[int] = expected_version()


@strawberry.input(description="The order whose delivered, not yet invoiced quantities to invoice.")
class ConvertOrderToInvoiceInput:
    order_id: strawberry.ID = document_id("order")
    expected_version: Optional[int] = expected_version()
    idempotency_key: Optional[str] = idempotency_key()
