"""Activity: one row per transition of any document; together they are its history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(kw_only=True, eq=False)
class Activity:
    id: int | None = None
    document_type: str
    document_id: int
    trigger: str
    from_state: str | None
    to_state: str
    actor_id: int | None = None
    at: datetime
    reason: str | None = None
    #: PostgreSQL: the id of the transaction that wrote it (set by the database), which orders the
    #: change feed gap-free. SQLite serialises its writers, so there the id alone does.
    txid: int | None = None
