"""Priced lines: the input shared by quotes and orders, and the fields every priced line shows."""
from __future__ import annotations

from typing import Optional

import strawberry

from ..core.fields import money_field, quantity_field
from ..core.ids import global_id
from .scalars import Decimal


@strawberry.input(description="A priced line. Quantities and prices take up to 6 decimals.")
class LineInput:
    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Optional[Decimal] = None
    tax_rate: Optional[Decimal] = None
    product_code: Optional[str] = None


def line_id(type_name: str):
    def resolve(root) -> strawberry.ID:
        return strawberry.ID(global_id(type_name, root.id))
    return strawberry.field(resolver=resolve)


@strawberry.interface(description="A line with a price: gross, discount, net, tax and total, rounded per line.")
class PricedLine:
    description: str
    product_code: Optional[str]
    sequence: int
    quantity: Decimal = quantity_field("quantity")
    unit_price: Decimal = quantity_field("unit_price")
    discount_percent: Decimal = quantity_field("discount_percent")
    tax_rate: Decimal = quantity_field("tax_rate")
    subtotal: Decimal = money_field("subtotal", "quantity × unit price, rounded")
    discount_amount: Decimal = money_field("discount_amount")
    net_amount: Decimal = money_field("net_amount")
    tax_amount: Decimal = money_field("tax_amount")
    total: Decimal = money_field("total")


@strawberry.interface(description="Totals are sums of the rounded lines.")
class PricedDocument:
    currency: str
    subtotal: Decimal = money_field("subtotal")
    discount_total: Decimal = money_field("discount_total")
    tax_total: Decimal = money_field("tax_total")
    total: Decimal = money_field("total")
