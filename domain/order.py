"""Order: what warehouse, service and delivery must now do; delivered in stages."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from .base import Difference, Document, Entity, Record
from .lines import PricedDocumentMixin, PricedLine
from .money import ZERO
from .status import InvoicingPolicy, OrderStatus


@dataclass(kw_only=True, eq=False)
class OrderLine(PricedLine):
    order_id: int | None = None
    delivered_quantity: Decimal = ZERO
    invoiced_quantity: Decimal = ZERO

    remaining_quantity = Difference("quantity", "delivered_quantity")  # still to deliver

    @property
    def invoiceable_quantity(self) -> Decimal:
        return self.delivered_quantity - self.invoiced_quantity


@dataclass(kw_only=True, eq=False)
class Order(PricedDocumentMixin, Document):
    kind_name = "order"
    number: str
    status: str = OrderStatus.OPEN.value
    invoicing_policy: str = InvoicingPolicy.PER_DELIVERY.value
    opportunity_id: int
    quote_id: int | None = None
    account_id: int | None = None
    cancel_reason: str | None = None
    lines: list[OrderLine] = field(default_factory=list)

    def line(self, line_id: int) -> OrderLine | None:
        return next((ln for ln in self.lines if ln.id == line_id), None)

    @property
    def fully_delivered(self) -> bool:
        return all(ln.delivered_quantity >= ln.quantity for ln in self.lines)

    @property
    def anything_delivered(self) -> bool:
        return any(ln.delivered_quantity > 0 for ln in self.lines)

    @property
    def anything_invoiced(self) -> bool:
        return any(ln.invoiced_quantity > 0 for ln in self.lines)


@dataclass(kw_only=True, eq=False)
class DeliveryLine(Entity):
    delivery_id: int | None = None
    order_line_id: int
    quantity: Decimal


@dataclass(kw_only=True, eq=False)
class Delivery(Record):
    kind_name = "delivery"
    number: str
    order_id: int
    delivered_at: datetime
    created_by_id: int | None = None
    lines: list[DeliveryLine] = field(default_factory=list)
