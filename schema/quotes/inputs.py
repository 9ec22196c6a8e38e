"""What clients send for quotes."""
from __future__ import annotations

from datetime import date
from typing import Optional

import strawberry

from ..core.filters import CommonFilter
from ..core.lines import LineInput
from .types import QuoteKind, QuoteStatus


@strawberry.input
class QuoteFilter(CommonFilter):
    status: Optional[list[QuoteStatus]] = None
    opportunity_id: Optional[strawberry.ID] = None


@strawberry.input
class ConvertOpportunityToQuoteInput:
    opportunity_id: strawberry.ID
    kind: QuoteKind
    currency: Optional[str] = None
    valid_until: Optional[date] = None
    lines: Optional[list[LineInput]] = None
    terms: Optional[str] = None
    start_date: Optional[date] = None
    end_date: Optional[date] = None
    idempotency_key: Optional[str] = None


@strawberry.input
class UpdateQuoteInput:
    quote_id: strawberry.ID
    lines: Optional[list[LineInput]] = strawberry.UNSET
    valid_until: Optional[date] = strawberry.UNSET
    terms: Optional[str] = strawberry.UNSET
    start_date: Optional[date] = strawberry.UNSET
    end_date: Optional[date] = strawberry.UNSET
    expected_version: Optional[int] = None


@strawberry.input
class QuoteActionInput:
    quote_id: strawberry.ID
    expected_version: Optional[int] = None


@strawberry.input(description="Which sent quote to mark expired, now that its validity has passed.")
class ExpireQuoteInput:
    quote_id: strawberry.ID = strawberry.field(
        description="The quote's global id. It must be SENT, and its validUntil day (UTC) over.")
    expected_version: Optional[int] = strawberry.field(
        default=None, description="The version you read; CONFLICT if the quote changed since.")
