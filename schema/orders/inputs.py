"""What clients send for orders and deliveries."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

import strawberry

from ..core.filters import CommonFilter
from ..core.lines import LineInput
from ..core.scalars import Decimal
from .types import InvoicingPolicy, OrderStatus


@strawberry.input
class OrderFilter(CommonFilter):
    status: Optional[list[OrderStatus]] = None
    opportunity_id: Optional[strawberry.ID] = None
    account_id: Optional[strawberry.ID] = None


@strawberry.input
class ConvertQuoteToOrderInput:
    quote_id: strawberry.ID
    invoicing_policy: InvoicingPolicy = InvoicingPolicy.PER_DELIVERY
    expected_version: Optional[int] = None
    idempotency_key: Optional[str] = None


@strawberry.input
class CreateOrderInput:
    opportunity_id: strawberry.ID
    currency: str
    lines: list[LineInput]
    invoicing_policy: InvoicingPolicy = InvoicingPolicy.PER_DELIVERY
    idempotency_key: Optional[str] = None


@strawberry.input
class DeliveryLineInput:
    order_line_id: strawberry.ID
    quantity: Decimal


@strawberry.input
class RecordDeliveryInput:
    order_id: strawberry.ID
    lines: list[DeliveryLineInput]
    delivered_at: Optional[datetime] = None
    expected_version: Optional[int] = None
    idempotency_key: Optional[str] = None


@strawberry.input
class CancelOrderInput:
    order_id: strawberry.ID
    reason: Optional[str] = None
    expected_version: Optional[int] = None


@strawberry.input
class ConvertOrderToInvoiceInput:
    order_id: strawberry.ID
    expected_version: Optional[int] = None
    idempotency_key: Optional[str] = None
