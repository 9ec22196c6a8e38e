"""What clients send to create, change and convert leads."""

from __future__ import annotations

from typing import Optional

import strawberry

from ...domain.text import MAX_LENGTH
from ..core.filters import CommonFilter
from ..core.inputs import document_id, expected_version, idempotency_key, kept
from ..core.mutations import input_type
from .types import LeadStatus


def _text(what: str, name: str) -> str:
    return f"{what}, up to {MAX_LENGTH[name]} characters."


@strawberry.input(description="Which leads to list.")
class LeadFilter(CommonFilter):
    status: Optional[list[LeadStatus]] = strawberry.field(
        default=None, description="Only leads in one of these states; all states if omitted or empty."
    )


@strawberry.input(description="A new lead (state NEW), owned by the caller unless ownerId names another user.")
class CreateLeadInput:
    title: str = strawberry.field(description=_text("What the lead is about (required, not blank)", "title"))
    contact_name: Optional[str] = strawberry.field(default=None, description=_text("The person's name", "contact_name"))
    company_name: Optional[str] = strawberry.field(
        default=None, description=_text("The company's name", "company_name")
    )
    email: Optional[str] = strawberry.field(default=None, description=_text("The person's e-mail address", "email"))
    phone: Optional[str] = strawberry.field(default=None, description=_text("The person's phone number", "phone"))
    source: Optional[str] = strawberry.field(default=None, description=_text("Where the lead came from", "source"))
    notes: Optional[str] = strawberry.field(default=None, description=_text("Free notes", "notes"))
    owner_id: Optional[strawberry.ID] = strawberry.field(
        default=None,
        description="The user who will own it (a User's global id); the caller if omitted. A sales "
        "rep can only name itself.",
    )
    idempotency_key: Optional[str] = idempotency_key()


@strawberry.input(
    description="Changes to a lead that is not converted. Omitted fields keep their value; null clears "
    "one (the title cannot be cleared)."
)
class UpdateLeadInput:
    lead_id: strawberry.ID = document_id("lead")
    title: Optional[str] = kept(_text("What the lead is about", "title"))
    contact_name: Optional[str] = kept(_text("The person's name", "contact_name"))
    company_name: Optional[str] = kept(_text("The company's name", "company_name"))
    email: Optional[str] = kept(_text("The person's e-mail address", "email"))
    phone: Optional[str] = kept(_text("The person's phone number", "phone"))
    source: Optional[str] = kept(_text("Where the lead came from", "source"))
    notes: Optional[str] = kept(_text("Free notes", "notes"))
    expected_version: Optional[int] = expected_version()


@strawberry.input
class LeadTarget:
    """The fields of a lifecycle action on one lead (each action has its own input type from it)."""

    lead_id: strawberry.ID = document_id("lead")
    expected_version: Optional[int] = expected_version()


MarkLeadContactedInput = input_type("MarkLeadContactedInput", LeadTarget, "The lead someone got in touch with.")
ReactivateLeadInput = input_type("ReactivateLeadInput", LeadTarget, "The disqualified lead to work on again.")


@strawberry.input(description="The lead to disqualify, and why.")
class DisqualifyLeadInput:
    lead_id: strawberry.ID = document_id("lead")
    reason: str = strawberry.field(description=_text("Why it is not worth pursuing (required, not blank)", "reason"))
    expected_version: Optional[int] = expected_version()


@strawberry.input(
    description="How to convert a lead. For the account and the contact each: link an existing one "
    "(accountId, contactId), create one from the lead (the default), or neither "
    "(createAccount/createContact false). At least one record must come out of it."
)
class ConvertLeadInput:
    lead_id: strawberry.ID = document_id("lead")
    account_id: Optional[strawberry.ID] = strawberry.field(
        default=None, description="Link this existing account (an Account's global id) instead of creating one."
    )
    create_account: bool = strawberry.field(
        default=True,
        description="Create an account from the lead's company name, if it has one and accountId is not given.",
    )
    contact_id: Optional[strawberry.ID] = strawberry.field(
        default=None, description="Link this existing contact (a Contact's global id) instead of creating one."
    )
    create_contact: bool = strawberry.field(
        default=True,
        description="Create a contact from the lead's person (name or e-mail), if it has one and "
        "contactId is not given.",
    )
    create_opportunity: bool = strawberry.field(
        default=True, description="Create an opportunity (state OPEN, on the first stage)."
    )
    opportunity_title: Optional[str] = strawberry.field(
        default=None, description=_text("The new opportunity's title; the lead's title if omitted", "title")
    )
    currency: Optional[str] = strawberry.field(
        default=None, description="The new opportunity's currency, an ISO 4217 code (EUR); none if omitted."
    )
    allow_duplicates: bool = strawberry.field(
        default=False,
        description="Create the account or contact even if a look-alike exists (otherwise the error is DUPLICATE).",
    )
    dry_run: bool = strawberry.field(
        default=False, description="Change nothing: answer with the look-alike records (duplicates) only."
    )
    idempotency_key: Optional[str] = idempotency_key()
