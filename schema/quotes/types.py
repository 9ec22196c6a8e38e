"""The quote: the written offer, in revisions."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Optional

import strawberry

from ...domain.quote import Quote as DomainQuote
from ...domain.quote import QuoteLine as DomainQuoteLine
from ...domain.status import QuoteKind as K
from ...domain.status import QuoteStatus as S
from ...statemachine import LIFECYCLES
from ...statemachine.quote import KINDS
from ..core.documents import Document
from ..core.enums import described_enum
from ..core.fields import is_type_of, lines_field, ref_field, resolve_nodes_for
from ..core.lines import PricedDocument, PricedLine, line_id
from ..core.mail import Mailed
from ..core.printable import Printable

if TYPE_CHECKING:
    from ..opportunities.types import Opportunity
    from ..orders.types import Order

QuoteStatus = described_enum(
    S,
    "QuoteStatus",
    "Where a quote is: draft → sent → accepted, or rejected, expired, superseded by a revision, canceled.",
    LIFECYCLES["quote"].meanings,
)
QuoteKind = described_enum(K, "QuoteKind", "What kind of offer a quote is; both kinds can become an order.", KINDS)
OpportunityRef = Annotated["Opportunity", strawberry.lazy("salesflow.schema.opportunities.types")]
OrderRef = Annotated["Order", strawberry.lazy("salesflow.schema.orders.types")]


@strawberry.type(description="A line of a quote, priced in the quote's currency.")
class QuoteLine(PricedLine):
    id: strawberry.ID = line_id("QuoteLine")
    is_type_of = is_type_of(DomainQuoteLine)


@strawberry.type(description="An offer: a proforma (pre-invoice) or a contract. Revising keeps its number.")
class Quote(Document, PricedDocument, Printable, Mailed):
    status: QuoteStatus = strawberry.field(description="Where it is in its lifecycle.")
    kind: QuoteKind = strawberry.field(description="Proforma or contract.")
    number: str = strawberry.field(
        description="Its number in the quote series (Q/2026/00001); every revision keeps it."
    )
    revision: int = strawberry.field(description="0 for the first version, then 1, 2 … for each revision.")
    valid_until: Optional[date] = strawberry.field(
        description="The last day the offer holds (ISO 8601 date); sending needs one that is not past. Null until set."
    )
    start_date: Optional[date] = strawberry.field(
        description="A contract's first day (ISO 8601 date); null for a proforma or until set."
    )
    end_date: Optional[date] = strawberry.field(
        description="A contract's last day (ISO 8601 date); null for a proforma or until set."
    )
    terms: Optional[str] = strawberry.field(description="The terms of the offer, free text; null if none.")
    is_latest: bool = strawberry.field(
        description="True for the newest revision of its number: the only one that can be accepted or revised."
    )

    _id_attr = "id"
    resolve_nodes = resolve_nodes_for("quotes", "quote")
    is_type_of = is_type_of(DomainQuote)

    lines: list[QuoteLine] = lines_field("Its lines, in order (`sequence`). Not paged: a document's lines come whole.")

    opportunity: Optional[OpportunityRef] = ref_field(
        "opportunity_id",
        "opportunities",
        "opportunity",
        "The opportunity it offers for; null if the viewer may not see it.",
    )

    previous_revision: Optional[Quote] = ref_field(
        "previous_revision_id", "quotes", "quote", "The revision it replaced; null for revision 0."
    )

    @strawberry.field(
        description="The order accepting it created; null until it is ACCEPTED, or if the viewer may not see orders."
    )
    def order(self, info: strawberry.Info) -> Optional[OrderRef]:
        found = info.context.visible(info.context.loader.children(self, "orders", "quote_id"))
        return found[0] if found and info.context.may("read", "order") else None
