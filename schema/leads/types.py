"""The lead: first contact, kept before anyone knows much."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Optional

import strawberry

from ...domain.lead import Lead as DomainLead
from ...domain.status import LeadStatus as S
from ...statemachine import LIFECYCLES
from ..core.documents import Document
from ..core.enums import described_enum
from ..core.fields import is_type_of, ref_field, resolve_nodes_for

if TYPE_CHECKING:
    from ..opportunities.types import Opportunity
    from ..parties.types import Account, Contact

LeadStatus = described_enum(
    S,
    "LeadStatus",
    "Where a lead is in its lifecycle: new → working → converted, or disqualified (and reactivated).",
    LIFECYCLES["lead"].meanings,
)
AccountRef = Annotated["Account", strawberry.lazy("salesflow.schema.parties.types")]
ContactRef = Annotated["Contact", strawberry.lazy("salesflow.schema.parties.types")]
OpportunityRef = Annotated["Opportunity", strawberry.lazy("salesflow.schema.opportunities.types")]


@strawberry.type(
    description="A first contact. Converting it creates or links an account, a contact and an opportunity."
)
class Lead(Document):
    status: LeadStatus = strawberry.field(description="Where it is in its lifecycle.")
    title: str = strawberry.field(description='What the lead is about, e.g. "ACME renewal".')
    contact_name: Optional[str] = strawberry.field(description="The person's name, if known.")
    company_name: Optional[str] = strawberry.field(
        description="The company's name, if known; converting creates an account by this name."
    )
    email: Optional[str] = strawberry.field(description="The person's e-mail address, as entered.")
    phone: Optional[str] = strawberry.field(description="The person's phone number, as entered.")
    source: Optional[str] = strawberry.field(
        description="Where the lead came from (a fair, the website, a referral …), free text."
    )
    notes: Optional[str] = strawberry.field(description="Free notes.")
    disqualify_reason: Optional[str] = strawberry.field(
        description="Why it was disqualified; null unless it is (or was last) DISQUALIFIED."
    )
    converted_at: Optional[datetime] = strawberry.field(description="When it was converted; null until then.")

    _id_attr = "id"
    resolve_nodes = resolve_nodes_for("leads", "lead")
    is_type_of = is_type_of(DomainLead)

    converted_account: Optional[AccountRef] = ref_field(
        "converted_account_id",
        "accounts",
        "account",
        "The account it was converted into (created or linked); null if none, or if the viewer may not see it.",
    )

    converted_contact: Optional[ContactRef] = ref_field(
        "converted_contact_id",
        "contacts",
        "contact",
        "The contact it was converted into (created or linked); null if none, or if the viewer may not see it.",
    )

    converted_opportunity: Optional[OpportunityRef] = ref_field(
        "converted_opportunity_id",
        "opportunities",
        "opportunity",
        "The opportunity its conversion created; null if none, or if the viewer may not see it.",
    )


@strawberry.type(description="An existing record that looks like one a conversion would create.")
class Duplicate:
    kind: str = strawberry.field(description="What it is: `account`, `contact` or `lead`.")
    id: strawberry.ID = strawberry.field(
        description="Its global id (link it with convertLead's accountId or contactId)."
    )
    name: str = strawberry.field(description="Its name (a lead's title).")
    matched_on: str = strawberry.field(
        description="What is the same: `email`, `phone` or `companyName` (compared "
        "normalised: case, spaces, digits only, legal form)."
    )
