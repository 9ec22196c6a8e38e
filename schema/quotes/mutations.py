"""Quote mutations: the conversion from an opportunity, edits, sending, revising, rejecting, canceling."""
from __future__ import annotations

from typing import Annotated, Optional

import strawberry

from ...statemachine import quote as ops
from ..core.errors import UserError
from ..core.inputs import ref_id, sent
from ..core.mutations import mutate, trigger
from .inputs import ConvertOpportunityToQuoteInput, ExpireQuoteInput, QuoteActionInput, UpdateQuoteInput
from .types import Quote


@strawberry.type
class QuotePayload:
    quote: Optional[Quote] = None
    errors: list[UserError]


@strawberry.type
class ReviseQuotePayload:
    quote: Optional[Quote] = strawberry.field(default=None, description="The new draft revision.")
    previous_revision: Optional[Quote] = None
    errors: list[UserError]


@strawberry.type(description="What expireQuote answers.")
class ExpireQuotePayload:
    quote: Optional[Quote] = strawberry.field(default=None, description="The quote, now EXPIRED; null if refused.")
    errors: list[UserError] = strawberry.field(
        description="Why nothing changed (e.g. VALIDATION: it is still valid; INVALID_TRANSITION: it is not "
                    "sent); empty when the quote expired.")


def _quote(result):
    return {"quote": result}


def _quote_id(data) -> int:
    return ref_id(data.quote_id, "Quote", "quoteId")



@strawberry.type
class QuoteMutations:
    @strawberry.mutation(description="The seed's second conversion: an opportunity gets a written offer.")
    def convert_opportunity_to_quote(self, info: strawberry.Info, input: ConvertOpportunityToQuoteInput) -> QuotePayload:
        def call(uow, **kw):
            return ops.convert_opportunity_to_quote(
                uow, ref_id(input.opportunity_id, "Opportunity", "opportunityId"), input.kind.value,
                currency=input.currency, valid_until=input.valid_until, lines=input.lines, terms=input.terms,
                start_date=input.start_date, end_date=input.end_date, **kw)
        return mutate(info, [("create", "quote")], call, _quote, QuotePayload,
                      name="convertOpportunityToQuote", data=input, key=input.idempotency_key)

    @strawberry.mutation(description="Edit a draft: its lines (replaced), dates or terms.")
    def update_quote(self, info: strawberry.Info, input: UpdateQuoteInput) -> QuotePayload:
        changes = sent(input, "lines", "valid_until", "terms", "start_date", "end_date")
        return mutate(info, [("write", "quote")],
                      lambda uow, **kw: ops.update_quote(uow, _quote_id(input), expected_version=input.expected_version,
                                                         **changes, **kw),
                      _quote, QuotePayload)

    @strawberry.mutation
    def send_quote(self, info: strawberry.Info, input: QuoteActionInput) -> QuotePayload:
        return mutate(info, [("write", "quote")], trigger(ops.send_quote, _quote_id, input), _quote, QuotePayload)

    @strawberry.mutation
    def reject_quote(self, info: strawberry.Info, input: QuoteActionInput) -> QuotePayload:
        return mutate(info, [("write", "quote")], trigger(ops.reject_quote, _quote_id, input), _quote, QuotePayload)

    @strawberry.mutation
    def cancel_quote(self, info: strawberry.Info, input: QuoteActionInput) -> QuotePayload:
        return mutate(info, [("write", "quote")], trigger(ops.cancel_quote, _quote_id, input), _quote, QuotePayload)

    @strawberry.mutation(description="A new draft revision with the same number; the old one is superseded.")
    def revise_quote(self, info: strawberry.Info, input: QuoteActionInput) -> ReviseQuotePayload:
        return mutate(info, [("write", "quote"), ("create", "quote")], trigger(ops.revise_quote, _quote_id, input),
                      lambda pair: {"quote": pair[0], "previous_revision": pair[1]}, ReviseQuotePayload)

    @strawberry.mutation(description=(
        "Mark a sent quote whose validity has passed as EXPIRED (a quote is valid through its validUntil "
        "day, in UTC). The server also does this for every lapsed quote at start and just after each "
        "midnight UTC; a lapsed quote lists expireQuote in its availableActions until then."))
    def expire_quote(self, info: strawberry.Info, input: Annotated[
            ExpireQuoteInput, strawberry.argument(description="The quote to expire.")]) -> ExpireQuotePayload:
        return mutate(info, [("write", "quote")], trigger(ops.expire_quote, _quote_id, input), _quote,
                      ExpireQuotePayload)
