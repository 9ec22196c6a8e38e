"""Priced lines shared by quotes, orders and invoices, and the validation of line input."""
from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .base import Entity
from .errors import invalid
from .money import (HUNDRED, MAX_INPUT_DECIMALS, ZERO, LineAmounts, check_places,
                    document_totals, line_amounts, to_decimal)


@dataclass(frozen=True, kw_only=True)
class LineInput:
    """A line as a client sends it (already parsed into Decimals)."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal = ZERO
    tax_rate: Decimal = ZERO
    product_code: str | None = None


def parse_line(raw: LineInput | dict, field: str) -> LineInput:
    """Validate one line; field is its path prefix, e.g. 'lines.0'."""
    get = raw.get if isinstance(raw, dict) else (lambda k, d=None: getattr(raw, k, d))
    description = (get("description") or "").strip()
    if not description:
        raise invalid("a line needs a description", f"{field}.description")
    qty = check_places(to_decimal(get("quantity"), f"{field}.quantity"), MAX_INPUT_DECIMALS, f"{field}.quantity")
    if qty <= 0:
        raise invalid("quantity must be greater than zero", f"{field}.quantity")
    price = check_places(to_decimal(get("unit_price"), f"{field}.unitPrice"), MAX_INPUT_DECIMALS, f"{field}.unitPrice")
    if price < 0:
        raise invalid("unit price cannot be negative", f"{field}.unitPrice")
    disc = check_places(to_decimal(get("discount_percent", ZERO) or ZERO, f"{field}.discountPercent"),
                        MAX_INPUT_DECIMALS, f"{field}.discountPercent")
    if not ZERO <= disc <= HUNDRED:
        raise invalid("discount must be between 0 and 100 percent", f"{field}.discountPercent")
    rate = check_places(to_decimal(get("tax_rate", ZERO) or ZERO, f"{field}.taxRate"),
                        MAX_INPUT_DECIMALS, f"{field}.taxRate")
    if rate < 0:
        raise invalid("tax rate cannot be negative", f"{field}.taxRate")
    code = get("product_code")
    return LineInput(description=description, quantity=qty, unit_price=price,
                     discount_percent=disc, tax_rate=rate, product_code=code or None)


def parse_lines(raw_lines, field: str = "lines") -> list[LineInput]:
    return [parse_line(raw, f"{field}.{i}") for i, raw in enumerate(raw_lines or [])]


@dataclass(kw_only=True, eq=False)
class PricedLine(Entity):
    sequence: int = 0
    description: str
    product_code: str | None = None
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal = ZERO
    tax_rate: Decimal = ZERO
    subtotal: Decimal = ZERO
    discount_amount: Decimal = ZERO
    net_amount: Decimal = ZERO
    tax_amount: Decimal = ZERO
    total: Decimal = ZERO

    def set_amounts(self, amounts: LineAmounts) -> None:
        self.subtotal = amounts.gross
        self.discount_amount = amounts.discount
        self.net_amount = amounts.net
        self.tax_amount = amounts.tax
        self.total = amounts.total

    def price(self, currency: str) -> None:
        """Compute this line's amounts from its own quantity."""
        self.set_amounts(line_amounts(self.quantity, self.unit_price, self.discount_percent,
                                      self.tax_rate, currency))

    def copy_terms(self) -> dict:
        """The fields that carry over when a line is copied to the next document."""
        return dict(sequence=self.sequence, description=self.description,
                    product_code=self.product_code, quantity=self.quantity,
                    unit_price=self.unit_price, discount_percent=self.discount_percent,
                    tax_rate=self.tax_rate)

    @classmethod
    def from_input(cls, line: LineInput, sequence: int, currency: str, **extra):
        obj = cls(sequence=sequence, description=line.description, product_code=line.product_code,
                  quantity=line.quantity, unit_price=line.unit_price,
                  discount_percent=line.discount_percent, tax_rate=line.tax_rate, **extra)
        obj.price(currency)
        return obj


@dataclass(kw_only=True, eq=False)
class PricedDocumentMixin:
    """Totals fields; `retotal` recomputes them from the lines."""

    currency: str = ""
    subtotal: Decimal = ZERO
    discount_total: Decimal = ZERO
    tax_total: Decimal = ZERO
    total: Decimal = ZERO

    def retotal(self) -> None:
        t = document_totals(self.lines, self.currency)
        self.subtotal, self.discount_total, self.tax_total, self.total = (
            t.subtotal, t.discount_total, t.tax_total, t.total)
