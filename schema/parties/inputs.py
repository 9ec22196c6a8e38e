"""What clients send for accounts and contacts."""

from __future__ import annotations

from typing import Optional

import strawberry

from ...domain.text import MAX_LENGTH
from ..company.inputs import CreateTaxIdentityFields, UpdateTaxIdentityFields
from ..core.filters import CommonFilter
from ..core.inputs import document_id, expected_version, idempotency_key, kept


def _text(what: str, name: str) -> str:
    return f"{what}, up to {MAX_LENGTH[name]} characters."


_OWNER = "The user who will own it (a User's global id); the caller if omitted. A sales rep can only name itself."


@strawberry.input(description="Which accounts to list.")
class AccountFilter(CommonFilter):
    pass


@strawberry.input(description="Which contacts to list.")
class ContactFilter(CommonFilter):
    account_id: Optional[strawberry.ID] = strawberry.field(
        default=None, description="Only the contacts of this account (an Account's global id)."
    )


@strawberry.input(description="A new account (a company), with its tax identity if known.")
class CreateAccountInput(CreateTaxIdentityFields):
    name: str = strawberry.field(description=_text("The company's name (required, not blank)", "name"))
    email: Optional[str] = strawberry.field(default=None, description=_text("Its e-mail address", "email"))
    phone: Optional[str] = strawberry.field(default=None, description=_text("Its phone number", "phone"))
    website: Optional[str] = strawberry.field(default=None, description=_text("Its website", "website"))
    owner_id: Optional[strawberry.ID] = strawberry.field(default=None, description=_OWNER)
    idempotency_key: Optional[str] = idempotency_key()


@strawberry.input(
    description="Changes to an account. Omitted fields keep their value; null clears one (the name cannot be cleared)."
)
class UpdateAccountInput(UpdateTaxIdentityFields):
    account_id: strawberry.ID = document_id("account")
    name: Optional[str] = kept(_text("The company's name", "name"))
    email: Optional[str] = kept(_text("Its e-mail address", "email"))
    phone: Optional[str] = kept(_text("Its phone number", "phone"))
    website: Optional[str] = kept(_text("Its website", "website"))
    expected_version: Optional[int] = expected_version()


@strawberry.input(description="A new contact (a person).")
class CreateContactInput:
    name: str = strawberry.field(description=_text("The person's name (required, not blank)", "name"))
    email: Optional[str] = strawberry.field(default=None, description=_text("The person's e-mail address", "email"))
    phone: Optional[str] = strawberry.field(default=None, description=_text("The person's phone number", "phone"))
    account_id: Optional[strawberry.ID] = strawberry.field(
        default=None, description="The account the person works at (an Account's global id); none if omitted."
    )
    owner_id: Optional[strawberry.ID] = strawberry.field(default=None, description=_OWNER)
    idempotency_key: Optional[str] = idempotency_key()


@strawberry.input(
    description="Changes to a contact. Omitted fields keep their value; null clears one (the name cannot be cleared)."
)
class UpdateContactInput:
    contact_id: strawberry.ID = document_id("contact")
    name: Optional[str] = kept(_text("The person's name", "name"))
    email: Optional[str] = kept(_text("The person's e-mail address", "email"))
    phone: Optional[str] = kept(_text("The person's phone number", "phone"))
    account_id: Optional[strawberry.ID] = kept(
        "The account the person works at (an Account's global id); null for none."
    )
    expected_version: Optional[int] = expected_version()
