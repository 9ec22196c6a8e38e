"""Order mutations: from a quote or straight from an opportunity, deliveries, cancel, and invoicing."""
from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import strawberry

from ...statemachine import order as ops
from ..core.errors import UserError
from ..core.inputs import ref_id
from ..core.mutations import mutate
from .inputs import (CancelOrderInput, ConvertOrderToInvoiceInput, ConvertQuoteToOrderInput, CreateOrderInput,
                     RecordDeliveryInput)
from .types import Delivery, Order

if TYPE_CHECKING:
    from ..invoices.types import Invoice
    from ..opportunities.types import Opportunity
    from ..quotes.types import Quote

InvoiceRef = Annotated["Invoice", strawberry.lazy("salesflow.schema.invoices.types")]
OpportunityRef = Annotated["Opportunity", strawberry.lazy("salesflow.schema.opportunities.types")]
QuoteRef = Annotated["Quote", strawberry.lazy("salesflow.schema.quotes.types")]


@strawberry.type
class OrderPayload:
    order: Optional[Order] = None
    errors: list[UserError]


@strawberry.type
class ConvertQuoteToOrderPayload:
    order: Optional[Order] = None
    quote: Optional[QuoteRef] = None
    opportunity: Optional[OpportunityRef] = None
    errors: list[UserError]


@strawberry.type
class RecordDeliveryPayload:
    delivery: Optional[Delivery] = None
    order: Optional[Order] = None
    invoice: Optional[InvoiceRef] = strawberry.field(default=None, description="The invoice this stage created, if any.")
    errors: list[UserError]


@strawberry.type
class InvoicePayload:
    invoice: Optional[InvoiceRef] = None
    errors: list[UserError]


def _order_id(data) -> int:
    return ref_id(data.order_id, "Order", "orderId")


class _DeliveryLine:
    """A delivery line input with its order line id decoded."""

    def __init__(self, raw, index: int):
        self.order_line_id = ref_id(raw.order_line_id, "OrderLine", f"lines.{index}.orderLineId")
        self.quantity = raw.quantity


@strawberry.type
class OrderMutations:
    @strawberry.mutation(description="Accepting a quote is converting it into an order (the seed's third conversion).")
    def convert_quote_to_order(self, info: strawberry.Info, input: ConvertQuoteToOrderInput) -> ConvertQuoteToOrderPayload:
        return mutate(info, [("create", "order")],
                      lambda uow, **kw: ops.convert_quote_to_order(
                          uow, ref_id(input.quote_id, "Quote", "quoteId"),
                          invoicing_policy=input.invoicing_policy.value,
                          expected_version=input.expected_version, **kw),
                      lambda r: {"order": r.order, "quote": r.quote, "opportunity": r.opportunity},
                      ConvertQuoteToOrderPayload, name="convertQuoteToOrder", data=input, key=input.idempotency_key)

    @strawberry.mutation(description="An order straight from an opportunity, with no quote.")
    def create_order(self, info: strawberry.Info, input: CreateOrderInput) -> OrderPayload:
        return mutate(info, [("create", "order")],
                      lambda uow, **kw: ops.create_order(
                          uow, ref_id(input.opportunity_id, "Opportunity", "opportunityId"), input.currency,
                          input.lines, invoicing_policy=input.invoicing_policy.value, **kw),
                      lambda order: {"order": order}, OrderPayload, name="createOrder", data=input,
                      key=input.idempotency_key)

    @strawberry.mutation(description="Record one delivery stage; per-delivery orders get that stage's draft invoice.")
    def record_delivery(self, info: strawberry.Info, input: RecordDeliveryInput) -> RecordDeliveryPayload:
        return mutate(info, [("create", "delivery")],
                      lambda uow, **kw: ops.record_delivery(
                          uow, _order_id(input), [_DeliveryLine(raw, i) for i, raw in enumerate(input.lines)],
                          delivered_at=input.delivered_at, expected_version=input.expected_version, **kw),
                      lambda r: {"delivery": r.delivery, "order": r.order, "invoice": r.invoice},
                      RecordDeliveryPayload, name="recordDelivery", data=input, key=input.idempotency_key)

    @strawberry.mutation
    def cancel_order(self, info: strawberry.Info, input: CancelOrderInput) -> OrderPayload:
        return mutate(info, [("write", "order")],
                      lambda uow, **kw: ops.cancel_order(uow, _order_id(input), input.reason,
                                                         expected_version=input.expected_version, **kw),
                      lambda order: {"order": order}, OrderPayload)

    @strawberry.mutation(description="Invoice what is delivered and not yet invoiced (the seed's fourth conversion).")
    def convert_order_to_invoice(self, info: strawberry.Info, input: ConvertOrderToInvoiceInput) -> InvoicePayload:
        return mutate(info, [("create", "invoice")],
                      lambda uow, **kw: ops.convert_order_to_invoice(uow, _order_id(input),
                                                                     expected_version=input.expected_version, **kw),
                      lambda invoice: {"invoice": invoice}, InvoicePayload, name="convertOrderToInvoice",
                      data=input, key=input.idempotency_key)
