"""Opportunity lifecycle: open → won | lost, reopened; moves through the sales stages while open."""

from __future__ import annotations

from decimal import Decimal

from ..domain.errors import DomainError, ErrorCode, invalid
from ..domain.message import Message, named
from ..domain.money import MAX_AMOUNT, ZERO, check_currency, money_amount, round_money
from ..domain.opportunity import Opportunity
from ..domain.status import OpportunityStatus as S
from ..domain.status import OrderStatus
from .engine import Context, Guard, Lifecycle, check_version, operation, require_text, route, trigger_operation
from .records import stages_in_order

HUNDRED = Decimal(100)


no_live_order = Guard(
    "no_live_order",
    lambda opp, ctx: opp.live_orders == 0,
    ErrorCode.INVALID_TRANSITION,
    Message("it has a live order; cancel the order first"),
    "opportunityId",
)

#: What each state means to whoever reads the opportunity (the GraphQL enum's descriptions).
STATES = {
    S.OPEN: "Being worked on: it sits on a stage of the sales process and takes that stage's probability.",
    S.WON: "Won (an order was placed, or winOpportunity): probability 100, and its amount is the sum of its "
    "live orders. It can be reopened only while it has no live order.",
    S.LOST: "Lost, with a reason (lostReason): probability 0. reopenOpportunity makes it OPEN again.",
}

LIFECYCLE = Lifecycle(
    "opportunity",
    S,
    S.OPEN,
    [
        route("move_stage", S.OPEN, S.OPEN),
        route("win", S.OPEN, S.WON),
        route("lose", S.OPEN, S.LOST),
        route("reopen", S.LOST, S.OPEN),
        route("reopen", S.WON, S.OPEN, no_live_order),
    ],
    STATES,
)

EDITABLE = ("title", "account_id", "contact_id", "expected_close", "amount", "currency")


def build_opportunity(
    ctx: Context, title: str, *, stage_id: int | None = None, currency: str | None = None, **fields
) -> Opportunity:
    """A new open opportunity on the given (or the first) stage, not yet stored."""
    if stage_id is not None:
        stage = ctx.require(ctx.uow.stages, stage_id, "stage", "stageId")
    else:
        stages = stages_in_order(ctx.uow)
        stage = stages[0] if stages else None
    return Opportunity(
        title=require_text(title, "title", Message("a title")),
        stage_id=stage.id if stage else None,
        probability=stage.probability if stage else ZERO,
        currency=check_currency(currency) if currency else None,
        **fields,
    )


@operation
def create_opportunity(
    ctx: Context,
    title: str,
    *,
    account_id: int | None = None,
    contact_id: int | None = None,
    stage_id: int | None = None,
    currency: str | None = None,
    amount=None,
    owner_id: int | None = None,
    expected_close=None,
) -> Opportunity:
    if account_id is not None:
        ctx.require(ctx.uow.accounts, account_id, "account", "accountId")
    if contact_id is not None:
        ctx.require(ctx.uow.contacts, contact_id, "contact", "contactId")
    opp = build_opportunity(
        ctx,
        title,
        stage_id=stage_id,
        currency=currency,
        account_id=account_id,
        contact_id=contact_id,
        owner_id=owner_id,
        expected_close=expected_close,
    )
    if amount is not None:
        if not opp.currency:
            raise invalid("an amount needs a currency", "currency")
        opp.amount = money_amount(amount, opp.currency, "amount")
    return ctx.create(ctx.uow.opportunities, opp)


def has_documents(uow, opp: Opportunity) -> bool:
    return bool(uow.quotes.find(opportunity_id=opp.id) or uow.orders.find(opportunity_id=opp.id))


@operation
def update_opportunity(
    ctx: Context, opportunity_id: int, *, expected_version: int | None = None, **changes
) -> Opportunity:
    opp = ctx.require(ctx.uow.opportunities, opportunity_id, "opportunity", "opportunityId", lock=True)
    check_version(opp, expected_version)
    for key in changes:
        if key not in EDITABLE:
            raise invalid("{key} cannot be changed", key, key=key)
    if "currency" in changes and check_currency(changes["currency"]) != opp.currency:
        if has_documents(ctx.uow, opp):
            raise DomainError(
                ErrorCode.CURRENCY_MISMATCH,
                "the currency is fixed once the opportunity has quotes or orders",
                "currency",
            )
        opp.currency = check_currency(changes["currency"])
        opp.amount = round_money(opp.amount, opp.currency)
    if "amount" in changes:
        if opp.status != S.OPEN:
            raise invalid("the amount of a won or lost opportunity comes from its orders", "amount")
        if not opp.currency:
            raise invalid("an amount needs a currency", "currency")
        opp.amount = money_amount(changes["amount"], opp.currency, "amount")
    for key in ("account_id", "contact_id"):
        if changes.get(key) is not None:
            repo = ctx.uow.accounts if key == "account_id" else ctx.uow.contacts
            ctx.require(
                repo, changes[key], key.removesuffix("_id"), "accountId" if key == "account_id" else "contactId"
            )
    for key in ("title", "account_id", "contact_id", "expected_close"):
        if key in changes:
            value = changes[key]
            setattr(opp, key, require_text(value, "title", Message("a title")) if key == "title" else value)
    opp.updated_at = ctx.now
    return opp


@operation
def move_opportunity_stage(
    ctx: Context, opportunity_id: int, stage_id: int, *, expected_version: int | None = None
) -> Opportunity:
    opp = ctx.require(ctx.uow.opportunities, opportunity_id, "opportunity", "opportunityId", lock=True)
    check_version(opp, expected_version)
    stage = ctx.require(ctx.uow.stages, stage_id, "stage", "stageId")
    if not stage.active:
        raise invalid("stage {name!r} is archived", "stageId", name=stage.name)
    previous = opp.stage_id
    opp.stage_id, opp.probability = stage.id, stage.probability
    LIFECYCLE.fire(opp, "move_stage", ctx, reason=f"stage {previous} → {stage.id}")
    return opp


def win(ctx: Context, opp: Opportunity, reason: str | None = None) -> None:
    """Mark won inside another operation (an order was placed)."""
    LIFECYCLE.fire(opp, "win", ctx, reason)
    _won(ctx, opp, reason)


def refresh_amount(uow, opp: Opportunity, field: str = "lines") -> None:
    """Once it has orders, the opportunity is worth the sum of its live orders: within MAX_AMOUNT,
    like every stored amount (VALIDATION on `field`, the input that would push it past)."""
    orders = uow.orders.find(opportunity_id=opp.id)
    live = [o for o in orders if o.status != OrderStatus.CANCELED]
    opp.live_orders = len(live)
    if orders:
        total = sum((o.total for o in live), ZERO)
        if abs(total) > MAX_AMOUNT:
            raise invalid(
                "{opp}'s orders would come to {total} {currency}; an opportunity's amount is limited to {most:,}",
                field,
                opp=named(opp),
                total=total,
                currency=opp.currency,
                most=MAX_AMOUNT,
            )
        opp.amount = total


def _won(ctx: Context, opp: Opportunity, reason: str | None) -> None:
    opp.probability, opp.lost_reason = HUNDRED, None


def _lost(ctx: Context, opp: Opportunity, reason: str | None) -> None:
    opp.probability, opp.lost_reason = ZERO, reason


def _reopened(ctx: Context, opp: Opportunity, reason: str | None) -> None:
    stage = ctx.uow.stages.get(opp.stage_id) if opp.stage_id else None
    opp.probability = stage.probability if stage else ZERO
    opp.lost_reason = None


win_opportunity = trigger_operation(LIFECYCLE, "opportunities", "win", then=_won)
lose_opportunity = trigger_operation(LIFECYCLE, "opportunities", "lose", reason_required=True, then=_lost)
reopen_opportunity = trigger_operation(LIFECYCLE, "opportunities", "reopen", then=_reopened)
