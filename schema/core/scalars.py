"""`Decimal` travels as a string: never a float, exact both ways."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, InvalidOperation
from decimal import Decimal as PyDecimal
from typing import NewType

import strawberry
from babel.numbers import get_currency_precision

Decimal = NewType("Decimal", PyDecimal)

#: How `Decimal` travels; schema.py maps the type to it (StrawberryConfig.scalar_map).
DECIMAL_SCALAR = strawberry.scalar(
    name="Decimal",
    description='An exact decimal number as a string, e.g. "1234.50"; never a float. Amounts come with their '
    'currency\'s number of decimals ("1234.50" EUR, "1234" IRR); quantities, prices and percentages '
    'without trailing zeros ("2", "99.9"). Send it as a string (an integer is accepted too).',
    serialize=lambda value: format(value, "f"),
    parse_value=lambda value: _parse(value),
)


def _parse(value: object) -> PyDecimal:
    # Numbers must come as strings (a JSON float has already lost exactness); an int is exact too.
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError('a Decimal is sent as a string, e.g. "12.50"')
    if isinstance(value, str) and not value.isascii():
        raise ValueError(f"{value!r} is not a decimal number")
    try:
        number = PyDecimal(value.strip() if isinstance(value, str) else value)
    except (InvalidOperation, ValueError):
        raise ValueError(f"{value!r} is not a decimal number") from None
    if not number.is_finite():
        raise ValueError(f"{value!r} is not a finite decimal number")
    return number


_PLACES: dict[str, PyDecimal] = {}


def money(value: PyDecimal | None, currency: str | None) -> PyDecimal | None:
    """An amount as the currency writes it: the stored scale trimmed or padded to its precision."""
    if value is None:
        return None
    if currency is None:
        return quantity(value)
    exp = _PLACES.get(currency)
    if exp is None:
        exp = _PLACES[currency] = PyDecimal(1).scaleb(-get_currency_precision(currency))
    return value.quantize(exp, rounding=ROUND_HALF_UP)  # the rounding rule of DESIGN §2


def reported(value: PyDecimal | None, currency: str | None) -> PyDecimal | None:
    """An amount someone else reported, at its currency's precision but never rounded: digits beyond
    the currency's stay visible (they may be why it was refused)."""
    if value is None:
        return None
    shown = money(value, currency)
    return shown if shown == value else quantity(value)


def quantity(value: PyDecimal | None) -> PyDecimal | None:
    """A quantity, price or rate without the storage scale's trailing zeros: 2.000000 -> 2."""
    if value is None:
        return None
    if value == value.to_integral_value():
        return value.quantize(PyDecimal(1))
    return value.normalize()
