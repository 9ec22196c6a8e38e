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
from ..core.documents import Document
from ..core.fields import children, is_type_of, quantity_field, ref, resolve_nodes_for, with_currency
from ..core.lines import PricedDocument, PricedLine, line_id
from ..core.scalars import Decimal

if TYPE_CHECKING:
    from ..invoices.types import Invoice
    from ..opportunities.types import Opportunity
    from ..parties.types import Account
    from ..quotes.types import Quote

OrderStatus = strawberry.enum(S, name="OrderStatus")
InvoicingPolicy = strawberry.enum(P, name="InvoicingPolicy")
OpportunityRef = Annotated["Opportunity", strawberry.lazy("salesflow.schema.opportunities.types")]
QuoteRef = Annotated["Quote", strawberry.lazy("salesflow.schema.quotes.types")]
AccountRef = Annotated["Account", strawberry.lazy("salesflow.schema.parties.types")]
InvoiceRef = Annotated["Invoice", strawberry.lazy("salesflow.schema.invoices.types")]


@strawberry.type
class OrderLine(PricedLine):
    id: strawberry.ID = line_id("OrderLine")
    delivered_quantity: Decimal = quantity_field("delivered_quantity")
    invoiced_quantity: Decimal = quantity_field("invoiced_quantity")
    remaining_quantity: Decimal = quantity_field("remaining_quantity", "Still to deliver.")

    is_type_of = is_type_of(DomainOrderLine)


@strawberry.type
class OrderLineRef:
    id: strawberry.ID = line_id("OrderLine")


@strawberry.type
class DeliveryLine:
    id: strawberry.ID = line_id("DeliveryLine")
    quantity: Decimal = quantity_field("quantity")

    is_type_of = is_type_of(DomainDeliveryLine)

    @strawberry.field
    def order_line(self) -> OrderLineRef:
        return _LineId(self.order_line_id)


class _LineId:
    __slots__ = ("id",)

    def __init__(self, ident: int):
        self.id = ident


@strawberry.type(description="One delivery stage of an order.")
class Delivery(relay.Node):
    number: str
    delivered_at: datetime
    created_at: datetime

    _id_attr = "id"
    resolve_nodes = resolve_nodes_for("deliveries", "delivery")
    is_type_of = is_type_of(DomainDelivery)

    @strawberry.field
    def lines(self) -> list[DeliveryLine]:
        return self.lines

    @strawberry.field
    def order(self, info: strawberry.Info) -> Optional[Order]:
        return ref(info, self, "order_id", "orders", "order")


@strawberry.type(description="What warehouse, service and delivery must do. Invoiced per delivery, on completion or by hand.")
class Order(Document, PricedDocument):
    status: OrderStatus
    invoicing_policy: InvoicingPolicy
    number: str
    cancel_reason: Optional[str]

    _id_attr = "id"
    resolve_nodes = resolve_nodes_for("orders", "order")
    is_type_of = is_type_of(DomainOrder)



    @strawberry.field
    def lines(self) -> list[OrderLine]:
        return with_currency(self)

    @strawberry.field
    def deliveries(self, info: strawberry.Info) -> list[Delivery]:
        return children(info, self, "deliveries", "order_id", "delivery")

    @strawberry.field
    def invoices(self, info: strawberry.Info) -> list[InvoiceRef]:
        return children(info, self, "invoices", "order_id", "invoice")

    @strawberry.field
    def opportunity(self, info: strawberry.Info) -> Optional[OpportunityRef]:
        return ref(info, self, "opportunity_id", "opportunities", "opportunity")

    @strawberry.field
    def quote(self, info: strawberry.Info) -> Optional[QuoteRef]:
        return ref(info, self, "quote_id", "quotes", "quote")

    @strawberry.field
    def account(self, info: strawberry.Info) -> Optional[AccountRef]:
        return ref(info, self, "account_id", "accounts", "account")
