"""Priced lines: the input shared by quotes and orders, and the fields every priced line shows."""

from __future__ import annotations

from typing import Optional

import strawberry

from ...domain.money import MAX_INPUT_DECIMALS, MAX_QUANTITY
from ...domain.text import MAX_LENGTH
from ..compiled import rules
from ..core.fields import money_field, quantity_field
from ..core.ids import global_id
from .scalars import Decimal


@strawberry.input(
    description=f"A priced line. Quantities, prices and percentages are Decimal strings with up to "
    f"{MAX_INPUT_DECIMALS} decimals; amounts are computed from them and rounded per line "
    f"to the currency."
)
class LineInput:
    description: str = strawberry.field(description="What is sold, as the customer reads it.")
    quantity: Decimal = strawberry.field(description=f"How many: more than 0, at most {MAX_QUANTITY:,}.")
    unit_price: Decimal = strawberry.field(
        description=f"The price of one, before discount and tax, in the document's currency: 0 to {MAX_QUANTITY:,}."
    )
    discount_percent: Optional[Decimal] = strawberry.field(
        default=None, description='A discount in percent, 0 to 100 ("10" is 10 %); 0 if omitted or null.'
    )
    tax_rate: Optional[Decimal] = strawberry.field(
        default=None, description='The tax rate in percent, 0 to 1000 ("19" is 19 %); 0 if omitted or null.'
    )
    product_code: Optional[str] = strawberry.field(
        default=None, description=f"Your product's code, up to {MAX_LENGTH['product_code']} characters; kept as given."
    )


def line_id(type_name: str):
    def resolve(root) -> strawberry.ID:
        return strawberry.ID(global_id(type_name, root.id))

    return strawberry.field(
        resolver=resolve,
        description="The line's global id (lines are no nodes: read them through their document).",
        metadata={rules.RULE: rules.LineId(type_name)},
    )


@strawberry.interface(
    description="A line with a price: gross, discount, net, tax and total, each rounded per line "
    "to the document's currency (half-up)."
)
class PricedLine:
    description: str = strawberry.field(description="What is sold, as the customer reads it.")
    product_code: Optional[str] = strawberry.field(description="The product's code, if one was given.")
    sequence: int = strawberry.field(
        description="Its place among the document's lines (10, 20, 30 …); lines come in this order."
    )
    quantity: Decimal = quantity_field("quantity", 'How many, without trailing zeros ("2", "1.5").')
    unit_price: Decimal = quantity_field(
        "unit_price", "The price of one before discount and tax, as entered (up to 6 decimals)."
    )
    discount_percent: Decimal = quantity_field("discount_percent", 'The discount in percent ("10" is 10 %).')
    tax_rate: Decimal = quantity_field("tax_rate", 'The tax rate in percent ("19" is 19 %).')
    subtotal: Decimal = money_field("subtotal", "Gross: quantity × unit price, rounded to the currency.")
    discount_amount: Decimal = money_field("discount_amount", "subtotal − netAmount.")
    net_amount: Decimal = money_field(
        "net_amount", "quantity × unit price × (1 − discount/100), rounded to the currency."
    )
    tax_amount: Decimal = money_field("tax_amount", "netAmount × tax rate/100, rounded to the currency.")
    total: Decimal = money_field("total", "netAmount + taxAmount.")


@strawberry.interface(description="A document with priced lines; its totals are sums of the rounded lines.")
class PricedDocument:
    currency: str = strawberry.field(
        description="ISO 4217 code (EUR, USD, IRR …); every amount of the document is "
        "in it and has its number of decimals (EUR 2, IRR 0, KWD 3)."
    )
    subtotal: Decimal = money_field("subtotal", "Σ of the lines' subtotal (gross, before discounts and tax).")
    discount_total: Decimal = money_field("discount_total", "Σ of the lines' discountAmount.")
    tax_total: Decimal = money_field("tax_total", "Σ of the lines' taxAmount.")
    total: Decimal = money_field("total", "subtotal − discountTotal + taxTotal: what the customer pays.")
