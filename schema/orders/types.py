"""The order: what must now be delivered, in stages, and invoiced."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Optional

import strawberry
from strawberry import relay

from ...domain.order import Delivery as DomainDelivery
from ...domain.order import DeliveryLine as DomainDeliveryLine
from ...domain.order import Order as DomainOrder
from ...domain.order import OrderLine as DomainOrderLine
from ...domain.status import InvoicingPolicy as P
from ...domain.status import OrderStatus as S
from ...statemachine import LIFECYCLES
from ...statemachine.order import POLICIES
from ..core.documents import Document
from ..core.enums import described_enum
from ..core.fields import (
    children_field,
    is_type_of,
    lines_field,
    quantity_field,
    ref_field,
    resolve_nodes_for,
)
from ..core.lines import PricedDocument, PricedLine, line_id
from ..core.printable import Printable
from ..core.scalars import Decimal

if TYPE_CHECKING:
    from ..invoices.types import Invoice
    from ..opportunities.types import Opportunity
    from ..parties.types import Account
    from ..quotes.types import Quote

OrderStatus = described_enum(
    S,
    "OrderStatus",
    "Where an order is: open → partially delivered → delivered, or canceled.",
    LIFECYCLES["order"].meanings,
)
InvoicingPolicy = described_enum(P, "InvoicingPolicy", "When an order's deliveries are invoiced.", POLICIES)
OpportunityRef = Annotated["Opportunity", strawberry.lazy("salesflow.schema.opportunities.types")]
QuoteRef = Annotated["Quote", strawberry.lazy("salesflow.schema.quotes.types")]
AccountRef = Annotated["Account", strawberry.lazy("salesflow.schema.parties.types")]
InvoiceRef = Annotated["Invoice", strawberry.lazy("salesflow.schema.invoices.types")]


@strawberry.type(description="A line of an order: what was ordered, and how much of it is delivered and invoiced.")
class OrderLine(PricedLine):
    id: strawberry.ID = line_id("OrderLine")
    delivered_quantity: Decimal = quantity_field("delivered_quantity", "How much of it is delivered so far.")
    invoiced_quantity: Decimal = quantity_field(
        "invoiced_quantity", "How much of it is on live invoices so far (never more than delivered)."
    )
    remaining_quantity: Decimal = quantity_field(
        "remaining_quantity", "Still to deliver: quantity − deliveredQuantity."
    )

    is_type_of = is_type_of(DomainOrderLine)


@strawberry.type(description="The order line a delivery line delivers (its id, to match with the order's lines).")
class OrderLineRef:
    id: strawberry.ID = line_id("OrderLine")


@strawberry.type(description="How much of one order line one delivery delivered.")
class DeliveryLine:
    id: strawberry.ID = line_id("DeliveryLine")
    quantity: Decimal = quantity_field("quantity", "How much was delivered, without trailing zeros.")

    is_type_of = is_type_of(DomainDeliveryLine)

    @strawberry.field(description="The order line it delivers.")
    def order_line(self) -> OrderLineRef:
        return _LineId(self.order_line_id)


class _LineId:
    __slots__ = ("id",)

    def __init__(self, ident: int):
        self.id = ident


@strawberry.type(description="One delivery stage of an order.")
class Delivery(relay.Node):
    number: str = strawberry.field(description="Its number in the delivery series (DL/2026/00001).")
    delivered_at: datetime = strawberry.field(description="When the goods or services were delivered (ISO 8601, UTC).")
    created_at: datetime = strawberry.field(description="When it was recorded (ISO 8601, UTC).")

    _id_attr = "id"
    resolve_nodes = resolve_nodes_for("deliveries", "delivery")
    is_type_of = is_type_of(DomainDelivery)

    lines: list[DeliveryLine] = lines_field("What it delivered, per order line.", priced=False)
    order: Optional[Order] = ref_field(
        "order_id", "orders", "order", "The order it delivers; null if the viewer may not see it."
    )


@strawberry.type(
    description="What warehouse, service and delivery must do. Invoiced per delivery, on completion or by hand."
)
class Order(Document, PricedDocument, Printable):
    status: OrderStatus = strawberry.field(description="Where it is in its lifecycle.")
    invoicing_policy: InvoicingPolicy = strawberry.field(description="When its deliveries are invoiced.")
    number: str = strawberry.field(description="Its number in the order series (SO/2026/00001).")
    cancel_reason: Optional[str] = strawberry.field(
        description="Why it was canceled, if a reason was given; null otherwise."
    )

    _id_attr = "id"
    resolve_nodes = resolve_nodes_for("orders", "order")
    is_type_of = is_type_of(DomainOrder)

    lines: list[OrderLine] = lines_field("Its lines, in order (`sequence`). Not paged: a document's lines come whole.")

    deliveries: list[Delivery] = children_field(
        "deliveries", "order_id", "delivery", "Its delivery stages, oldest first; at most `first`."
    )

    invoices: list[InvoiceRef] = children_field(
        "invoices",
        "order_id",
        "invoice",
        "Its invoices the viewer may see (drafts, issued, voided …), oldest first; at most "
        "`first` (for more, list `invoices(filter: {orderId})`).",
    )

    opportunity: Optional[OpportunityRef] = ref_field(
        "opportunity_id",
        "opportunities",
        "opportunity",
        "The opportunity it was placed for (which it won); null if the viewer may not see it.",
    )

    quote: Optional[QuoteRef] = ref_field(
        "quote_id",
        "quotes",
        "quote",
        "The quote it was accepted from; null if it was created without one, or if the viewer may not see it.",
    )

    account: Optional[AccountRef] = ref_field(
        "account_id",
        "accounts",
        "account",
        "The customer: its opportunity's account when it was placed; null if none or not readable by the viewer.",
    )
