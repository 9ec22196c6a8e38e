"""What a list query asks of a repository: filters, one sort key and a keyset position."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .text import check_text

MAX_PAGE = 100
MAX_ID = 2**63 - 1  # record ids are 64-bit integers in every store
DEFAULT_PAGE = 20
#: The most records a list inside one document returns (its history, an opportunity's quotes …):
#: the default and the maximum of such a list's `first`.
MAX_CHILDREN = 100
#: A list's total is counted up to this many records: an exact number for a list this long or
#: shorter, and past it `totalCount` is COUNT_CAP with `totalCountCapped` set, so a count never
#: reads more than COUNT_CAP + 1 rows however large the list grows.
COUNT_CAP = 1000


@dataclass(frozen=True)
class Filter:
    statuses: tuple[str, ...] = ()
    owner_id: int | None = None
    stage_id: int | None = None
    account_id: int | None = None
    opportunity_id: int | None = None
    order_id: int | None = None
    backend: str | None = None
    role: str | None = None  # users
    active: bool | None = None  # users
    search: str | None = None
    created_after: datetime | None = None
    created_before: datetime | None = None
    updated_after: datetime | None = None
    updated_before: datetime | None = None

    def __post_init__(self) -> None:
        # Texts a store compares: bounded, and free of what one store refuses (NUL) and another keeps.
        for name in ("search", "backend"):
            value = getattr(self, name)
            if value is not None:
                check_text(value, name)


@dataclass(frozen=True)
class PageSpec:
    """A keyset page: rows after `after` (the sort value as text, and the id of the last row seen)."""

    filter: Filter = field(default_factory=Filter)
    order_by: str = "id"
    descending: bool = False
    after: tuple[str, int] | None = None
    limit: int = DEFAULT_PAGE
