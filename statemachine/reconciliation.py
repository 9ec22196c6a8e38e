"""Keeping an invoice's amount paid equal to the backend's: salesflow's payments from a backend are
made to match the backend's statement of the invoice, whatever an accountant did there.

Why a statement per invoice, and not a stream of payment events with ids that survive edits:

- A beancount entry has no id of its own. An accountant may edit a posting's amount or date,
  delete a transaction, move it to another file, reorder files, or add a reversing entry, at any
  time and for any date. Any id we derive from an entry (its position, its file, its content)
  changes with some of those edits; one we ask the accountant to type can be forgotten or
  copied along with the entry. No event stream can be read reliably out of such a ledger.
- What the ledger does say at any moment, exactly, is what is paid on each invoice: the
  receivable postings carrying its link. So a backend that `reports_reversals` hands out, for
  every invoice whose payments changed since its cursor, the complete list of them as they are
  now (`InvoicePayments`), and salesflow reconciles against it in one transaction:
  payments it holds from that backend that the statement no longer has are reversed (the
  reversal names the reversing entry when there is one, else "no longer in the backend");
  entries it does not hold yet are applied; the rest are left alone. Ids only have to be stable
  while a payment is unchanged, which content-derived ids are (link, date, amount, currency and
  an ordinal among identical ones: moving or reordering changes none of them), and an edited
  payment is simply a payment that went away and one that came. Afterwards amount paid equals
  the backend's total, by construction; reading a statement twice changes nothing.
- Reversing entries are netted out first (domain/reconciliation.py): a negative entry reverses
  the payment it names or, naming none, the one of its amount; a partial one lowers payments.
- A running-total backend (Odoo shows `amount_total - amount_residual`, not single payments)
  reports one cumulative entry; salesflow reverses its latest payments from that backend while
  it holds more than the total, then applies what is missing. A cancelled or unreconciled payment
  in Odoo so comes back as a reversal.

A payment is never deleted: a reversal is its own record (who, when, why, which payment) and the
invoice's history shows it. What does not fit (an unknown invoice, too much, another currency, a
number no amount can be) is refused with its code and kept in rejected_payments, and the rest of
the statement, and of the backend's statements, goes on.

Not covered: two workers reconciling the same backend at once could apply a statement read
before the other's newer one; run one pulling worker per backend (serve --sync or salesflow sync).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from ..domain.accounting import ExternalPayment, InvoicePayments
from ..domain.errors import DomainError, ErrorCode
from ..domain.invoice import Invoice, Payment
from ..domain.ports import UnitOfWork
from ..domain.reconciliation import standing, total
from .accounting import Applied, reject, retrying
from .engine import Context, operation
from .invoice import record_payment, take_back


@dataclass
class Reconciled:
    """What one statement changed."""

    applied: int = 0
    reversed: int = 0
    rejected: list[tuple[ExternalPayment, DomainError]] = field(default_factory=list)


def _refuse(ctx: Context, backend: str, entry: ExternalPayment, error: DomainError, out: Reconciled) -> None:
    if error.code == ErrorCode.CONFLICT:
        raise error  # not the payment's fault: the statement is tried again as a whole
    reject.inner(ctx, backend, entry, error)
    out.rejected.append((entry, error))


def _apply(
    ctx: Context,
    backend: str,
    invoice: Invoice,
    entry: ExternalPayment,
    out: Reconciled,
    amount=None,
    external_id: str | None = None,
) -> None:
    try:
        record_payment.inner(
            ctx,
            invoice.id,
            entry.amount if amount is None else amount,
            paid_at=entry.paid_at,
            reference=entry.reference,
            currency=entry.currency,
            source=backend,
            external_id=external_id or entry.external_id,
        )
    except DomainError as err:
        _refuse(ctx, backend, entry, err, out)
    else:
        out.applied += 1


def _match(ctx: Context, backend: str, invoice: Invoice, entries, ours: list[Payment], out: Reconciled) -> None:
    """Payment by payment: reverse what the statement no longer has, apply what is new."""
    netted = standing(entries)
    theirs = {p.external_id for p in netted.payments}
    held = {p.external_id for p in ours}
    for payment in sorted(ours, key=lambda p: (p.paid_at, p.id), reverse=True):
        if payment.external_id not in theirs:
            reason, reversal_id = netted.reasons.get(
                payment.external_id, (f"no longer in {backend} (edited or deleted there)", None)
            )
            take_back(ctx, invoice, payment, reason, source=backend, external_id=reversal_id)
            out.reversed += 1
    for entry in netted.payments:
        if entry.external_id not in held:
            _apply(ctx, backend, invoice, entry, out)
    for entry in netted.excess:
        _refuse(
            ctx,
            backend,
            entry,
            DomainError(
                ErrorCode.VALIDATION,
                "it takes back {amount} {currency} more than was paid",
                "amount",
                amount=-entry.amount,
                currency=entry.currency,
            ),
            out,
        )


def _running_total(
    ctx: Context, backend: str, invoice: Invoice, entry: ExternalPayment, ours: list[Payment], out: Reconciled
) -> None:
    """A cumulative figure: reverse the latest payments while we hold more, then apply what is missing."""
    held = total(ours)
    for payment in sorted(ours, key=lambda p: p.id, reverse=True):
        if held <= entry.amount:
            break
        take_back(
            ctx,
            invoice,
            payment,
            f"{backend} shows {max(entry.amount, 0)} {entry.currency} paid, less than "
            f"before: a payment was cancelled or unreconciled there",
            source=backend,
        )
        held -= payment.amount
        out.reversed += 1
    if entry.amount > held:
        _apply(ctx, backend, invoice, entry, out, amount=entry.amount - held)


@operation(needs_now=True)
def reconcile(ctx: Context, backend: str, statement: InvoicePayments) -> Reconciled:
    """Make the invoice's payments from `backend` match its statement (see the module's docstring)."""
    out = Reconciled()
    number = statement.invoice_number
    found = ctx.uow.invoices.find(number=number, lock=True) if number and len(number) <= 200 else []
    if not found:
        missing = DomainError(ErrorCode.NOT_FOUND, "no invoice is numbered {number!r}", "invoiceNumber", number=number)
        for entry in statement.payments:
            if entry.amount > 0:
                _refuse(ctx, backend, entry, missing, out)
        return out
    invoice = found[0]
    ours = [p for p in ctx.uow.payments.find(invoice_id=invoice.id, source=backend) if not p.reversed]
    running = [e for e in statement.payments if e.cumulative]
    if running:
        _running_total(ctx, backend, invoice, running[-1], ours, out)
    else:
        _match(ctx, backend, invoice, statement.payments, ours, out)
    return out


def take_statement(
    new_uow: Callable[[], UnitOfWork], backend: str, statement: InvoicePayments, *, now: datetime
) -> Reconciled:
    """reconcile, tried again while a concurrent transaction holds the invoice (CONFLICT)."""
    return retrying(lambda: reconcile(new_uow(), backend, statement, now=now))


@operation(needs_now=True)
def reverse_reported(ctx: Context, backend: str, reversal: ExternalPayment) -> str:
    """A reversal a backend pushed (the webhook's `payment.reversed`), applied once per its id."""
    if ctx.uow.payment_reversals.find(source=backend, external_id=reversal.external_id):
        return Applied.DUPLICATE
    named = ctx.uow.payments.find(source=backend, external_id=reversal.reverses) if reversal.reverses else []
    if not named:
        raise DomainError(
            ErrorCode.NOT_FOUND,
            "no payment from {backend} has the id {id!r}",
            "paymentId",
            backend=backend,
            id=reversal.reverses,
        )
    invoice = ctx.uow.invoices.get(named[0].invoice_id, lock=True)
    standing_ones = [p for p in ctx.uow.payments.find(source=backend, external_id=reversal.reverses) if not p.reversed]
    if not standing_ones:
        return Applied.DUPLICATE  # reversed already (under another reversal id)
    take_back(
        ctx,
        invoice,
        standing_ones[0],
        reversal.reference or f"reversed in {backend}",
        source=backend,
        external_id=reversal.external_id,
    )
    return Applied.REVERSED


def take_reversal(
    new_uow: Callable[[], UnitOfWork], backend: str, reversal: ExternalPayment, *, now: datetime
) -> tuple[str, DomainError | None]:
    """reverse_reported, or the coded error that refused it (a reversal is not kept when refused:
    it names no payment salesflow has, and the sender may send it again once it does)."""
    try:
        return retrying(lambda: reverse_reported(new_uow(), backend, reversal, now=now)), None
    except DomainError as err:
        if err.code == ErrorCode.CONFLICT:
            raise
        return Applied.REJECTED, err
