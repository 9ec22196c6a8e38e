"""The quote: the written offer, in revisions."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Optional

import strawberry

from ...domain.quote import Quote as DomainQuote
from ...domain.quote import QuoteLine as DomainQuoteLine
from ...domain.status import QuoteKind as K
from ...domain.status import QuoteStatus as S
from ..core.documents import Document
from ..core.fields import is_type_of, ref, resolve_nodes_for, with_currency
from ..core.lines import PricedDocument, PricedLine, line_id

if TYPE_CHECKING:
    from ..opportunities.types import Opportunity
    from ..orders.types import Order

QuoteStatus = strawberry.enum(S, name="QuoteStatus")
QuoteKind = strawberry.enum(K, name="QuoteKind")
OpportunityRef = Annotated["Opportunity", strawberry.lazy("salesflow.schema.opportunities.types")]
OrderRef = Annotated["Order", strawberry.lazy("salesflow.schema.orders.types")]


@strawberry.type
class QuoteLine(PricedLine):
    id: strawberry.ID = line_id("QuoteLine")
    is_type_of = is_type_of(DomainQuoteLine)


@strawberry.type(description="An offer: a proforma (pre-invoice) or a contract. Revising keeps its number.")
class Quote(Document, PricedDocument):
    status: QuoteStatus
    kind: QuoteKind
    number: str
    revision: int
    valid_until: Optional[date]
    start_date: Optional[date]
    end_date: Optional[date]
    terms: Optional[str]
    is_latest: bool

    _id_attr = "id"
    resolve_nodes = resolve_nodes_for("quotes", "quote")
    is_type_of = is_type_of(DomainQuote)



    @strawberry.field
    def lines(self) -> list[QuoteLine]:
        return with_currency(self)

    @strawberry.field
    def opportunity(self, info: strawberry.Info) -> Optional[OpportunityRef]:
        return ref(info, self, "opportunity_id", "opportunities", "opportunity")

    @strawberry.field
    def previous_revision(self, info: strawberry.Info) -> Optional[Quote]:
        return ref(info, self, "previous_revision_id", "quotes", "quote")

    @strawberry.field
    def order(self, info: strawberry.Info) -> Optional[OrderRef]:
        found = info.context.visible(info.context.loader.children(self, "orders", "quote_id"))
        return found[0] if found and info.context.may("read", "order") else None
