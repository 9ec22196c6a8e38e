"""Stages of the sales process, opportunities on them, and the pipeline they add up to."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Optional

import strawberry
from strawberry import relay

from ...domain.opportunity import Opportunity as DomainOpportunity
from ...domain.opportunity import Stage as DomainStage
from ...domain.query import DEFAULT_PAGE
from ...domain.status import OpportunityStatus as S
from ...i18n import stage_name, stage_names
from ...statemachine import LIFECYCLES
from ..compiled import rules
from ..core.documents import Document
from ..core.enums import described_enum
from ..core.fields import (
    children_field,
    is_type_of,
    money_field,
    quantity_field,
    ref_field,
    resolve_nodes_for,
)
from ..core.lists import CurrenciesFirst, child_first
from ..core.scalars import Decimal

if TYPE_CHECKING:
    from ..leads.types import Lead
    from ..orders.types import Order
    from ..parties.types import Account, Contact
    from ..quotes.types import Quote

OpportunityStatus = described_enum(
    S,
    "OpportunityStatus",
    "Where an opportunity is: open (on a stage), won or lost.",
    LIFECYCLES["opportunity"].meanings,
)
AccountRef = Annotated["Account", strawberry.lazy("salesflow.schema.parties.types")]
ContactRef = Annotated["Contact", strawberry.lazy("salesflow.schema.parties.types")]
LeadRef = Annotated["Lead", strawberry.lazy("salesflow.schema.leads.types")]
QuoteRef = Annotated["Quote", strawberry.lazy("salesflow.schema.quotes.types")]
OrderRef = Annotated["Order", strawberry.lazy("salesflow.schema.orders.types")]

_PERCENT = 'in percent, 0 to 100 ("25" is 25 %)'


@strawberry.type(description="A step of the sales process, with the probability an opportunity on it closes.")
class Stage(relay.Node):
    @strawberry.field(
        description='The stage\'s name, e.g. "Qualification". The stages salesflow installs are named in the '
        "viewer's language (en, fa, tr: the user's `locale`, else Accept-Language); a stage a user created or "
        "renamed keeps the name as written.",
        metadata={rules.RULE: rules.Translated("name", stage_names)},
    )
    def name(self, info: strawberry.Info) -> str:
        return stage_name(self.name, info.context.language)

    sequence: int = strawberry.field(description="Its place in the process (10, 20, 30 …); stages come in this order.")
    active: bool = strawberry.field(description="False once archived: no opportunity can move onto it.")
    probability: Decimal = quantity_field("probability", f"The chance an opportunity on it is won, {_PERCENT}.")

    _id_attr = "id"
    resolve_nodes = resolve_nodes_for("stages", "stage")
    is_type_of = is_type_of(DomainStage)


@strawberry.type(
    description="A sale we hope to make. It has 0..n quotes and 0..n orders (a sale may skip the "
    "quote); placing an order wins it."
)
class Opportunity(Document):
    status: OpportunityStatus = strawberry.field(description="Where it is in its lifecycle.")
    title: str = strawberry.field(description='What the sale is, e.g. "Chairs for HQ".')
    currency: Optional[str] = strawberry.field(
        description="ISO 4217 code of its amount and of its quotes and orders; null until one is set. It cannot "
        "change once it has quotes or orders."
    )
    expected_close: Optional[date] = strawberry.field(
        description="When it is expected to close (ISO 8601 date); null if not said."
    )
    lost_reason: Optional[str] = strawberry.field(description="Why it was lost; null unless it is LOST.")
    probability: Decimal = quantity_field(
        "probability", f"The chance it is won, {_PERCENT}: its stage's while OPEN, 100 when WON, 0 when LOST."
    )
    amount: Decimal = money_field(
        "amount",
        "What it is worth, in its currency and at its precision: an estimate "
        "while it has no order, then the sum of its live orders' totals.",
    )

    _id_attr = "id"
    resolve_nodes = resolve_nodes_for("opportunities", "opportunity")
    is_type_of = is_type_of(DomainOpportunity)

    stage: Optional[Stage] = ref_field(
        "stage_id",
        "stages",
        "stage",
        "The stage of the sales process it is on; null if the viewer may not read stages.",
    )

    account: Optional[AccountRef] = ref_field(
        "account_id", "accounts", "account", "The company it is for; null if none or not readable by the viewer."
    )

    contact: Optional[ContactRef] = ref_field(
        "contact_id", "contacts", "contact", "The person it is with; null if none or not readable by the viewer."
    )

    lead: Optional[LeadRef] = ref_field(
        "lead_id",
        "leads",
        "lead",
        "The lead it was converted from; null if it was created directly or the viewer may not see it.",
    )

    quotes: list[QuoteRef] = children_field(
        "quotes",
        "opportunity_id",
        "quote",
        "Its quotes (every revision) the viewer may see, oldest first; at most `first` "
        "(for more, list `quotes(filter: {opportunityId})`).",
    )

    orders: list[OrderRef] = children_field(
        "orders",
        "opportunity_id",
        "order",
        "Its orders the viewer may see, oldest first; at most `first` (for more, list "
        "`orders(filter: {opportunityId})`).",
    )


@strawberry.type(description="What one stage holds in one currency.")
class PipelineAmount:
    currency: str = strawberry.field(description="ISO 4217 code; empty for opportunities without a currency.")
    count: int = strawberry.field(description="How many open opportunities on the stage are in this currency.")
    amount: Decimal = strawberry.field(description="The sum of their amounts, at the currency's precision.")
    weighted_amount: Decimal = strawberry.field(
        description="Σ amount × probability / 100, rounded once to the currency's precision."
    )


@strawberry.type(description="One stage of the pipeline: its open opportunities, their amount and weighted amount.")
class PipelineStage:
    stage: Stage = strawberry.field(description="The stage.")
    count: int = strawberry.field(description="How many open opportunities are on it, in every currency.")
    per_currency: strawberry.Private[list[PipelineAmount]]

    @strawberry.field(
        description="Per currency (by code), as amounts in different currencies do not add up; at most "
        "`first`; empty for an empty stage."
    )
    def amounts(self, first: CurrenciesFirst = DEFAULT_PAGE) -> list[PipelineAmount]:
        return self.per_currency[: child_first(first)]

    @strawberry.field(description="The stage's amount when its opportunities share one currency (else null).")
    def amount(self) -> Optional[Decimal]:
        return self.per_currency[0].amount if len(self.per_currency) == 1 else None

    @strawberry.field(description="amount × probability, when there is one currency (else null).")
    def weighted_amount(self) -> Optional[Decimal]:
        return self.per_currency[0].weighted_amount if len(self.per_currency) == 1 else None

    @strawberry.field(description="The currency of amount and weightedAmount when there is one (else null).")
    def currency(self) -> Optional[str]:
        return self.per_currency[0].currency if len(self.per_currency) == 1 else None
