"""Fields every stored record carries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar


@dataclass(kw_only=True, eq=False)
class Entity:
    """Anything stored with its own id (lines included)."""

    id: int | None = None


@dataclass(kw_only=True, eq=False)
class Record(Entity):
    """A stored record with its own timestamps."""

    created_at: datetime | None = None
    updated_at: datetime | None = None

    #: Keys kept beside the attributes they are derived from, for finding duplicates:
    #: key attribute -> (derivation, source attribute). Data, so a reindex can recompute them.
    keys: ClassVar[dict[str, tuple[Callable, str]]] = {}

    def rekey(self) -> None:
        """Recompute the keys from their source attributes (after an edit)."""
        for key, (derive, source) in self.keys.items():
            setattr(self, key, derive(getattr(self, source)))


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


class Difference:
    """A value that is one field minus another (an invoice's amount due, an order line's quantity still to
    deliver), said once: read on an object, it computes; `of` names the two fields, so a store can compute
    it the same way where it reads them (adapters/sql/compiler.py)."""

    def __init__(self, minuend: str, subtrahend: str):
        self.of = (minuend, subtrahend)

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        return getattr(obj, self.of[0]) - getattr(obj, self.of[1])
