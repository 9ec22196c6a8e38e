"""Delivering the outbox to each accounting backend: one job per entry and backend, retried with
exponential backoff and jitter, dead-lettered after too many attempts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from enum import StrEnum


class JobStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"
    DEAD = "dead"  # gave up: needs a person (retryInvoiceSync) or a fixed backend


#: What each job status tells whoever watches an invoice's delivery (the GraphQL enum's descriptions).
MEANINGS = {
    JobStatus.PENDING: "Waiting for the sync worker: not tried yet, or failed and due again at nextAttemptAt.",
    JobStatus.DONE: "The backend has it (externalRef is its reference there, when it gives one).",
    JobStatus.DEAD: "Given up after too many attempts (lastError says why): fix the backend, then retryInvoiceSync.",
}


@dataclass(kw_only=True, eq=False)
class SyncJob:
    id: int | None = None
    outbox_id: int
    invoice_id: int
    backend: str
    operation: str
    status: str = JobStatus.PENDING.value
    attempts: int = 0
    next_attempt_at: datetime
    last_error: str | None = None
    external_ref: str | None = None
    created_at: datetime
    updated_at: datetime


@dataclass(kw_only=True, eq=False)
class SyncCursor:
    """Where a backend is: the last outbox entry it was given jobs for (its position in commit
    order: transaction id on PostgreSQL, then entry id), and its payments cursor."""

    id: int | None = None
    backend: str
    outbox_after: int = 0
    outbox_txid: int = 0
    payments_cursor: str | None = None
    updated_at: datetime


@dataclass(kw_only=True, eq=False)
class RejectedPayment:
    """A payment a backend reported that salesflow refused (unknown invoice, too much, another
    currency): kept with its error code for a person to look at, and never applied."""

    id: int | None = None
    backend: str
    external_id: str
    invoice_number: str
    amount: Decimal | None  # None when the reported number cannot be an amount (too large, too precise)
    reported_amount: str  # the number exactly as the backend reported it
    currency: str
    code: str
    message: str
    created_at: datetime


@dataclass(frozen=True)
class RetryPolicy:
    """The defaults retry for four to seven hours (10 s, 20 s, … then hourly, with jitter) before a job is
    dead-lettered: an accounting system down overnight does not need a person in the morning."""

    max_attempts: int = 16
    base_seconds: float = 10.0
    cap_seconds: float = 3600.0

    def delay(self, attempt: int, jitter: float) -> timedelta:
        """Wait before attempt+1: base·2^(attempt−1), capped, scaled by jitter in [0.5, 1) ("equal jitter")."""
        raw = min(self.cap_seconds, self.base_seconds * 2 ** max(attempt - 1, 0))
        return timedelta(seconds=raw * (0.5 + jitter / 2))
