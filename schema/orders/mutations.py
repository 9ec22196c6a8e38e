"""Order mutations: from a quote or straight from an opportunity, deliveries, cancel, and invoicing."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import strawberry

from ...statemachine import order as ops
from ..core.errors import UserError
from ..core.inputs import ref_id
from ..core.mutations import Input, errors_field, mutate, mutation, payload_type
from .inputs import (
    CancelOrderInput,
    ConvertOrderToInvoiceInput,
    ConvertQuoteToOrderInput,
    CreateOrderInput,
    RecordDeliveryInput,
)
from .types import Delivery, Order

if TYPE_CHECKING:
    from ..invoices.types import Invoice
    from ..opportunities.types import Opportunity
    from ..quotes.types import Quote

InvoiceRef = Annotated["Invoice", strawberry.lazy("salesflow.schema.invoices.types")]
OpportunityRef = Annotated["Opportunity", strawberry.lazy("salesflow.schema.opportunities.types")]
QuoteRef = Annotated["Quote", strawberry.lazy("salesflow.schema.quotes.types")]


@strawberry.type
class OrderResult:
    """What a mutation of one order answers (each mutation has its own payload type from it)."""

    order: Optional[Order] = strawberry.field(
        default=None, description="The order as it is now; null if the mutation did not happen."
    )
    errors: list[UserError] = errors_field()


@strawberry.type
class InvoiceResult:
    """What a mutation of one invoice answers (each mutation has its own payload type from it)."""

    invoice: Optional[InvoiceRef] = strawberry.field(
        default=None, description="The invoice as it is now; null if the mutation did not happen."
    )
    errors: list[UserError] = errors_field()


CreateOrderPayload = payload_type(
    "CreateOrderPayload", OrderResult, "What createOrder answers: the new OPEN order (its opportunity is won)."
)
CancelOrderPayload = payload_type(
    "CancelOrderPayload", OrderResult, "What cancelOrder answers: the order, now CANCELED."
)
ConvertOrderToInvoicePayload = payload_type(
    "ConvertOrderToInvoicePayload", InvoiceResult, "What convertOrderToInvoice answers: the new DRAFT invoice."
)


@strawberry.type(
    description="What convertQuoteToOrder answers: the new order, the accepted quote and the won opportunity."
)
class ConvertQuoteToOrderPayload:
    order: Optional[Order] = strawberry.field(
        default=None, description="The new OPEN order, with the quote's lines; null if the mutation did not happen."
    )
    quote: Optional[QuoteRef] = strawberry.field(
        default=None, description="The quote, now ACCEPTED; null if the mutation did not happen."
    )
    opportunity: Optional[OpportunityRef] = strawberry.field(
        default=None,
        description="Its opportunity, now WON and worth its live orders; null if the mutation did not happen.",
    )
    errors: list[UserError] = errors_field()


@strawberry.type(
    description="What recordDelivery answers: the delivery, the order it moved on, and the invoice it created, if any."
)
class RecordDeliveryPayload:
    delivery: Optional[Delivery] = strawberry.field(
        default=None, description="The new delivery; null if the mutation did not happen."
    )
    order: Optional[Order] = strawberry.field(
        default=None,
        description="The order, now PARTIALLY_DELIVERED or DELIVERED; null if the mutation did not happen.",
    )
    invoice: Optional[InvoiceRef] = strawberry.field(
        default=None,
        description="The draft invoice this stage created (PER_DELIVERY, or ON_COMPLETION when it "
        "completed the order); null if none.",
    )
    errors: list[UserError] = errors_field()


def _order_id(data) -> int:
    return ref_id(data.order_id, "Order", "orderId")


class _DeliveryLine:
    """A delivery line input with its order line id decoded."""

    def __init__(self, raw, index: int):
        self.order_line_id = ref_id(raw.order_line_id, "OrderLine", f"lines.{index}.orderLineId")
        self.quantity = raw.quantity


@strawberry.type
class OrderMutations:
    @mutation(
        "The seed's third conversion: accepting a SENT quote (the latest revision, still valid) is converting "
        "it into an OPEN order; the quote becomes ACCEPTED and its opportunity WON. Two clients accepting "
        "the same quote at once get one order and one ALREADY_CONVERTED.",
        ("create", "order"),
    )
    def convert_quote_to_order(
        self, info: strawberry.Info, input: Input[ConvertQuoteToOrderInput]
    ) -> ConvertQuoteToOrderPayload:
        return mutate(
            info,
            (),
            lambda uow, **kw: ops.convert_quote_to_order(
                uow,
                ref_id(input.quote_id, "Quote", "quoteId"),
                invoicing_policy=input.invoicing_policy.value,
                expected_version=input.expected_version,
                **kw,
            ),
            lambda r: {"order": r.order, "quote": r.quote, "opportunity": r.opportunity},
            ConvertQuoteToOrderPayload,
            name="convertQuoteToOrder",
            data=input,
            key=input.idempotency_key,
        )

    @mutation(
        "An OPEN order straight from an opportunity, with no quote; the opportunity becomes WON.", ("create", "order")
    )
    def create_order(self, info: strawberry.Info, input: Input[CreateOrderInput]) -> CreateOrderPayload:
        return mutate(
            info,
            (),
            lambda uow, **kw: ops.create_order(
                uow,
                ref_id(input.opportunity_id, "Opportunity", "opportunityId"),
                input.currency,
                input.lines,
                invoicing_policy=input.invoicing_policy.value,
                **kw,
            ),
            lambda order: {"order": order},
            CreateOrderPayload,
            name="createOrder",
            data=input,
            key=input.idempotency_key,
        )

    @mutation(
        "Record one delivery stage (never more than remains on a line): the order becomes PARTIALLY_DELIVERED "
        "or DELIVERED, and a PER_DELIVERY order gets that stage's draft invoice.",
        ("create", "delivery"),
    )
    def record_delivery(self, info: strawberry.Info, input: Input[RecordDeliveryInput]) -> RecordDeliveryPayload:
        return mutate(
            info,
            (),
            lambda uow, **kw: ops.record_delivery(
                uow,
                _order_id(input),
                [_DeliveryLine(raw, i) for i, raw in enumerate(input.lines)],
                delivered_at=input.delivered_at,
                expected_version=input.expected_version,
                **kw,
            ),
            lambda r: {"delivery": r.delivery, "order": r.order, "invoice": r.invoice},
            RecordDeliveryPayload,
            name="recordDelivery",
            data=input,
            key=input.idempotency_key,
        )

    @mutation(
        "OPEN → CANCELED while nothing is delivered or invoiced; its draft invoices are canceled too.",
        ("write", "order"),
    )
    def cancel_order(self, info: strawberry.Info, input: Input[CancelOrderInput]) -> CancelOrderPayload:
        return mutate(
            info,
            (),
            lambda uow, **kw: ops.cancel_order(
                uow, _order_id(input), input.reason, expected_version=input.expected_version, **kw
            ),
            lambda order: {"order": order},
            CancelOrderPayload,
        )

    @mutation(
        "The seed's fourth conversion: a DRAFT invoice for what is delivered and not yet invoiced "
        "(NOTHING_TO_INVOICE if there is none), partial lines rounded cumulatively.",
        ("create", "invoice"),
    )
    def convert_order_to_invoice(
        self, info: strawberry.Info, input: Input[ConvertOrderToInvoiceInput]
    ) -> ConvertOrderToInvoicePayload:
        return mutate(
            info,
            (),
            lambda uow, **kw: ops.convert_order_to_invoice(
                uow, _order_id(input), expected_version=input.expected_version, **kw
            ),
            lambda invoice: {"invoice": invoice},
            ConvertOrderToInvoicePayload,
            name="convertOrderToInvoice",
            data=input,
            key=input.idempotency_key,
        )
