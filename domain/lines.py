"""Priced lines shared by quotes, orders and invoices, and the validation of line input."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from .base import Entity
from .errors import invalid
from .money import (
    HUNDRED,
    MAX_INPUT_DECIMALS,
    MAX_QUANTITY,
    ZERO,
    LineAmounts,
    check_amount,
    check_places,
    document_totals,
    line_amounts,
    to_decimal,
)

#: The most lines one quote, order, invoice or delivery holds. Real quotes and orders run to tens or
#: hundreds of lines. Writing a document holds SQLite's single write lock, and every other writer
#: waits: about 0.2 s for 1,000 lines, 1.8 s for 10,000 and 20 s for 100,000 (benchmarks/lines.py,
#: 0.18-0.2 ms a line). At 1,000 the worst document costs other users a pause like one slow request.
MAX_LINES = 1_000


def check_line_count(raw_lines, field: str = "lines") -> None:
    """VALIDATION on `lines` when a document is given more than MAX_LINES lines."""
    if raw_lines is not None and len(raw_lines) > MAX_LINES:
        raise invalid(
            "a document holds at most {most:,} lines, not {given:,}", field, most=MAX_LINES, given=len(raw_lines)
        )


@dataclass(frozen=True, kw_only=True)
class LineInput:
    """A line as a client sends it (already parsed into Decimals)."""

    description: str
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal = ZERO
    tax_rate: Decimal = ZERO
    product_code: str | None = None


def input_number(value: object, field: str, *, low: Decimal, high: Decimal, low_inclusive: bool = True) -> Decimal:
    """A Decimal of at most 6 decimals within [low, high] (or (low, high])."""
    number = check_places(to_decimal(value, field), MAX_INPUT_DECIMALS, field)
    if number < low or (number == low and not low_inclusive) or number > high:
        if low_inclusive:
            raise invalid("must be at least {low} and at most {high:,}", field, low=low, high=high)
        raise invalid("must be greater than {low} and at most {high:,}", field, low=low, high=high)
    return number


def reader(raw: object):
    """`get(name, default)` over a dict or an object's attributes: input arrives as either."""
    if isinstance(raw, dict):
        return raw.get
    return lambda name, default=None: getattr(raw, name, default)


def parse_line(raw: LineInput | dict, field: str) -> LineInput:
    """Validate one line; field is its path prefix, e.g. 'lines.0'."""
    get = reader(raw)
    description = (get("description") or "").strip()
    if not description:
        raise invalid("a line needs a description", f"{field}.description")
    code = get("product_code") or None
    qty = input_number(get("quantity"), f"{field}.quantity", low=ZERO, high=MAX_QUANTITY, low_inclusive=False)
    price = input_number(get("unit_price"), f"{field}.unitPrice", low=ZERO, high=MAX_QUANTITY)
    optional = {k: ZERO if get(k) is None else get(k) for k in ("discount_percent", "tax_rate")}
    disc = input_number(optional["discount_percent"], f"{field}.discountPercent", low=ZERO, high=HUNDRED)
    rate = input_number(optional["tax_rate"], f"{field}.taxRate", low=ZERO, high=HUNDRED * 10)
    check_amount(qty * price, f"{field}.quantity")
    return LineInput(
        description=description, quantity=qty, unit_price=price, discount_percent=disc, tax_rate=rate, product_code=code
    )


def parse_lines(raw_lines, field: str = "lines") -> list[LineInput]:
    """Validate a document's lines: at most MAX_LINES of them, each as parse_line does."""
    raw_lines = list(raw_lines or [])
    check_line_count(raw_lines, field)
    return [parse_line(raw, f"{field}.{i}") for i, raw in enumerate(raw_lines)]


@dataclass(kw_only=True, eq=False)
class PricedLine(Entity):
    #: The document's currency, set by whoever shows the line (lines are stored without it).
    currency: ClassVar[str | None] = None
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

    @property
    def amounts(self) -> LineAmounts:
        return LineAmounts(self.subtotal, self.discount_amount, self.net_amount, self.tax_amount)

    def set_amounts(self, amounts: LineAmounts) -> None:
        self.subtotal = amounts.gross
        self.discount_amount = amounts.discount
        self.net_amount = amounts.net
        self.tax_amount = amounts.tax
        self.total = amounts.total

    def price(self, currency: str) -> None:
        """Compute this line's amounts from its own quantity."""
        self.set_amounts(line_amounts(self.quantity, self.unit_price, self.discount_percent, self.tax_rate, currency))

    def copy_terms(self) -> dict:
        """The fields that carry over when a line is copied to the next document."""
        return dict(
            sequence=self.sequence,
            description=self.description,
            product_code=self.product_code,
            quantity=self.quantity,
            unit_price=self.unit_price,
            discount_percent=self.discount_percent,
            tax_rate=self.tax_rate,
        )

    @classmethod
    def from_input(cls, line: LineInput, sequence: int, currency: str, **extra):
        obj = cls(
            sequence=sequence,
            description=line.description,
            product_code=line.product_code,
            quantity=line.quantity,
            unit_price=line.unit_price,
            discount_percent=line.discount_percent,
            tax_rate=line.tax_rate,
            **extra,
        )
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
        check_amount(t.subtotal, "lines")
        check_amount(t.total, "lines")
        self.subtotal, self.discount_total, self.tax_total, self.total = (
            t.subtotal,
            t.discount_total,
            t.tax_total,
            t.total,
        )
