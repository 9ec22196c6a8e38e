"""Fields every stored record carries."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(kw_only=True, eq=False)
class Entity:
    """Anything stored with its own id (lines included)."""

    id: int | None = None


@dataclass(kw_only=True, eq=False)
class Record(Entity):
    """A stored record with its own timestamps."""

    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(kw_only=True, eq=False)
class Document(Record):
    """A record with an owner, a lifecycle and an optimistic-concurrency version."""

    #: The document type name used in activities, access rules and error messages.
    kind_name = "document"
    status: str = ""
    owner_id: int | None = None
    version: int = 0

    def __str__(self) -> str:
        label = getattr(self, "number", None) or self.id
        return f"{self.kind_name} {label}"
