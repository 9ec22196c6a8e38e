"""How lists are ordered: one field and a direction; the id breaks ties, so keyset pages are stable."""

from __future__ import annotations

from enum import Enum

import strawberry

from .pages import OrderDirection


@strawberry.enum(
    description="What a list can be sorted by (not every list has every field: ordering by one it "
    "lacks is a BAD_USER_INPUT error)."
)
class OrderField(Enum):
    CREATED_AT = strawberry.enum_value("created_at", description="When the record was created.")
    UPDATED_AT = strawberry.enum_value("updated_at", description="When the record last changed.")
    ID = strawberry.enum_value("id", description="The order records were made in.")
    NAME = strawberry.enum_value("name", description="Accounts and contacts: their name.")
    TITLE = strawberry.enum_value("title", description="Leads and opportunities: their title.")
    NUMBER = strawberry.enum_value(
        "number",
        description="Quotes, orders and invoices: their number (a draft invoice has none and sorts as an empty text).",
    )
    AMOUNT = strawberry.enum_value("amount", description="Opportunities: their amount.")
    TOTAL = strawberry.enum_value("total", description="Quotes, orders and invoices: their total.")


@strawberry.input(
    description="How to sort a list: one field and a direction; ties are broken by id, so pages "
    "never skip or repeat a record. Newest first if omitted."
)
class Ordering:
    field: OrderField = strawberry.field(default=OrderField.CREATED_AT, description="What to sort by.")
    direction: OrderDirection = strawberry.field(default=OrderDirection.DESC, description="Which way.")


def order_of(ordering: Ordering | None) -> tuple[str, OrderDirection]:
    if ordering is None:
        return "created_at", OrderDirection.DESC
    return ordering.field.value, ordering.direction
