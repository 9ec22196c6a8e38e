"""Quote lifecycle: draft → sent → accepted; rejected, expired, superseded by a revision, canceled."""

from __future__ import annotations

from datetime import date

from ..domain.errors import DomainError, ErrorCode, invalid
from ..domain.message import STATE_WORDS, Message, named, word
from ..domain.opportunity import Opportunity
from ..domain.quote import Quote, QuoteLine
from ..domain.status import OpportunityStatus, QuoteKind
from ..domain.status import QuoteStatus as S
from .documents import freeze
from .engine import Context, Guard, Lifecycle, check_version, operation, route, trigger_operation
from .pricing import build_lines, copy_lines, inherit_currency

has_lines = Guard(
    "has_lines", lambda q, ctx: bool(q.lines), ErrorCode.VALIDATION, Message("a quote needs at least one line"), "lines"
)
still_valid = Guard(
    "still_valid",
    lambda q, ctx: q.valid_until is not None and not q.lapsed(ctx.today),
    ErrorCode.VALIDATION,
    Message("validUntil must be set and not in the past"),
    "validUntil",
)
contract_dated = Guard(
    "contract_dated",
    lambda q, ctx: q.kind != QuoteKind.CONTRACT or bool(q.start_date and q.end_date),
    ErrorCode.VALIDATION,
    Message("a contract needs a start and an end date"),
    "startDate",
)
latest = Guard(
    "latest",
    lambda q, ctx: q.is_latest,
    ErrorCode.NOT_LATEST_REVISION,
    Message("a newer revision exists; only the latest revision can be used"),
    "quoteId",
)
unexpired = Guard(
    "unexpired",
    lambda q, ctx: not q.lapsed(ctx.today),
    ErrorCode.QUOTE_EXPIRED,
    Message("its validity has passed"),
    "quoteId",
)
lapsed = Guard(
    "lapsed", lambda q, ctx: q.lapsed(ctx.today), ErrorCode.VALIDATION, Message("it is still valid"), "quoteId"
)
opportunity_not_lost = Guard(
    "opportunity_not_lost",
    lambda q, ctx: ctx.uow.opportunities.get(q.opportunity_id).status != OpportunityStatus.LOST,
    ErrorCode.INVALID_TRANSITION,
    Message("its opportunity is lost; reopen the opportunity first"),
    "quoteId",
)

#: What each state means to whoever reads the quote (the GraphQL enum's descriptions).
STATES = {
    S.DRAFT: "Being written: the only state in which its lines, dates and terms can change (updateQuote).",
    S.SENT: "Sent to the customer, waiting for an answer: accepting it is convertQuoteToOrder.",
    S.ACCEPTED: "Accepted: it became an order (its `order`).",
    S.REJECTED: "The customer said no; reviseQuote can still make a new draft revision of it.",
    S.EXPIRED: "Its validUntil passed while it was sent; it can no longer be accepted.",
    S.SUPERSEDED: "Replaced by a newer revision with the same number (reviseQuote); read-only.",
    S.CANCELED: "Withdrawn before the customer answered; read-only.",
}

#: What each kind of quote is (the GraphQL enum's descriptions).
KINDS = {
    QuoteKind.PROFORMA: "A pre-invoice: the offer with its prices, valid until a date.",
    QuoteKind.CONTRACT: "A contract: the offer with a start and an end date and terms (both dates are needed "
    "to send it).",
}

LIFECYCLE = Lifecycle(
    "quote",
    S,
    S.DRAFT,
    [
        route("send", S.DRAFT, S.SENT, has_lines, still_valid, contract_dated),
        route("accept", S.SENT, S.ACCEPTED, latest, unexpired, opportunity_not_lost),
        route("reject", S.SENT, S.REJECTED),
        route("expire", S.SENT, S.EXPIRED, lapsed),
        route("revise", [S.DRAFT, S.SENT, S.REJECTED], S.SUPERSEDED, latest),
        route("cancel", [S.DRAFT, S.SENT], S.CANCELED),
    ],
    STATES,
    entered={S.SENT: freeze},
)


def _check_dates(start: date | None, end: date | None) -> None:
    if start and end and end < start:
        raise invalid("the end date is before the start date", "endDate")


@operation
def convert_opportunity_to_quote(
    ctx: Context,
    opportunity_id: int,
    kind: str = QuoteKind.PROFORMA,
    *,
    currency: str | None = None,
    valid_until: date | None = None,
    lines=None,
    terms: str | None = None,
    start_date: date | None = None,
    end_date: date | None = None,
) -> Quote:
    """A new draft quote (revision 0) for an open opportunity."""
    opp: Opportunity = ctx.require(ctx.uow.opportunities, opportunity_id, "opportunity", "opportunityId", lock=True)
    if opp.status != OpportunityStatus.OPEN:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            "{opp} is {status}: only an open opportunity can be quoted",
            "opportunityId",
            opp=named(opp),
            status=word(STATE_WORDS, opp.status),
        )
    try:
        kind = QuoteKind(str(kind).lower())
    except ValueError:
        raise invalid("unknown quote kind {kind!r}", "kind", kind=kind) from None
    _check_dates(start_date, end_date)
    code = inherit_currency(opp, currency)
    quote = Quote(
        number=ctx.uow.numbers.next("quote", on=ctx.today),
        kind=kind.value,
        currency=code,
        opportunity_id=opp.id,
        valid_until=valid_until,
        terms=terms,
        start_date=start_date,
        end_date=end_date,
        owner_id=opp.owner_id,
        lines=build_lines(QuoteLine, lines, code),
    )
    quote.retotal()
    return ctx.create(ctx.uow.quotes, quote)


UNSET = object()


@operation
def update_quote(
    ctx: Context,
    quote_id: int,
    *,
    lines=None,
    valid_until=UNSET,
    terms=UNSET,
    start_date=UNSET,
    end_date=UNSET,
    expected_version: int | None = None,
) -> Quote:
    """Edit a draft: replace its lines, dates or terms."""
    quote: Quote = ctx.require(ctx.uow.quotes, quote_id, "quote", "quoteId", lock=True)
    check_version(quote, expected_version)
    if quote.status != S.DRAFT:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION,
            "{quote} is {status}: only a draft can be edited",
            "quoteId",
            quote=named(quote),
            status=word(STATE_WORDS, quote.status),
        )
    for name, value in (
        ("valid_until", valid_until),
        ("terms", terms),
        ("start_date", start_date),
        ("end_date", end_date),
    ):
        if value is not UNSET:
            setattr(quote, name, value)
    _check_dates(quote.start_date, quote.end_date)
    if lines is not None:
        quote.lines[:] = build_lines(QuoteLine, lines, quote.currency)
        quote.retotal()
    quote.updated_at = ctx.now
    return quote


send_quote = trigger_operation(LIFECYCLE, "quotes", "send")
reject_quote = trigger_operation(LIFECYCLE, "quotes", "reject")
cancel_quote = trigger_operation(LIFECYCLE, "quotes", "cancel")
expire_quote = trigger_operation(LIFECYCLE, "quotes", "expire")


def refuse_stale(quote: Quote) -> None:
    """The specific refusals for a quote that is no longer the one to act on."""
    if quote.status == S.EXPIRED:
        raise DomainError(ErrorCode.QUOTE_EXPIRED, "{quote} has expired", "quoteId", quote=named(quote))
    if quote.status == S.SUPERSEDED or not quote.is_latest:
        raise DomainError(
            ErrorCode.NOT_LATEST_REVISION, "{quote} was superseded by a newer revision", "quoteId", quote=named(quote)
        )


@operation
def revise_quote(ctx: Context, quote_id: int, *, expected_version: int | None = None) -> tuple[Quote, Quote]:
    """Supersede a quote with a new draft revision (same number, revision + 1, lines copied)."""
    old: Quote = ctx.require(ctx.uow.quotes, quote_id, "quote", "quoteId", lock=True)
    check_version(old, expected_version)
    if old.status != S.EXPIRED:
        refuse_stale(old)
    LIFECYCLE.fire(old, "revise", ctx)
    old.is_latest = False
    ctx.uow.flush()  # the unique "one latest revision" index sees the old one retire first
    new = Quote(
        number=old.number,
        revision=old.revision + 1,
        kind=old.kind,
        currency=old.currency,
        opportunity_id=old.opportunity_id,
        valid_until=old.valid_until,
        start_date=old.start_date,
        end_date=old.end_date,
        terms=old.terms,
        previous_revision_id=old.id,
        owner_id=old.owner_id,
        lines=copy_lines(QuoteLine, old.lines, old.currency),
    )
    new.retotal()
    ctx.create(ctx.uow.quotes, new)
    return new, old


@operation
def expire_quotes(ctx: Context) -> list[Quote]:
    """Expire every sent quote whose validity has passed (Quote.lapsed), in one transaction.

    `salesflow serve` runs it at start and just after each midnight UTC, when quotes lapse;
    `salesflow expire-quotes` runs it on demand.
    """
    expired = []
    # locked: a sweep running twice at once (two servers) expires each quote once, and one being accepted
    # right now is left to that acceptance
    for quote in ctx.uow.quotes.find(status=S.SENT.value, lock=True):
        if LIFECYCLE.may(quote, "expire", ctx):
            LIFECYCLE.fire(quote, "expire", ctx)
            expired.append(quote)
    return expired
