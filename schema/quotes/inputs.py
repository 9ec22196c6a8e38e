"""What clients send for quotes."""

from __future__ import annotations

from datetime import date
from typing import Optional

import strawberry

from ...domain.text import MAX_LENGTH
from ..core.filters import CommonFilter
from ..core.inputs import document_id, expected_version, idempotency_key, kept
from ..core.lines import LineInput
from ..core.mail import MailFields
from ..core.mutations import input_type
from .types import QuoteKind, QuoteStatus

_VALID_UNTIL = "The last day the offer holds (ISO 8601 date); it must not be past when the quote is sent"
_TERMS = f"The terms of the offer, up to {MAX_LENGTH['terms']:,} characters"


@strawberry.input(description="Which quotes to list.")
class QuoteFilter(CommonFilter):
    status: Optional[list[QuoteStatus]] = strawberry.field(
        default=None, description="Only quotes in one of these states; all states if omitted or empty."
    )
    opportunity_id: Optional[strawberry.ID] = strawberry.field(
        default=None, description="Only the quotes of this opportunity (an Opportunity's global id)."
    )


@strawberry.input(description="A new draft quote (revision 0) for an OPEN opportunity, numbered from the quote series.")
class ConvertOpportunityToQuoteInput:
    opportunity_id: strawberry.ID = document_id("opportunity")
    kind: QuoteKind = strawberry.field(description="Proforma or contract.")
    currency: Optional[str] = strawberry.field(
        default=None,
        description="ISO 4217 code; the opportunity's if omitted (and it becomes the opportunity's if "
        "that had none). Must match the opportunity's otherwise.",
    )
    valid_until: Optional[date] = strawberry.field(default=None, description=f"{_VALID_UNTIL}.")
    lines: Optional[list[LineInput]] = strawberry.field(
        default=None, description="Its lines; none if omitted (add them with updateQuote)."
    )
    terms: Optional[str] = strawberry.field(default=None, description=f"{_TERMS}.")
    start_date: Optional[date] = strawberry.field(default=None, description="A contract's first day (ISO 8601 date).")
    end_date: Optional[date] = strawberry.field(
        default=None, description="A contract's last day (ISO 8601 date), not before startDate."
    )
    idempotency_key: Optional[str] = idempotency_key()


@strawberry.input(description="Changes to a DRAFT quote. Omitted fields keep their value; null clears one.")
class UpdateQuoteInput:
    quote_id: strawberry.ID = document_id("quote")
    lines: Optional[list[LineInput]] = kept("All its lines, replacing the current ones (null keeps them too).")
    valid_until: Optional[date] = kept(f"{_VALID_UNTIL}.")
    terms: Optional[str] = kept(f"{_TERMS}.")
    start_date: Optional[date] = kept("A contract's first day (ISO 8601 date).")
    end_date: Optional[date] = kept("A contract's last day (ISO 8601 date), not before startDate.")
    expected_version: Optional[int] = expected_version()


@strawberry.input
class QuoteTarget:
    """The fields of a lifecycle action on one quote (each action has its own input type from it)."""

    quote_id: strawberry.ID = document_id("quote")
    expected_version: Optional[int] = expected_version()


@strawberry.input(description="The draft quote to send, and whether to e-mail it to the customer.")
class SendQuoteInput(QuoteTarget, MailFields):
    pass


RejectQuoteInput = input_type("RejectQuoteInput", QuoteTarget, "The sent quote the customer declined.")
CancelQuoteInput = input_type("CancelQuoteInput", QuoteTarget, "The draft or sent quote to withdraw.")
ReviseQuoteInput = input_type(
    "ReviseQuoteInput", QuoteTarget, "The quote to revise: the latest revision, DRAFT, SENT or REJECTED."
)
ExpireQuoteInput = input_type(
    "ExpireQuoteInput",
    QuoteTarget,
    "The SENT quote whose validity has passed (its validUntil day, in UTC, is over), to mark EXPIRED.",
)
