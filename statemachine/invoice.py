"""Invoice lifecycle: draft → issued → partially_paid → paid; void; canceled with its order."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from ..domain.errors import DomainError, ErrorCode
from ..domain.invoice import Invoice, InvoiceLine, Payment, PaymentReversal
from ..domain.message import Message, named
from ..domain.money import NOTHING, ZERO, LineAmounts, check_currency, cumulative_amounts, money_amount, round_money
from ..domain.order import Delivery, Order
from ..domain.outbox import OutboxEntry, OutboxOperation
from ..domain.status import InvoiceStatus as S
from .documents import freeze
from .engine import Context, Guard, Lifecycle, check_version, operation, require_text, route

#: Days between issue and due date unless the caller says otherwise.
PAYMENT_TERM_DAYS = 30

has_lines = Guard(
    "has_lines",
    lambda inv, ctx: bool(inv.lines),
    ErrorCode.VALIDATION,
    Message("an invoice needs at least one line"),
    "invoiceId",
)
settled = Guard(
    "settled", lambda inv, ctx: inv.amount_due <= 0, ErrorCode.VALIDATION, Message("an amount is still due")
)
unsettled = Guard("unsettled", lambda inv, ctx: inv.amount_due > 0, ErrorCode.VALIDATION, Message("it is fully paid"))
no_payments = Guard(
    "no_payments",
    lambda inv, ctx: inv.amount_paid == 0,
    ErrorCode.INVALID_TRANSITION,
    Message("it has payments and cannot be voided"),
    "invoiceId",
)
# After a payment is taken back (amount_paid already lowered): where the invoice stands now.
some_paid = Guard(
    "some_paid", lambda inv, ctx: inv.amount_paid > 0, ErrorCode.VALIDATION, Message("nothing is paid any more")
)
nothing_paid = Guard(
    "nothing_paid", lambda inv, ctx: inv.amount_paid == 0, ErrorCode.VALIDATION, Message("part of it is still paid")
)

#: What each state means to whoever reads the invoice (the GraphQL enum's descriptions).
STATES = {
    S.DRAFT: "Not issued yet: no number, nothing sent to accounting; canceled if its order is.",
    S.ISSUED: "Numbered (gapless per series and year), handed to accounting, never edited again; nothing paid yet.",
    S.PARTIALLY_PAID: "Issued, and part of its total paid (amountPaid); amountDue is still open.",
    S.PAID: "Paid in full: amountDue is zero.",
    S.VOID: "Issued, then voided with a reason while nothing was paid; its quantities can be invoiced again.",
    S.CANCELED: "A draft canceled together with its order; it was never issued.",
}

LIFECYCLE = Lifecycle(
    "invoice",
    S,
    S.DRAFT,
    [
        route("issue", S.DRAFT, S.ISSUED, has_lines),
        route("pay", [S.ISSUED, S.PARTIALLY_PAID], S.PAID, settled),
        route("pay", [S.ISSUED, S.PARTIALLY_PAID], S.PARTIALLY_PAID, unsettled),
        route("reverse_payment", [S.PARTIALLY_PAID, S.PAID], S.PARTIALLY_PAID, some_paid),
        route("reverse_payment", [S.PARTIALLY_PAID, S.PAID], S.ISSUED, nothing_paid),
        route("void", S.ISSUED, S.VOID, no_payments),
        route("cancel", S.DRAFT, S.CANCELED),
    ],
    STATES,
    entered={S.ISSUED: freeze},
)


#: Invoices whose amounts count against their order lines.
LIVE = frozenset({S.DRAFT.value, S.ISSUED.value, S.PARTIALLY_PAID.value, S.PAID.value})


def taken_per_line(uow, order: Order) -> dict[int, LineAmounts]:
    """What the order's live invoices already took, per order line."""
    taken: dict[int, LineAmounts] = {}
    for inv in uow.invoices.find(order_id=order.id):
        if inv.status in LIVE:
            for ln in inv.lines:
                taken[ln.order_line_id] = taken.get(ln.order_line_id, NOTHING) + ln.amounts
    return taken


def invoice_quantities(
    ctx: Context, order: Order, quantities: dict[int, Decimal], delivery: Delivery | None = None
) -> Invoice:
    """A draft invoice for these quantities of the order's lines, rounded cumulatively per line."""
    invoice = Invoice(
        order_id=order.id,
        delivery_id=delivery.id if delivery else None,
        currency=order.currency,
        account_id=order.account_id,
        owner_id=order.owner_id,
    )
    taken = taken_per_line(ctx.uow, order) if any(ln.invoiced_quantity for ln in order.lines) else {}
    for line in order.lines:
        qty = quantities.get(line.id, ZERO)
        if qty <= 0:
            continue
        inv_line = InvoiceLine(order_line_id=line.id, **line.copy_terms())
        inv_line.quantity = qty
        inv_line.set_amounts(
            cumulative_amounts(
                line.invoiced_quantity,
                qty,
                line.unit_price,
                line.discount_percent,
                line.tax_rate,
                order.currency,
                taken=taken.get(line.id, NOTHING),
            )
        )
        line.invoiced_quantity += qty
        invoice.lines.append(inv_line)
    invoice.retotal()
    return ctx.create(ctx.uow.invoices, invoice)


def release_quantities(ctx: Context, invoice: Invoice) -> None:
    """Give a voided or canceled invoice's quantities back to its order, to be invoiced again."""
    order = ctx.uow.orders.get(invoice.order_id, lock=True)
    for inv_line in invoice.lines:
        line = order.line(inv_line.order_line_id)
        if line is not None:
            line.invoiced_quantity -= inv_line.quantity


def cancel_draft(ctx: Context, invoice: Invoice, reason: str | None) -> None:
    LIFECYCLE.fire(invoice, "cancel", ctx, reason)
    release_quantities(ctx, invoice)


@operation
def issue_invoice(
    ctx: Context, invoice_id: int, *, due_date: date | None = None, expected_version: int | None = None
) -> Invoice:
    """Issue a draft: it takes the next gapless number of its year, in this same transaction."""
    invoice: Invoice = ctx.require(ctx.uow.invoices, invoice_id, "invoice", "invoiceId", lock=True)
    check_version(invoice, expected_version)
    LIFECYCLE.check_source(invoice, "issue")
    invoice.issue_date = ctx.today
    invoice.due_date = due_date or ctx.today + timedelta(days=PAYMENT_TERM_DAYS)
    if invoice.due_date < invoice.issue_date:
        raise DomainError(ErrorCode.VALIDATION, "the due date is before the issue date", "dueDate")
    # The number is taken first (the row stays a valid draft); any failure after this rolls the
    # counter back with everything else, so the series stays gapless.
    invoice.number = ctx.uow.numbers.next("invoice", on=invoice.issue_date)
    LIFECYCLE.fire(invoice, "issue", ctx)
    if invoice.amount_due <= 0:  # e.g. free goods: nothing will ever be paid, so it is settled now
        LIFECYCLE.fire(invoice, "pay", ctx, reason="nothing to pay")
    tell_accounting(ctx, invoice, OutboxOperation.PUSH)
    return invoice


def tell_accounting(ctx: Context, invoice: Invoice, operation: OutboxOperation) -> None:
    """An outbox entry in this same transaction: accounting hears of exactly what committed."""
    ctx.uow.outbox.add(OutboxEntry(invoice_id=invoice.id, operation=operation.value, created_at=ctx.now))


@operation
def void_invoice(ctx: Context, invoice_id: int, reason: str, *, expected_version: int | None = None) -> Invoice:
    invoice: Invoice = ctx.require(ctx.uow.invoices, invoice_id, "invoice", "invoiceId", lock=True)
    check_version(invoice, expected_version)
    reason = require_text(reason, "reason", Message("a reason"))
    LIFECYCLE.fire(invoice, "void", ctx, reason)
    invoice.void_reason = reason
    release_quantities(ctx, invoice)
    tell_accounting(ctx, invoice, OutboxOperation.VOID)
    return invoice


@operation
def record_payment(
    ctx: Context,
    invoice_id: int,
    amount,
    *,
    paid_at: date | None = None,
    reference: str | None = None,
    currency: str | None = None,
    expected_version: int | None = None,
    source: str | None = None,
    external_id: str | None = None,
) -> tuple[Payment, Invoice]:
    """Apply a payment; never more than is due, and only in the invoice's currency.

    `source` and `external_id` name a payment reported by an accounting backend (applied once)."""
    invoice: Invoice = ctx.require(ctx.uow.invoices, invoice_id, "invoice", "invoiceId", lock=True)
    check_version(invoice, expected_version)
    if currency is not None and check_currency(currency) != invoice.currency:
        raise DomainError(
            ErrorCode.CURRENCY_MISMATCH,
            "{invoice} is in {currency}, not {given}",
            "currency",
            invoice=named(invoice),
            currency=invoice.currency,
            given=currency,
        )
    value = money_amount(amount, invoice.currency, "amount")
    if value <= 0:
        raise DomainError(ErrorCode.VALIDATION, "a payment must be greater than zero", "amount")
    LIFECYCLE.check_source(invoice, "pay")
    if value > invoice.amount_due:
        raise DomainError(
            ErrorCode.OVER_PAYMENT,
            "{invoice} has {due} {currency} due; {value} is too much",
            "amount",
            invoice=named(invoice),
            due=round_money(invoice.amount_due, invoice.currency),
            currency=invoice.currency,
            value=value,
        )
    payment = Payment(
        invoice_id=invoice.id,
        amount=value,
        currency=invoice.currency,
        paid_at=paid_at or ctx.today,
        reference=reference,
        recorded_by_id=ctx.actor_id,
        source=source,
        external_id=external_id,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    ctx.uow.payments.add(payment)
    invoice.amount_paid += value
    LIFECYCLE.fire(invoice, "pay", ctx, reference)
    return payment, invoice


def take_back(
    ctx: Context,
    invoice: Invoice,
    payment: Payment,
    reason: str,
    *,
    source: str | None = None,
    external_id: str | None = None,
) -> PaymentReversal:
    """Reverse one payment of a locked invoice: the payment is marked, the reversal recorded, the
    amount paid lowered and the invoice back to partially paid or issued (its history says why)."""
    if payment.reversed:
        raise DomainError(ErrorCode.INVALID_TRANSITION, "payment {id} was already reversed", "paymentId", id=payment.id)
    LIFECYCLE.check_source(invoice, "reverse_payment")
    payment.reversed_at = payment.updated_at = ctx.now
    invoice.amount_paid -= payment.amount
    said = f"{round_money(payment.amount, payment.currency)} {payment.currency}"
    if payment.reference:
        said += f" ({payment.reference})"
    LIFECYCLE.fire(invoice, "reverse_payment", ctx, f"payment of {said} reversed: {reason}")
    return ctx.uow.payment_reversals.add(
        PaymentReversal(
            payment_id=payment.id,
            invoice_id=invoice.id,
            amount=payment.amount,
            reason=reason,
            reversed_by_id=ctx.actor_id,
            source=source,
            external_id=external_id,
            created_at=ctx.now,
            updated_at=ctx.now,
        )
    )


@operation
def reverse_payment(
    ctx: Context, payment_id: int, reason: str, *, expected_version: int | None = None
) -> tuple[Payment, Invoice]:
    """Reverse a payment recorded in salesflow (a bounced transfer, a mistake), with a reason.

    A payment an accounting backend reported is reversed there (an edit, a deletion, a reversing
    entry, an unreconciled payment), and comes back reversed: salesflow's amount paid always
    equals the backend's, so it is refused here with VALIDATION."""
    payment: Payment | None = ctx.uow.payments.get(payment_id) if payment_id is not None else None
    if payment is None or not ctx.sees(payment):
        raise DomainError(ErrorCode.NOT_FOUND, "payment {id} does not exist", "paymentId", id=payment_id)
    invoice: Invoice = ctx.require(ctx.uow.invoices, payment.invoice_id, "invoice", "paymentId", lock=True)
    check_version(invoice, expected_version)
    reason = require_text(reason, "reason", Message("a reason"))
    if payment.source is not None:
        raise DomainError(
            ErrorCode.VALIDATION,
            "payment {id} came from {source}: reverse it there, and salesflow follows",
            "paymentId",
            id=payment.id,
            source=payment.source,
        )
    take_back(ctx, invoice, payment, reason)
    return payment, invoice
