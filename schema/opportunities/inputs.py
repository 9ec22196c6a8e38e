"""What clients send for opportunities and stages."""
from __future__ import annotations

from datetime import date
from typing import Optional

import strawberry

from ..core.filters import CommonFilter
from ..core.scalars import Decimal
from .types import OpportunityStatus


@strawberry.input
class OpportunityFilter(CommonFilter):
    status: Optional[list[OpportunityStatus]] = None
    stage_id: Optional[strawberry.ID] = None
    account_id: Optional[strawberry.ID] = None


@strawberry.input
class CreateOpportunityInput:
    title: str
    account_id: Optional[strawberry.ID] = None
    contact_id: Optional[strawberry.ID] = None
    stage_id: Optional[strawberry.ID] = None
    currency: Optional[str] = None
    amount: Optional[Decimal] = None
    expected_close: Optional[date] = None
    owner_id: Optional[strawberry.ID] = None
    idempotency_key: Optional[str] = None


@strawberry.input
class UpdateOpportunityInput:
    opportunity_id: strawberry.ID
    title: Optional[str] = strawberry.UNSET
    account_id: Optional[strawberry.ID] = strawberry.UNSET
    contact_id: Optional[strawberry.ID] = strawberry.UNSET
    currency: Optional[str] = strawberry.UNSET
    amount: Optional[Decimal] = strawberry.UNSET
    expected_close: Optional[date] = strawberry.UNSET
    expected_version: Optional[int] = None


@strawberry.input
class MoveOpportunityStageInput:
    opportunity_id: strawberry.ID
    stage_id: strawberry.ID
    expected_version: Optional[int] = None


@strawberry.input
class OpportunityActionInput:
    opportunity_id: strawberry.ID
    expected_version: Optional[int] = None


@strawberry.input
class LoseOpportunityInput:
    opportunity_id: strawberry.ID
    reason: str
    expected_version: Optional[int] = None


@strawberry.input
class CreateStageInput:
    name: str
    probability: Decimal
    sequence: Optional[int] = None


@strawberry.input
class UpdateStageInput:
    stage_id: strawberry.ID
    name: Optional[str] = None
    probability: Optional[Decimal] = None
    active: Optional[bool] = None


@strawberry.input
class ReorderStagesInput:
    stage_ids: list[strawberry.ID]
