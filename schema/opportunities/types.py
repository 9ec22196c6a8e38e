"""Stages of the sales process, opportunities on them, and the pipeline they add up to."""
from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Annotated, Optional

import strawberry
from strawberry import relay

from ...domain.opportunity import Opportunity as DomainOpportunity
from ...domain.opportunity import Stage as DomainStage
from ...domain.status import OpportunityStatus as S
from ..core.documents import Document
from ..core.fields import children, is_type_of, money_field, quantity_field, ref, resolve_nodes_for
from ..core.scalars import Decimal

if TYPE_CHECKING:
    from ..leads.types import Lead
    from ..orders.types import Order
    from ..parties.types import Account, Contact
    from ..quotes.types import Quote

OpportunityStatus = strawberry.enum(S, name="OpportunityStatus")
AccountRef = Annotated["Account", strawberry.lazy("salesflow.schema.parties.types")]
ContactRef = Annotated["Contact", strawberry.lazy("salesflow.schema.parties.types")]
LeadRef = Annotated["Lead", strawberry.lazy("salesflow.schema.leads.types")]
QuoteRef = Annotated["Quote", strawberry.lazy("salesflow.schema.quotes.types")]
OrderRef = Annotated["Order", strawberry.lazy("salesflow.schema.orders.types")]


@strawberry.type(description="A step of the sales process, with the probability an opportunity on it closes.")
class Stage(relay.Node):
    name: str
    sequence: int
    active: bool
    probability: Decimal = quantity_field("probability")

    _id_attr = "id"
    resolve_nodes = resolve_nodes_for("stages", "stage")
    is_type_of = is_type_of(DomainStage)


@strawberry.type(description="A sale we hope to make.")
class Opportunity(Document):
    status: OpportunityStatus
    title: str
    currency: Optional[str]
    expected_close: Optional[date]
    lost_reason: Optional[str]
    probability: Decimal = quantity_field("probability")
    amount: Decimal = money_field("amount", "The sum of its live orders once won; an estimate before.")

    _id_attr = "id"
    resolve_nodes = resolve_nodes_for("opportunities", "opportunity")
    is_type_of = is_type_of(DomainOpportunity)


    @strawberry.field
    def stage(self, info: strawberry.Info) -> Optional[Stage]:
        return ref(info, self, "stage_id", "stages", "stage")

    @strawberry.field
    def account(self, info: strawberry.Info) -> Optional[AccountRef]:
        return ref(info, self, "account_id", "accounts", "account")

    @strawberry.field
    def contact(self, info: strawberry.Info) -> Optional[ContactRef]:
        return ref(info, self, "contact_id", "contacts", "contact")

    @strawberry.field
    def lead(self, info: strawberry.Info) -> Optional[LeadRef]:
        return ref(info, self, "lead_id", "leads", "lead")

    @strawberry.field
    def quotes(self, info: strawberry.Info) -> list[QuoteRef]:
        return children(info, self, "quotes", "opportunity_id", "quote")

    @strawberry.field
    def orders(self, info: strawberry.Info) -> list[OrderRef]:
        return children(info, self, "orders", "opportunity_id", "order")


@strawberry.type(description="What one stage holds in one currency.")
class PipelineAmount:
    currency: str
    count: int
    amount: Decimal
    weighted_amount: Decimal


@strawberry.type(description="One stage of the pipeline: its open opportunities, their amount and weighted amount.")
class PipelineStage:
    stage: Stage
    count: int
    amounts: list[PipelineAmount] = strawberry.field(description="Per currency, as amounts in different currencies do not add up.")

    @strawberry.field(description="The stage's amount when its opportunities share one currency (else null).")
    def amount(self) -> Optional[Decimal]:
        return self.amounts[0].amount if len(self.amounts) == 1 else None

    @strawberry.field(description="amount × probability, when there is one currency (else null).")
    def weighted_amount(self) -> Optional[Decimal]:
        return self.amounts[0].weighted_amount if len(self.amounts) == 1 else None

    @strawberry.field
    def currency(self) -> Optional[str]:
        return self.amounts[0].currency if len(self.amounts) == 1 else None
