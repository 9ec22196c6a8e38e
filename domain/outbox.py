"""The outbox: what accounting must hear about, written in the transaction that caused it.

Issuing or voiding an invoice adds an entry in the same transaction as the transition, so an
entry exists exactly when the change committed. A worker delivers entries to each configured
backend afterwards, with retries; nothing is sent from inside a business transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class OutboxOperation(StrEnum):
    PUSH = "push"  # an invoice was issued
    VOID = "void"  # an issued invoice was voided


@dataclass(kw_only=True, eq=False)
class OutboxEntry:
    id: int | None = None
    invoice_id: int
    operation: str
    created_at: datetime
    txid: int | None = None  # PostgreSQL: the writing transaction's id, set by the database
