"""Filter and order inputs shared by the lists."""
from __future__ import annotations

from datetime import datetime
from typing import Optional

import strawberry


@strawberry.input(description="Created and updated ranges, owner and text search: what every list can filter on.")
class CommonFilter:
    owner_id: Optional[strawberry.ID] = None
    search: Optional[str] = strawberry.field(default=None, description="Words in names, titles, numbers, e-mail.")
    created_after: Optional[datetime] = None
    created_before: Optional[datetime] = None
    updated_after: Optional[datetime] = None
    updated_before: Optional[datetime] = None
