"""Filter and order inputs shared by the lists."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

import strawberry

from ...domain.text import MAX_LENGTH


@strawberry.input(description="Created and updated ranges, owner and text search: what every list can filter on.")
class CommonFilter:
    owner_id: Optional[strawberry.ID] = None
    search: Optional[str] = strawberry.field(default=None, description=(
        "Words in names, titles, numbers, e-mail, matched whatever their case, accents, Arabic or Persian "
        "letter forms, half-spaces (ZWNJ) or digits: istanbul finds İstanbul, yilmaz finds YILMAZ, "
        f"علي finds علی. One line of at most {MAX_LENGTH['search']} characters."))
    created_after: Optional[datetime] = None
    created_before: Optional[datetime] = None
    updated_after: Optional[datetime] = None
    updated_before: Optional[datetime] = None
