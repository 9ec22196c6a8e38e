"""Idempotency keys: a client's retry of a create or convert gets the first result, never a second one."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from .errors import DomainError, ErrorCode


@dataclass(kw_only=True, eq=False)
class IdempotencyRecord:
    user_id: int
    key: str
    operation: str
    fingerprint: str
    result: str | None = None  # JSON of what the first call produced (ids), set when it commits
    created_at: datetime


def fingerprint(operation: str, payload: Any) -> str:
    """A stable hash of an operation and its input (the key itself left out by the caller)."""
    text = json.dumps([operation, payload], sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


class IdempotencyStore(Protocol):
    def claim(self, record: IdempotencyRecord) -> IdempotencyRecord | None:
        """Reserve the caller's key in this transaction; the record already stored under it, if any.

        A concurrent transaction holding the same key makes this wait for it to end.
        """

    def complete(self, record: IdempotencyRecord) -> None:
        """Store the result of the reserved key (same transaction)."""


def check_replay(stored: IdempotencyRecord, fingerprint_: str) -> dict:
    """The first call's result, or IDEMPOTENCY_KEY_REUSED if the key came with other input."""
    if stored.fingerprint != fingerprint_:
        raise DomainError(
            ErrorCode.IDEMPOTENCY_KEY_REUSED,
            "idempotency key {key!r} was used with a different input",
            "idempotencyKey",
            key=stored.key,
        )
    return json.loads(stored.result or "{}")
