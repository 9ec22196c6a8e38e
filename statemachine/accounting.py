"""Delivering issued and voided invoices to the accounting backends, from the outbox, and
applying the payments they report.

Each outbox entry becomes one job per configured backend. A job is claimed with a lease, attempted
outside any business transaction, and its outcome settled in a short transaction of its own. A
backend sees the same idempotency key on every attempt, so a worker that dies between the
backend's answer and the settlement repeats the call harmlessly. Failures are retried with
exponential backoff and jitter; after `max_attempts`, or on a permanent error, the job is
dead-lettered. Payments are applied once per (backend, external id), page by page behind a cursor
stored per backend; refused ones are kept with their error code.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from ..domain.accounting import AccountingBackend, BackendError, Customer, ExternalPayment, idempotency_key, presented
from ..domain.errors import DomainError, ErrorCode
from ..domain.message import named
from ..domain.money import as_reported, storable_amount
from ..domain.outbox import OutboxOperation
from ..domain.ports import UnitOfWork
from ..domain.query import Filter, PageSpec
from ..domain.sync import JobStatus, RejectedPayment, RetryPolicy, SyncCursor, SyncJob
from .engine import Context, operation, retrying, utcnow
from .invoice import record_payment

log = logging.getLogger("salesflow.sync")
MAX_ERROR = 2000


def _cursor(ctx: Context, backend: str) -> SyncCursor:
    """The backend's cursor, locked: two workers enqueueing at once take turns."""
    found = ctx.uow.sync_cursors.find(backend=backend, lock=True)
    if found:
        return found[0]
    return ctx.uow.sync_cursors.add(SyncCursor(backend=backend, outbox_after=0, updated_at=ctx.now))


@operation(needs_now=True)
def enqueue(ctx: Context, backend: str, batch: int = 500) -> int:
    """Create this backend's jobs for outbox entries it has not had yet, in commit order; returns
    how many. The cursor moves over entries whose transactions are settled, so an entry that
    commits late is still ahead of it (see OutboxLog.committed_after)."""
    cursor = _cursor(ctx, backend)
    found = ctx.uow.outbox.committed_after((cursor.outbox_txid, cursor.outbox_after), batch)
    if not found:
        return 0
    have = {
        j.outbox_id for j in ctx.uow.sync_jobs.find_in("outbox_id", [e.id for _p, e in found]) if j.backend == backend
    }  # after a migration reset the cursor, or a retried pass
    made = 0
    for _position, entry in found:
        if entry.id not in have:
            ctx.uow.sync_jobs.add(
                SyncJob(
                    outbox_id=entry.id,
                    invoice_id=entry.invoice_id,
                    backend=backend,
                    operation=entry.operation,
                    next_attempt_at=ctx.now,
                    created_at=ctx.now,
                    updated_at=ctx.now,
                )
            )
            made += 1
    (cursor.outbox_txid, cursor.outbox_after), _last = found[-1]
    cursor.updated_at = ctx.now
    return made


@operation(needs_now=True)
def due_jobs(ctx: Context, backend: str, limit: int = 100) -> list[SyncJob]:
    """Pending jobs of a backend whose time has come, oldest first."""
    jobs, _ = ctx.uow.sync_jobs.page(
        PageSpec(
            filter=Filter(statuses=(JobStatus.PENDING.value,), backend=backend), order_by="next_attempt_at", limit=limit
        )
    )
    return [j for j in jobs if j.next_attempt_at <= ctx.now]


@dataclass
class Work:
    """What a backend call needs, read in one transaction before the call."""

    job: SyncJob
    invoice: object
    customer: Customer
    external_ref: str | None = None  # for a void: the reference the push got

    @property
    def claim(self) -> tuple[int, object]:
        """What the job looked like when claimed: settle() only records an outcome over its own claim."""
        return self.job.attempts, self.job.next_attempt_at


@operation(needs_now=True)
def prepare(
    ctx: Context, job_id: int, lease: timedelta = timedelta(seconds=120), policy: RetryPolicy = RetryPolicy()
) -> Work | None:
    """Claim a due job for `lease` and read what its call needs; None if it is not ours to do.

    The claim counts as an attempt and moves the job's next attempt past the lease, so a second
    worker (`serve --sync` and `salesflow sync` side by side) does not call the backend with it
    at the same time. A worker that dies holding it leaves it to be retried when the lease runs
    out, and a job whose attempts keep killing the worker is dead-lettered like any other."""
    job = ctx.uow.sync_jobs.get(job_id, lock=True)
    if job is None or job.status != JobStatus.PENDING.value or job.next_attempt_at > ctx.now:
        return None
    job.updated_at = ctx.now
    if job.attempts >= policy.max_attempts:  # the last attempts never came back
        job.status = JobStatus.DEAD.value
        job.last_error = (
            f"no answer from {job.attempts} attempts (the worker stopped during them)"
            + (f"; before that: {job.last_error}" if job.last_error else "")
        )[:MAX_ERROR]
        return None
    job.attempts += 1
    job.next_attempt_at = ctx.now + lease
    invoice = ctx.uow.invoices.get(job.invoice_id)
    account = ctx.uow.accounts.get(invoice.account_id) if invoice.account_id else None
    work = Work(job=job, invoice=invoice, customer=Customer.of(account))
    if job.operation == OutboxOperation.VOID.value:
        pushed = [
            j
            for j in ctx.uow.sync_jobs.find(
                invoice_id=job.invoice_id, backend=job.backend, operation=OutboxOperation.PUSH.value
            )
            if j.status == JobStatus.DONE.value
        ]
        work.external_ref = pushed[0].external_ref if pushed else None
    return work


@operation(needs_now=True)
def settle(
    ctx: Context,
    job_id: int,
    claim: tuple[int, object],
    *,
    external_ref: str | None = None,
    error: BackendError | None = None,
    policy: RetryPolicy = RetryPolicy(),
    jitter: float = 0.5,
) -> SyncJob:
    """Record an attempt's outcome: done, retry later (backoff with jitter) or dead-letter.

    Only over the claim it was made under: an answer that came back after the lease ran out and
    another worker took the job (and perhaps finished it) changes nothing."""
    job = ctx.uow.sync_jobs.get(job_id, lock=True)
    if job.status != JobStatus.PENDING.value or (job.attempts, job.next_attempt_at) != tuple(claim):
        log.warning("%s: a late answer for job %s is ignored; the job moved on (%s)", job.backend, job.id, job.status)
        return job
    job.updated_at = ctx.now
    if error is None:
        job.status, job.external_ref, job.last_error = JobStatus.DONE.value, external_ref, None
    else:
        job.last_error = str(error)[:MAX_ERROR]
        if not error.transient or job.attempts >= policy.max_attempts:
            job.status = JobStatus.DEAD.value
        else:
            job.next_attempt_at = ctx.now + policy.delay(job.attempts, jitter)
    return job


@operation(needs_now=True)
def retry(ctx: Context, invoice_id: int, backend: str | None = None) -> list[SyncJob]:
    """Put an invoice's dead jobs (of one backend, or all) back in the queue, due now."""
    invoice = ctx.require(ctx.uow.invoices, invoice_id, "invoice", "invoiceId")
    everywhere = ctx.uow.sync_jobs.find(invoice_id=invoice_id)
    if backend is not None and not any(j.backend == backend for j in everywhere):
        raise DomainError(
            ErrorCode.NOT_FOUND,
            "{invoice} was never sent to a backend named {backend!r}",
            "backend",
            invoice=named(invoice),
            backend=backend,
        )
    jobs = [j for j in everywhere if j.status == JobStatus.DEAD.value and backend in (None, j.backend)]
    for job in jobs:
        _requeue(ctx, job)
    return jobs


def _requeue(ctx: Context, job: SyncJob) -> None:
    job.status, job.attempts, job.next_attempt_at, job.updated_at = JobStatus.PENDING.value, 0, ctx.now, ctx.now


@operation(needs_now=True)
def retry_dead(ctx: Context, backend: str | None = None, limit: int = 1000) -> int:
    """Put up to `limit` dead jobs (of one backend, or all) back in the queue, due now; how many.
    After an outage longer than the retries lasted, one command instead of one per invoice."""
    jobs, _ = ctx.uow.sync_jobs.page(
        PageSpec(filter=Filter(statuses=(JobStatus.DEAD.value,), backend=backend), order_by="id", limit=limit)
    )
    for job in jobs:
        _requeue(ctx, job)
    return len(jobs)


class Applied:
    APPLIED = "applied"
    DUPLICATE = "duplicate"  # applied before (a page read again after a crash, or another worker)
    REJECTED = "rejected"  # refused with a coded error; kept in rejected_payments
    REVERSED = "reversed"  # taken back: edited, deleted or reversed in the backend


@operation(needs_now=True)
def apply_payment(ctx: Context, backend: str, paid: ExternalPayment) -> str:
    """Apply one payment a backend reported, exactly once per (backend, external id).

    The invoice is locked as it is read, before the duplicate check, so two workers reading the
    same page serialise on it and the second sees the first's payment. A refusal (unknown invoice, more
    than is due, another currency) raises its DomainError and changes nothing; see `reject`."""
    if ctx.uow.payments.find(source=backend, external_id=paid.external_id):
        return Applied.DUPLICATE  # checked again under the invoice's lock below
    found = ctx.uow.invoices.find(number=paid.invoice_number, lock=True) if paid.invoice_number else []
    if not found:
        raise DomainError(
            ErrorCode.NOT_FOUND, "no invoice is numbered {number!r}", "invoiceNumber", number=paid.invoice_number
        )
    invoice = found[0]
    if ctx.uow.payments.find(source=backend, external_id=paid.external_id):
        return Applied.DUPLICATE
    amount = paid.amount
    if paid.cumulative:  # the backend's total so far: apply what is new
        amount -= sum(
            (p.amount for p in ctx.uow.payments.find(invoice_id=invoice.id, source=backend) if not p.reversed),
            Decimal(0),
        )
        if amount <= 0:
            return Applied.DUPLICATE
    record_payment.inner(
        ctx,
        invoice.id,
        amount,
        paid_at=paid.paid_at,
        reference=paid.reference,
        currency=paid.currency,
        source=backend,
        external_id=paid.external_id,
    )
    return Applied.APPLIED


@operation(needs_now=True)
def reject(ctx: Context, backend: str, paid: ExternalPayment, error: DomainError) -> str:
    """Keep a refused payment with its code, once, for a person to resolve in the backend."""
    if not ctx.uow.rejected_payments.find(backend=backend, external_id=paid.external_id):
        ctx.uow.rejected_payments.add(
            RejectedPayment(
                backend=backend,
                external_id=paid.external_id,
                invoice_number=paid.invoice_number[:200],
                amount=storable_amount(paid.amount),
                reported_amount=as_reported(paid.amount),
                currency=paid.currency[:16],
                code=error.code.value,
                message=str(error)[:MAX_ERROR],
                created_at=ctx.now,
            )
        )
    return Applied.REJECTED


def take_payment(
    new_uow: Callable[[], UnitOfWork], backend: str, paid: ExternalPayment, *, now: datetime
) -> tuple[str, DomainError | None]:
    """apply_payment, or reject with the coded error: the outcome and the error, if any.

    A CONFLICT (another worker changed the invoice between our read and our lock) is not the
    payment's fault: it is tried again, and in the end raised, leaving the cursor behind it."""
    try:
        return retrying(lambda: apply_payment(new_uow(), backend, paid, now=now)), None
    except DomainError as err:
        if err.code == ErrorCode.CONFLICT:
            raise
        refused = err
    return retrying(lambda: reject(new_uow(), backend, paid, refused, now=now)), refused


@operation(needs_now=True)
def save_payments_cursor(ctx: Context, backend: str, cursor: str | None) -> None:
    row = _cursor(ctx, backend)
    row.payments_cursor, row.updated_at = cursor, ctx.now


@operation
def payments_cursor(ctx: Context, backend: str) -> str | None:
    found = ctx.uow.sync_cursors.find(backend=backend)
    return found[0].payments_cursor if found else None


def attempt(backend: AccountingBackend, work: Work) -> str | None:
    """Call the backend for one job; the reference it gives (None for a void). Raises BackendError."""
    job = work.job
    key = idempotency_key(work.invoice.number, backend.name, job.operation)
    invoice = presented(work.invoice)
    if job.operation == OutboxOperation.PUSH.value:
        return backend.push_invoice(invoice, work.customer, idempotency_key=key)
    if not backend.capabilities.can_void:
        raise BackendError(f"{backend.name} cannot void invoices", transient=False)
    if work.external_ref is None:
        raise BackendError("the invoice has not reached this backend yet; voiding after it does")
    backend.void_invoice(invoice, work.external_ref, idempotency_key=key)
    return work.external_ref


@dataclass
class PassReport:
    """What one pass did with one backend."""

    delivered: int = 0
    failed: int = 0  # to be retried after a backoff
    dead: int = 0  # given up on: retryInvoiceSync or `salesflow sync --retry-dead`
    payments: dict[str, int] = field(
        default_factory=lambda: {Applied.APPLIED: 0, Applied.DUPLICATE: 0, Applied.REJECTED: 0, Applied.REVERSED: 0}
    )

    def __str__(self) -> str:
        parts = [f"{self.delivered} delivered"]
        parts += [f"{n} {what}" for what, n in (("failed (will retry)", self.failed), ("dead", self.dead)) if n]
        paid = ", ".join(f"{n} {what}" for what, n in self.payments.items() if n)
        return ", ".join(parts) + (f"; payments {paid}" if paid else "")


@dataclass
class SyncWorker:
    """One pass (`run_pass`) delivers what is due to every backend and pulls their payments;
    `salesflow sync` repeats it."""

    new_uow: Callable[[], UnitOfWork]
    backends: list[AccountingBackend]
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    clock: Callable = utcnow
    jitter: Callable[[], float] = random.random
    batch: int = 100
    max_pages: int = 50  # payment pages read per backend per pass
    lease: timedelta = timedelta(seconds=120)  # how long a claimed job is left to its worker

    def run_pass(self) -> dict[str, PassReport]:
        reports = {}
        for backend in self.backends:
            report = reports[backend.name] = PassReport()
            self.deliver(backend, report)
            if backend.capabilities.pulls_payments:
                report.payments = self.pull(backend)
        return reports

    def retry(self, invoice_id: int, backend: str | None = None, *, actor=None) -> list[SyncJob]:
        """`retry` at this worker's time: the jobs come due by the clock that will look for them."""
        return retry(self.new_uow(), invoice_id, backend, actor=actor, now=self.clock())

    def retry_dead(self, backend: str | None = None) -> int:
        """`retry_dead` at this worker's time."""
        return retry_dead(self.new_uow(), backend, now=self.clock())

    def run_once(self) -> dict[str, int]:
        """A pass; returns invoices delivered per backend."""
        return {name: report.delivered for name, report in self.run_pass().items()}

    def pull(self, backend: AccountingBackend) -> dict[str, int]:
        """Apply the payments recorded in a backend since its stored cursor, page by page.

        The cursor is saved after its page is applied; a crash in between reads the page again
        and every payment on it is recognised as a duplicate. A backend failure stops the pull
        for this pass and leaves the cursor where it was."""
        from .reconciliation import take_statement  # it builds on this module's operations

        counts = {Applied.APPLIED: 0, Applied.DUPLICATE: 0, Applied.REJECTED: 0, Applied.REVERSED: 0}
        cursor = payments_cursor(self.new_uow(), backend.name)
        for _ in range(self.max_pages):
            try:
                page = backend.fetch_payments(cursor)
            except Exception as err:  # noqa: BLE001 - a backend's failure never stops the other backends
                log.warning("%s: fetching payments failed: %s: %s", backend.name, type(err).__name__, err)
                break
            for paid in page.payments:
                try:
                    outcome, err = take_payment(self.new_uow, backend.name, paid, now=self.clock())
                except DomainError as busy:  # still conflicting: the next pass reads this page again
                    log.warning("%s: payment %s not applied yet: %s", backend.name, paid.external_id, busy)
                    return counts
                if err is not None:
                    log.warning("%s: payment %s refused: %s %s", backend.name, paid.external_id, err.code, err)
                counts[outcome] += 1
            for statement in page.statements:
                try:
                    done = take_statement(self.new_uow, backend.name, statement, now=self.clock())
                except DomainError as busy:  # still conflicting: the next pass reads this page again
                    log.warning("%s: invoice %s not reconciled yet: %s", backend.name, statement.invoice_number, busy)
                    return counts
                for paid, err in done.rejected:
                    log.warning("%s: payment %s refused: %s %s", backend.name, paid.external_id, err.code, err)
                counts[Applied.APPLIED] += done.applied
                counts[Applied.REVERSED] += done.reversed
                counts[Applied.REJECTED] += len(done.rejected)
            if page.cursor != cursor:
                retrying(lambda: save_payments_cursor(self.new_uow(), backend.name, page.cursor, now=self.clock()))
            if not (page.payments or page.statements) or page.cursor == cursor:
                break
            cursor = page.cursor
        return counts

    def deliver(self, backend: AccountingBackend, report: PassReport | None = None) -> int:
        """Attempt the backend's due jobs once each; returns how many succeeded."""
        report = report or PassReport()
        retrying(lambda: enqueue(self.new_uow(), backend.name, now=self.clock()))
        for job in due_jobs(self.new_uow(), backend.name, self.batch, now=self.clock()):
            work = prepare(self.new_uow(), job.id, self.lease, self.policy, now=self.clock())
            if work is None:
                continue
            try:
                ref, error = attempt(backend, work), None
            except BackendError as err:
                ref, error = None, err
            except Exception as err:  # noqa: BLE001 - an unexpected failure is retried like a transient one
                ref, error = None, BackendError(f"{type(err).__name__}: {err}")
            settled = settle(
                self.new_uow(),
                job.id,
                work.claim,
                external_ref=ref,
                error=error,
                policy=self.policy,
                jitter=self.jitter(),
                now=self.clock(),
            )
            if error is None:
                report.delivered += 1
            elif settled.status == JobStatus.DEAD.value:
                report.dead += 1
                log.error(
                    "%s: %s %s given up after %d attempts: %s",
                    backend.name,
                    job.operation,
                    work.invoice.number,
                    settled.attempts,
                    error,
                )
            else:
                report.failed += 1
        return report.delivered
