"""The lead: first contact, kept before anyone knows much."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Optional

import strawberry

from ...domain.lead import Lead as DomainLead
from ...domain.status import LeadStatus as S
from ..core.documents import Document
from ..core.fields import is_type_of, ref, resolve_nodes_for

if TYPE_CHECKING:
    from ..opportunities.types import Opportunity
    from ..parties.types import Account, Contact

LeadStatus = strawberry.enum(S, name="LeadStatus")
AccountRef = Annotated["Account", strawberry.lazy("salesflow.schema.parties.types")]
ContactRef = Annotated["Contact", strawberry.lazy("salesflow.schema.parties.types")]
OpportunityRef = Annotated["Opportunity", strawberry.lazy("salesflow.schema.opportunities.types")]


@strawberry.type(description="A first contact. Converting it creates or links an account, a contact and an opportunity.")
class Lead(Document):
    status: LeadStatus
    title: str
    contact_name: Optional[str]
    company_name: Optional[str]
    email: Optional[str]
    phone: Optional[str]
    source: Optional[str]
    notes: Optional[str]
    disqualify_reason: Optional[str]
    converted_at: Optional[datetime]

    _id_attr = "id"
    resolve_nodes = resolve_nodes_for("leads", "lead")
    is_type_of = is_type_of(DomainLead)


    @strawberry.field
    def converted_account(self, info: strawberry.Info) -> Optional[AccountRef]:
        return ref(info, self, "converted_account_id", "accounts", "account")

    @strawberry.field
    def converted_contact(self, info: strawberry.Info) -> Optional[ContactRef]:
        return ref(info, self, "converted_contact_id", "contacts", "contact")

    @strawberry.field
    def converted_opportunity(self, info: strawberry.Info) -> Optional[OpportunityRef]:
        return ref(info, self, "converted_opportunity_id", "opportunities", "opportunity")


@strawberry.type(description="An existing record that looks like one a conversion would create.")
class Duplicate:
    kind: str = strawberry.field(description="account, contact or lead")
    id: strawberry.ID
    name: str
    matched_on: str = strawberry.field(description="email, phone or companyName")
