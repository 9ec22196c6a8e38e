"""What clients send for accounts and contacts."""
from __future__ import annotations

from typing import Optional

import strawberry

from ..core.filters import CommonFilter


@strawberry.input
class AccountFilter(CommonFilter):
    pass


@strawberry.input
class ContactFilter(CommonFilter):
    account_id: Optional[strawberry.ID] = None


@strawberry.input
class CreateAccountInput:
    name: str
    email: Optional[str] = None
    phone: Optional[str] = None
    website: Optional[str] = None
    owner_id: Optional[strawberry.ID] = None
    idempotency_key: Optional[str] = None


@strawberry.input
class UpdateAccountInput:
    account_id: strawberry.ID
    name: Optional[str] = strawberry.UNSET
    email: Optional[str] = strawberry.UNSET
    phone: Optional[str] = strawberry.UNSET
    website: Optional[str] = strawberry.UNSET
    expected_version: Optional[int] = None


@strawberry.input
class CreateContactInput:
    name: str
    email: Optional[str] = None
    phone: Optional[str] = None
    account_id: Optional[strawberry.ID] = None
    owner_id: Optional[strawberry.ID] = None
    idempotency_key: Optional[str] = None


@strawberry.input
class UpdateContactInput:
    contact_id: strawberry.ID
    name: Optional[str] = strawberry.UNSET
    email: Optional[str] = strawberry.UNSET
    phone: Optional[str] = strawberry.UNSET
    account_id: Optional[strawberry.ID] = strawberry.UNSET
    expected_version: Optional[int] = None
