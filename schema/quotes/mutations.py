"""Quote mutations: the conversion from an opportunity, edits, sending, revising, rejecting, canceling."""

from __future__ import annotations

from typing import Optional

import strawberry

from ...statemachine import mail as mailing
from ...statemachine import quote as ops
from ..core.errors import UserError
from ..core.inputs import ref_id, sent
from ..core.mail import mail_request
from ..core.mutations import Input, errors_field, mutate, mutation, payload_type, trigger
from ..core.printable import render_at_once
from .inputs import (
    CancelQuoteInput,
    ConvertOpportunityToQuoteInput,
    ExpireQuoteInput,
    RejectQuoteInput,
    ReviseQuoteInput,
    SendQuoteInput,
    UpdateQuoteInput,
)
from .types import Quote


@strawberry.type
class QuoteResult:
    """What a mutation of one quote answers (each mutation has its own payload type from it)."""

    quote: Optional[Quote] = strawberry.field(
        default=None, description="The quote as it is now; null if the mutation did not happen."
    )
    errors: list[UserError] = errors_field()


ConvertOpportunityToQuotePayload = payload_type(
    "ConvertOpportunityToQuotePayload", QuoteResult, "What convertOpportunityToQuote answers: the new draft quote."
)
UpdateQuotePayload = payload_type("UpdateQuotePayload", QuoteResult, "What updateQuote answers: the changed draft.")
SendQuotePayload = payload_type("SendQuotePayload", QuoteResult, "What sendQuote answers: the quote, now SENT.")
RejectQuotePayload = payload_type(
    "RejectQuotePayload", QuoteResult, "What rejectQuote answers: the quote, now REJECTED."
)
CancelQuotePayload = payload_type(
    "CancelQuotePayload", QuoteResult, "What cancelQuote answers: the quote, now CANCELED."
)


@strawberry.type(description="What reviseQuote answers: the new draft revision and the one it superseded.")
class ReviseQuotePayload:
    quote: Optional[Quote] = strawberry.field(
        default=None,
        description="The new draft revision (same number, "
        "revision + 1, lines copied); null if the "
        "mutation did not happen.",
    )
    previous_revision: Optional[Quote] = strawberry.field(
        default=None, description="The quote that was revised, now SUPERSEDED; null if the mutation did not happen."
    )
    errors: list[UserError] = errors_field()


ExpireQuotePayload = payload_type(
    "ExpireQuotePayload",
    QuoteResult,
    "What expireQuote answers: the quote, now EXPIRED (VALIDATION if it is still valid, "
    "INVALID_TRANSITION if it is not SENT).",
)


def _quote(result):
    return {"quote": result}


def _quote_id(data) -> int:
    return ref_id(data.quote_id, "Quote", "quoteId")


@strawberry.type
class QuoteMutations:
    @mutation(
        "The seed's second conversion: an OPEN opportunity gets a written offer, a new DRAFT quote.",
        ("create", "quote"),
    )
    def convert_opportunity_to_quote(
        self, info: strawberry.Info, input: Input[ConvertOpportunityToQuoteInput]
    ) -> ConvertOpportunityToQuotePayload:
        def call(uow, **kw):
            return ops.convert_opportunity_to_quote(
                uow,
                ref_id(input.opportunity_id, "Opportunity", "opportunityId"),
                input.kind.value,
                currency=input.currency,
                valid_until=input.valid_until,
                lines=input.lines,
                terms=input.terms,
                start_date=input.start_date,
                end_date=input.end_date,
                **kw,
            )

        return mutate(
            info,
            (),
            call,
            _quote,
            ConvertOpportunityToQuotePayload,
            name="convertOpportunityToQuote",
            data=input,
            key=input.idempotency_key,
        )

    @mutation(
        "Edit a DRAFT: its lines (replaced as a whole), dates or terms; totals are recomputed.", ("write", "quote")
    )
    def update_quote(self, info: strawberry.Info, input: Input[UpdateQuoteInput]) -> UpdateQuotePayload:
        changes = sent(input, "lines", "valid_until", "terms", "start_date", "end_date")
        return mutate(
            info,
            (),
            lambda uow, **kw: ops.update_quote(
                uow, _quote_id(input), expected_version=input.expected_version, **changes, **kw
            ),
            _quote,
            UpdateQuotePayload,
        )

    @mutation(
        "DRAFT → SENT. It needs at least one line, a validUntil that is not past, and, for a contract, a "
        "start and an end date. With `email: true` it is also e-mailed to the customer (see `Quote.mails`).",
        ("write", "quote"),
    )
    def send_quote(self, info: strawberry.Info, input: Input[SendQuoteInput]) -> SendQuotePayload:
        def call(uow, **kw):
            return mailing.send_quote(
                uow, _quote_id(input), mail=mail_request(input), expected_version=input.expected_version, **kw
            )

        payload = mutate(info, (), call, _quote, SendQuotePayload)
        return render_at_once(info, payload, "quote")

    @mutation("SENT → REJECTED: the customer said no (it can still be revised).", ("write", "quote"))
    def reject_quote(self, info: strawberry.Info, input: Input[RejectQuoteInput]) -> RejectQuotePayload:
        return mutate(info, (), trigger(ops.reject_quote, _quote_id, input), _quote, RejectQuotePayload)

    @mutation("DRAFT or SENT → CANCELED: withdraw the offer.", ("write", "quote"))
    def cancel_quote(self, info: strawberry.Info, input: Input[CancelQuoteInput]) -> CancelQuotePayload:
        return mutate(info, (), trigger(ops.cancel_quote, _quote_id, input), _quote, CancelQuotePayload)

    @mutation(
        "Negotiate: the latest revision (DRAFT, SENT or REJECTED) becomes SUPERSEDED and a new DRAFT "
        "with the same number, revision + 1 and the same lines takes its place.",
        ("write", "quote"),
        ("create", "quote"),
    )
    def revise_quote(self, info: strawberry.Info, input: Input[ReviseQuoteInput]) -> ReviseQuotePayload:
        return mutate(
            info,
            (),
            trigger(ops.revise_quote, _quote_id, input),
            lambda pair: {"quote": pair[0], "previous_revision": pair[1]},
            ReviseQuotePayload,
        )

    @mutation(
        "SENT → EXPIRED once its validity has passed (a quote is valid through its validUntil day, in UTC). "
        "The server also does this for every lapsed quote at start and just after each midnight UTC; a "
        "lapsed quote lists expireQuote in its availableActions until then.",
        ("write", "quote"),
    )
    def expire_quote(self, info: strawberry.Info, input: Input[ExpireQuoteInput]) -> ExpireQuotePayload:
        return mutate(info, (), trigger(ops.expire_quote, _quote_id, input), _quote, ExpireQuotePayload)
