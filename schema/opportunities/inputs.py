"""What clients send for opportunities and stages."""

from __future__ import annotations

from datetime import date
from typing import Optional

import strawberry

from ...domain.text import MAX_LENGTH
from ..core.filters import CommonFilter
from ..core.inputs import document_id, expected_version, idempotency_key, kept
from ..core.mutations import input_type
from ..core.scalars import Decimal
from .types import OpportunityStatus

_TITLE = f"What the sale is, up to {MAX_LENGTH['title']} characters"
_AMOUNT = "What it is worth, a Decimal in its currency with at most the currency's decimals (needs a currency)"
_PROBABILITY = 'The chance an opportunity on it is won, in percent: 0 to 100 ("25" is 25 %)'


@strawberry.input(description="Which opportunities to list.")
class OpportunityFilter(CommonFilter):
    status: Optional[list[OpportunityStatus]] = strawberry.field(
        default=None, description="Only opportunities in one of these states; all states if omitted or empty."
    )
    stage_id: Optional[strawberry.ID] = strawberry.field(
        default=None, description="Only those on this stage (a Stage's global id)."
    )
    account_id: Optional[strawberry.ID] = strawberry.field(
        default=None, description="Only those of this account (an Account's global id)."
    )


@strawberry.input(description="A new opportunity, OPEN, on the given stage or the first one.")
class CreateOpportunityInput:
    title: str = strawberry.field(description=f"{_TITLE} (required, not blank).")
    account_id: Optional[strawberry.ID] = document_id("account it is for", optional=True)
    contact_id: Optional[strawberry.ID] = document_id("contact it is with", optional=True)
    stage_id: Optional[strawberry.ID] = strawberry.field(
        default=None, description="The stage it starts on (a Stage's global id); the first active stage if omitted."
    )
    currency: Optional[str] = strawberry.field(default=None, description="ISO 4217 code (EUR); none if omitted.")
    amount: Optional[Decimal] = strawberry.field(default=None, description=f"{_AMOUNT}; 0 if omitted.")
    expected_close: Optional[date] = strawberry.field(
        default=None, description="When it is expected to close (ISO 8601 date)."
    )
    owner_id: Optional[strawberry.ID] = strawberry.field(
        default=None,
        description="The user who will own it (a User's global id); the caller if omitted. A sales "
        "rep can only name itself.",
    )
    idempotency_key: Optional[str] = idempotency_key()


@strawberry.input(
    description="Changes to an opportunity. Omitted fields keep their value; null clears one where it may be empty."
)
class UpdateOpportunityInput:
    opportunity_id: strawberry.ID = document_id("opportunity")
    title: Optional[str] = kept(f"{_TITLE}.")
    account_id: Optional[strawberry.ID] = kept("The account it is for (an Account's global id); null for none.")
    contact_id: Optional[strawberry.ID] = kept("The contact it is with (a Contact's global id); null for none.")
    currency: Optional[str] = kept("ISO 4217 code; fixed once it has quotes or orders (CURRENCY_MISMATCH).")
    amount: Optional[Decimal] = kept(f"{_AMOUNT}; only while OPEN (then its orders decide it).")
    expected_close: Optional[date] = kept("When it is expected to close (ISO 8601 date); null for not said.")
    expected_version: Optional[int] = expected_version()


@strawberry.input(description="The opportunity to move, and where to.")
class MoveOpportunityStageInput:
    opportunity_id: strawberry.ID = document_id("opportunity")
    stage_id: strawberry.ID = strawberry.field(
        description="The active stage to move it to (a Stage's global id); it takes that stage's probability."
    )
    expected_version: Optional[int] = expected_version()


@strawberry.input
class OpportunityTarget:
    """The fields of a lifecycle action on one opportunity (each action has its own input type from it)."""

    opportunity_id: strawberry.ID = document_id("opportunity")
    expected_version: Optional[int] = expected_version()


WinOpportunityInput = input_type("WinOpportunityInput", OpportunityTarget, "The open opportunity that was won.")
ReopenOpportunityInput = input_type(
    "ReopenOpportunityInput", OpportunityTarget, "The lost (or won, without live orders) opportunity to work on again."
)


@strawberry.input(description="The opportunity that was lost, and why.")
class LoseOpportunityInput:
    opportunity_id: strawberry.ID = document_id("opportunity")
    reason: str = strawberry.field(
        description=f"Why it was lost, up to {MAX_LENGTH['reason']} characters (required, not blank)."
    )
    expected_version: Optional[int] = expected_version()


@strawberry.input(description="A new stage of the sales process.")
class CreateStageInput:
    name: str = strawberry.field(description=f"The stage's name, up to {MAX_LENGTH['name']} characters.")
    probability: Decimal = strawberry.field(description=f"{_PROBABILITY}.")
    sequence: Optional[int] = strawberry.field(
        default=None, description="Its place in the process; after the last stage (its sequence + 10) if omitted."
    )


@strawberry.input(description="Changes to a stage; omitted or null fields keep their value.")
class UpdateStageInput:
    stage_id: strawberry.ID = document_id("stage")
    name: Optional[str] = strawberry.field(
        default=None, description=f"The stage's name, up to {MAX_LENGTH['name']} characters."
    )
    probability: Optional[Decimal] = strawberry.field(
        default=None, description=f"{_PROBABILITY}; opportunities already on it keep theirs until they move."
    )
    active: Optional[bool] = strawberry.field(
        default=None, description="false archives it (no opportunity can move onto it); true brings it back."
    )


@strawberry.input(description="The new order of the stages.")
class ReorderStagesInput:
    stage_ids: list[strawberry.ID] = strawberry.field(
        description="Every active stage's global id, each once, in the new order."
    )
