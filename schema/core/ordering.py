"""How lists are ordered: one field and a direction; the id breaks ties, so keyset pages are stable."""
from __future__ import annotations

from enum import Enum

import strawberry

from .pages import OrderDirection


@strawberry.enum(description="What a list can be sorted by (not every list has every field).")
class OrderField(Enum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"
    ID = "id"
    NAME = "name"
    TITLE = "title"
    NUMBER = "number"
    AMOUNT = "amount"
    TOTAL = "total"


@strawberry.input
class Ordering:
    field: OrderField = OrderField.CREATED_AT
    direction: OrderDirection = OrderDirection.DESC


def order_of(ordering: Ordering | None) -> tuple[str, OrderDirection]:
    if ordering is None:
        return "created_at", OrderDirection.DESC
    return ordering.field.value, ordering.direction
