"""Filter and order inputs shared by the lists."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import strawberry

from ...domain.text import MAX_LENGTH

_MOMENT = "An ISO 8601 date-time with a time zone (2026-11-22T10:30:00Z)"


@strawberry.input(
    description="Created and updated ranges, owner and text search: what every list can filter on. "
    "Conditions combine with AND; an omitted or null field does not filter."
)
class CommonFilter:
    owner_id: Optional[strawberry.ID] = strawberry.field(
        default=None,
        description="Only records owned by this user (a User's global id). A sales rep sees only its "
        "own documents whatever it asks.",
    )
    search: Optional[str] = strawberry.field(
        default=None,
        description=(
            "Words in names, titles, numbers, e-mail or phone, matched whatever their case, accents, Arabic or Persian "
            "letter forms, half-spaces (ZWNJ) or digits: istanbul finds İstanbul, yilmaz finds YILMAZ, "
            f"علي finds علی. One line of at most {MAX_LENGTH['search']} characters."
        ),
    )
    created_after: Optional[datetime] = strawberry.field(
        default=None, description=f"{_MOMENT}: only records created at or after it."
    )
    created_before: Optional[datetime] = strawberry.field(
        default=None, description=f"{_MOMENT}: only records created before it."
    )
    updated_after: Optional[datetime] = strawberry.field(
        default=None, description=f"{_MOMENT}: only records changed at or after it."
    )
    updated_before: Optional[datetime] = strawberry.field(
        default=None, description=f"{_MOMENT}: only records changed before it."
    )
