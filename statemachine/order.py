"""Order lifecycle: open → partially_delivered → delivered; canceled while nothing is delivered.

Deliveries record quantities per line; the order's invoicing policy decides which deliveries
make invoices.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from ..domain.errors import DomainError, ErrorCode, invalid
from ..domain.invoice import Invoice
from ..domain.lines import check_line_count, reader
from ..domain.message import Message, named
from ..domain.money import MAX_INPUT_DECIMALS, check_places, to_decimal
from ..domain.opportunity import Opportunity
from ..domain.order import Delivery, DeliveryLine, Order, OrderLine
from ..domain.quote import Quote
from ..domain.status import InvoiceStatus, InvoicingPolicy, OpportunityStatus, QuoteStatus
from ..domain.status import OrderStatus as S
from . import invoice as invoices
from . import opportunity as opportunities
from . import quote as quotes
from .engine import Context, Guard, Lifecycle, aware, check_version, operation, route
from .pricing import build_lines, copy_lines, inherit_currency

fully_delivered = Guard(
    "fully_delivered", lambda o, ctx: o.fully_delivered, ErrorCode.VALIDATION, Message("something remains to deliver")
)
partly_delivered = Guard(
    "partly_delivered", lambda o, ctx: not o.fully_delivered, ErrorCode.VALIDATION, Message("everything is delivered")
)
nothing_delivered = Guard(
    "nothing_delivered",
    lambda o, ctx: not o.anything_delivered and not o.anything_invoiced,
    ErrorCode.INVALID_TRANSITION,
    Message("something was already delivered or invoiced"),
    "orderId",
)

#: What each state means to whoever reads the order (the GraphQL enum's descriptions).
STATES = {
    S.OPEN: "Placed, nothing delivered yet; it can still be canceled while nothing is invoiced.",
    S.PARTIALLY_DELIVERED: "Some quantities delivered (recordDelivery), some still to deliver.",
    S.DELIVERED: "Every line delivered in full.",
    S.CANCELED: "Canceled before anything was delivered or invoiced; its draft invoices were canceled with it.",
}

#: What each invoicing policy does (the GraphQL enum's descriptions).
POLICIES = {
    InvoicingPolicy.PER_DELIVERY: "Each delivery creates a draft invoice for what it delivered (the seed's rule).",
    InvoicingPolicy.ON_COMPLETION: "One draft invoice, created when the last line is delivered in full.",
    InvoicingPolicy.MANUAL: "No invoice by itself: convertOrderToInvoice invoices what is delivered and not yet "
    "invoiced.",
}

LIFECYCLE = Lifecycle(
    "order",
    S,
    S.OPEN,
    [
        route("deliver", [S.OPEN, S.PARTIALLY_DELIVERED], S.DELIVERED, fully_delivered),
        route("deliver", [S.OPEN, S.PARTIALLY_DELIVERED], S.PARTIALLY_DELIVERED, partly_delivered),
        route("cancel", S.OPEN, S.CANCELED, nothing_delivered),
    ],
    STATES,
)


def parse_policy(value) -> str:
    try:
        return InvoicingPolicy(str(value).lower()).value
    except ValueError:
        raise invalid("unknown invoicing policy {value!r}", "invoicingPolicy", value=value) from None


def _place(ctx: Context, opp: Opportunity, order: Order, field: str = "lines") -> Order:
    """Store a new order; its opportunity is won and worth the sum of its live orders."""
    order.retotal()
    order.account_id = opp.account_id
    ctx.create(ctx.uow.orders, order)
    if opp.status == OpportunityStatus.OPEN:
        opportunities.win(ctx, opp, reason=f"order {order.number}")
    opportunities.refresh_amount(ctx.uow, opp, field)
    return order


def _opportunity_for_order(ctx: Context, opportunity_id: int, field: str) -> Opportunity:
    opp = ctx.require(ctx.uow.opportunities, opportunity_id, "opportunity", field, lock=True)
    if opp.status == OpportunityStatus.LOST:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, "{opp} is lost: reopen it before placing an order", field, opp=named(opp)
        )
    return opp


@operation
def create_order(
    ctx: Context, opportunity_id: int, currency: str, lines, *, invoicing_policy=InvoicingPolicy.PER_DELIVERY
) -> Order:
    """An order straight from an opportunity, with no quote."""
    opp = _opportunity_for_order(ctx, opportunity_id, "opportunityId")
    policy = parse_policy(invoicing_policy)
    code = inherit_currency(opp, currency)
    built = build_lines(OrderLine, lines, code)
    if not built:
        raise invalid("an order needs at least one line", "lines")
    order = Order(
        number=ctx.uow.numbers.next("order", on=ctx.today),
        invoicing_policy=policy,
        currency=code,
        opportunity_id=opp.id,
        owner_id=opp.owner_id,
        lines=built,
    )
    return _place(ctx, opp, order)


@dataclass
class Acceptance:
    order: Order
    quote: Quote
    opportunity: Opportunity


@operation
def convert_quote_to_order(
    ctx: Context, quote_id: int, *, invoicing_policy=InvoicingPolicy.PER_DELIVERY, expected_version: int | None = None
) -> Acceptance:
    """Accept the latest, unexpired revision of a sent quote: it becomes an order."""
    quote: Quote = ctx.require(ctx.uow.quotes, quote_id, "quote", "quoteId", lock=True)
    check_version(quote, expected_version)
    policy = parse_policy(invoicing_policy)
    if quote.status == QuoteStatus.ACCEPTED:
        raise DomainError(ErrorCode.ALREADY_CONVERTED, "{quote} was already accepted", "quoteId", quote=named(quote))
    quotes.refuse_stale(quote)
    opp = _opportunity_for_order(ctx, quote.opportunity_id, "quoteId")
    quotes.LIFECYCLE.fire(quote, "accept", ctx)
    order = Order(
        number=ctx.uow.numbers.next("order", on=ctx.today),
        invoicing_policy=policy,
        currency=quote.currency,
        opportunity_id=opp.id,
        quote_id=quote.id,
        owner_id=quote.owner_id,
        lines=copy_lines(OrderLine, quote.lines, quote.currency),
    )
    return Acceptance(_place(ctx, opp, order, "quoteId"), quote, opp)


@dataclass
class DeliveryResult:
    delivery: Delivery
    order: Order
    invoice: Invoice | None


def _delivered_quantities(order: Order, lines) -> dict[int, Decimal]:
    if not lines:
        raise invalid("a delivery needs at least one line", "lines")
    check_line_count(lines)
    wanted: dict[int, Decimal] = {}
    for i, raw in enumerate(lines):
        get = reader(raw)
        line_id, field = get("order_line_id"), f"lines.{i}"
        line = order.line(line_id)
        if line is None:
            raise DomainError(
                ErrorCode.NOT_FOUND,
                "{order} has no line {line}",
                f"{field}.orderLineId",
                order=named(order),
                line=line_id,
            )
        if line_id in wanted:
            raise invalid("each order line may appear once per delivery", f"{field}.orderLineId")
        qty = check_places(to_decimal(get("quantity"), f"{field}.quantity"), MAX_INPUT_DECIMALS, f"{field}.quantity")
        if qty <= 0:
            raise invalid("quantity must be greater than zero", f"{field}.quantity")
        if qty > line.remaining_quantity:
            raise DomainError(
                ErrorCode.OVER_DELIVERY,
                "line {line!r} has {left} left to deliver, not {qty}",
                f"{field}.quantity",
                line=line.description,
                left=line.remaining_quantity,
                qty=qty,
            )
        wanted[line_id] = qty
    return wanted


@operation
def record_delivery(
    ctx: Context, order_id: int, lines, *, delivered_at: datetime | None = None, expected_version: int | None = None
) -> DeliveryResult:
    """Record one delivery stage; under PER_DELIVERY it makes that stage's draft invoice."""
    order: Order = ctx.require(ctx.uow.orders, order_id, "order", "orderId", lock=True)
    check_version(order, expected_version)
    LIFECYCLE.check_source(order, "deliver")
    wanted = _delivered_quantities(order, lines)
    delivered_at = aware(delivered_at, "deliveredAt")
    delivery = Delivery(
        number=ctx.uow.numbers.next("delivery", on=ctx.today),
        order_id=order.id,
        delivered_at=delivered_at or ctx.now,
        created_by_id=ctx.actor_id,
        created_at=ctx.now,
        updated_at=ctx.now,
        lines=[DeliveryLine(order_line_id=lid, quantity=q) for lid, q in wanted.items()],
    )
    ctx.uow.deliveries.add(delivery)
    ctx.uow.flush()
    for line_id, qty in wanted.items():
        order.line(line_id).delivered_quantity += qty
    LIFECYCLE.fire(order, "deliver", ctx, reason=f"delivery {delivery.number}")
    invoice = None
    if order.invoicing_policy == InvoicingPolicy.PER_DELIVERY:
        invoice = invoices.invoice_quantities(ctx, order, wanted, delivery)
    elif order.invoicing_policy == InvoicingPolicy.ON_COMPLETION and order.status == S.DELIVERED:
        invoice = invoices.invoice_quantities(ctx, order, _uninvoiced(order), delivery)
    return DeliveryResult(delivery, order, invoice)


def _uninvoiced(order: Order) -> dict[int, Decimal]:
    return {ln.id: ln.invoiceable_quantity for ln in order.lines if ln.invoiceable_quantity > 0}


def manual_invoice_refusal(order: Order) -> DomainError | None:
    """Why `convert_order_to_invoice` would refuse this order now, or None if it may run.

    An ON_COMPLETION order is invoiced once, when its last delivery is recorded: invoicing part of it
    by hand before that would break its policy. (availableActions asks the same question.)
    """
    if order.status == S.CANCELED:
        return DomainError(ErrorCode.INVALID_TRANSITION, "{order} is canceled", "orderId", order=named(order))
    if order.invoicing_policy == InvoicingPolicy.ON_COMPLETION and order.status != S.DELIVERED:
        return DomainError(
            ErrorCode.INVALID_TRANSITION,
            "{order} is invoiced on completion: its invoice is made when everything is delivered",
            "orderId",
            order=named(order),
        )
    if not _uninvoiced(order):
        return DomainError(
            ErrorCode.NOTHING_TO_INVOICE,
            "{order} has nothing delivered that is not invoiced",
            "orderId",
            order=named(order),
        )
    return None


@operation
def convert_order_to_invoice(ctx: Context, order_id: int, *, expected_version: int | None = None) -> Invoice:
    """A draft invoice for everything delivered and not yet invoiced (see manual_invoice_refusal)."""
    order: Order = ctx.require(ctx.uow.orders, order_id, "order", "orderId", lock=True)
    check_version(order, expected_version)
    refusal = manual_invoice_refusal(order)
    if refusal is not None:
        raise refusal
    return invoices.invoice_quantities(ctx, order, _uninvoiced(order))


@operation
def cancel_order(
    ctx: Context, order_id: int, reason: str | None = None, *, expected_version: int | None = None
) -> Order:
    """Cancel an order with nothing delivered or invoiced; its draft invoices are canceled too."""
    order: Order = ctx.require(ctx.uow.orders, order_id, "order", "orderId", lock=True)
    check_version(order, expected_version)
    LIFECYCLE.fire(order, "cancel", ctx, reason)
    order.cancel_reason = reason
    for inv in ctx.uow.invoices.find(order_id=order.id, status=InvoiceStatus.DRAFT.value):
        invoices.cancel_draft(ctx, inv, reason=f"order {order.number} canceled")
    opp = ctx.uow.opportunities.get(order.opportunity_id, lock=True)
    opportunities.refresh_amount(ctx.uow, opp)
    return order
