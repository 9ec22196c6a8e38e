"""What clients send to create, change and convert leads."""
from __future__ import annotations

from typing import Optional

import strawberry

from ..core.filters import CommonFilter
from .types import LeadStatus


@strawberry.input
class LeadFilter(CommonFilter):
    status: Optional[list[LeadStatus]] = None


@strawberry.input
class CreateLeadInput:
    title: str
    contact_name: Optional[str] = None
    company_name: Optional[str] = None
    email: Optional[str] = None
    phone: Optional[str] = None
    source: Optional[str] = None
    notes: Optional[str] = None
    owner_id: Optional[strawberry.ID] = None
    idempotency_key: Optional[str] = None


@strawberry.input
class UpdateLeadInput:
    lead_id: strawberry.ID
    title: Optional[str] = strawberry.UNSET
    contact_name: Optional[str] = strawberry.UNSET
    company_name: Optional[str] = strawberry.UNSET
    email: Optional[str] = strawberry.UNSET
    phone: Optional[str] = strawberry.UNSET
    source: Optional[str] = strawberry.UNSET
    notes: Optional[str] = strawberry.UNSET
    expected_version: Optional[int] = None


@strawberry.input
class LeadActionInput:
    lead_id: strawberry.ID
    expected_version: Optional[int] = None


@strawberry.input
class DisqualifyLeadInput:
    lead_id: strawberry.ID
    reason: str
    expected_version: Optional[int] = None


@strawberry.input
class ConvertLeadInput:
    lead_id: strawberry.ID
    account_id: Optional[strawberry.ID] = None
    create_account: bool = True
    contact_id: Optional[strawberry.ID] = None
    create_contact: bool = True
    create_opportunity: bool = True
    opportunity_title: Optional[str] = None
    currency: Optional[str] = None
    allow_duplicates: bool = strawberry.field(default=False, description="Create even if a look-alike exists.")
    dry_run: bool = False
    idempotency_key: Optional[str] = None
