"""Money: Decimal amounts, currency precision from CLDR, and the line arithmetic of DESIGN.md."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Context, Decimal, Inexact, InvalidOperation, localcontext
from functools import cache

from babel.numbers import get_currency_precision, is_currency

from .errors import DomainError, ErrorCode, invalid

ZERO = Decimal(0)
HUNDRED = Decimal(100)
#: Quantities, unit prices, discounts and rates may carry up to this many decimals.
MAX_INPUT_DECIMALS = 6
#: The largest quantity or unit price accepted (stored exactly with 6 decimals in 64 bits).
MAX_QUANTITY = Decimal("1000000000000")
#: The largest amount a line, a document or a payment may reach (stored with 4 decimals in 64 bits).
MAX_AMOUNT = Decimal("900000000000000")
#: Room to look at any number a client may send without the default 28-digit context failing.
WIDE = Context(prec=80, rounding=ROUND_HALF_UP, traps=[InvalidOperation])
#: Enough digits that products of such inputs are exact (rounded once, to the currency, never before).
EXACT = Context(prec=80, rounding=ROUND_HALF_UP, traps=[Inexact, InvalidOperation])


@cache
def currency_precision(code: str) -> int:
    """Number of decimals of a known ISO 4217 currency; UNKNOWN_CURRENCY otherwise."""
    return get_currency_precision(check_currency(code))


@cache
def check_currency(code: str | None, field: str = "currency") -> str:
    """Return the upper-cased code if Babel knows it, else raise UNKNOWN_CURRENCY."""
    if not code or not isinstance(code, str):
        raise DomainError(ErrorCode.VALIDATION, "a currency code is required", field)
    norm = code.strip().upper()
    if len(norm) != 3 or not norm.isalpha() or not is_currency(norm):
        raise DomainError(ErrorCode.UNKNOWN_CURRENCY, "unknown currency {code!r}", field, code=code)
    return norm


def unsigned_zero(value: Decimal) -> Decimal:
    """-0 and -0.00 as 0 and 0.00: a Decimal zero keeps a sign, which an amount must never show."""
    return value.copy_abs() if value.is_zero() else value


def to_decimal(value: object, field: str) -> Decimal:
    """Parse a number given as Decimal, int or str (never float) into a finite Decimal."""
    if isinstance(value, bool) or isinstance(value, float):
        raise invalid("numbers must be given as strings or Decimals, not floats", field)
    try:
        result = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise invalid("{value!r} is not a number", field, value=value) from None
    if not result.is_finite():
        raise invalid("{value!r} is not a finite number", field, value=value)
    return unsigned_zero(result)


def check_places(value: Decimal, places: int, field: str) -> Decimal:
    try:
        with localcontext(WIDE):
            exact = value == value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    except InvalidOperation:  # too many digits to be any amount we store
        raise invalid("the number is too large", field) from None
    if not exact:
        raise invalid("at most {places} decimals are allowed", field, places=places)
    return value


def round_money(amount: Decimal, currency: str) -> Decimal:
    """Half-up to the currency's precision (a tiny negative amount rounds to 0.00, not -0.00)."""
    return unsigned_zero(amount.quantize(Decimal(1).scaleb(-currency_precision(currency)), rounding=ROUND_HALF_UP))


def check_amount(amount: Decimal, field: str) -> Decimal:
    if abs(amount) > MAX_AMOUNT:
        raise invalid("amounts are limited to {most:,}", field, most=MAX_AMOUNT)
    return amount


#: Decimals any stored amount may have (the most a currency uses: CLF, UYW).
AMOUNT_DECIMALS = 4


def storable_amount(value: Decimal) -> Decimal | None:
    """`value` if salesflow can keep it as an amount (within MAX_AMOUNT, at most AMOUNT_DECIMALS
    decimals), else None: what a refused payment of any size is kept with."""
    if not value.is_finite() or abs(value) > MAX_AMOUNT:
        return None
    with localcontext(WIDE):
        return value if value == value.quantize(Decimal(1).scaleb(-AMOUNT_DECIMALS)) else None


def as_reported(value: Decimal, limit: int = 100) -> str:
    """A number as a backend reported it, in at most `limit` characters."""
    text = str(value)
    return text if len(text) <= limit else format(value, ".30E")


def money_amount(value: object, currency: str, field: str) -> Decimal:
    """Validate a monetary amount: not negative, with no more decimals than the currency allows."""
    amount = to_decimal(value, field)
    if amount < 0:
        raise invalid("an amount cannot be negative", field)
    return check_amount(check_places(amount, currency_precision(currency), field), field)


@dataclass(frozen=True, slots=True)
class LineAmounts:
    """The rounded amounts of one line; `total` = net + tax."""

    gross: Decimal
    discount: Decimal
    net: Decimal
    tax: Decimal

    @property
    def total(self) -> Decimal:
        return self.net + self.tax

    def __sub__(self, other: LineAmounts) -> LineAmounts:
        return LineAmounts(
            self.gross - other.gross, self.discount - other.discount, self.net - other.net, self.tax - other.tax
        )

    def __add__(self, other: LineAmounts) -> LineAmounts:
        return LineAmounts(
            self.gross + other.gross, self.discount + other.discount, self.net + other.net, self.tax + other.tax
        )


NOTHING = LineAmounts(ZERO, ZERO, ZERO, ZERO)


def line_amounts(
    quantity: Decimal, unit_price: Decimal, discount_percent: Decimal, tax_rate: Decimal, currency: str
) -> LineAmounts:
    """gross = r(q×p); net = r(q×p×(1−d/100)); discount = gross − net; tax = r(net×rate/100)."""
    with localcontext(EXACT):
        raw = quantity * unit_price
        exact_net = raw * (HUNDRED - discount_percent) / HUNDRED
    gross, net = round_money(raw, currency), round_money(exact_net, currency)
    with localcontext(EXACT):
        exact_tax = net * tax_rate / HUNDRED
    return LineAmounts(gross, gross - net, net, round_money(exact_tax, currency))


def cumulative_amounts(
    already: Decimal,
    adding: Decimal,
    unit_price: Decimal,
    discount_percent: Decimal,
    tax_rate: Decimal,
    currency: str,
    taken: LineAmounts | None = None,
) -> LineAmounts:
    """Amounts for `adding` more units when `already` were invoiced: rounded cumulatively.

    The amounts for everything invoiced so far, minus what earlier invoices took (`taken`; by
    default what `already` units come to), so that a fully invoiced line adds up to the order line
    exactly — also after an invoice in between was voided and its quantity invoiced again.
    """
    if taken is None:
        taken = line_amounts(already, unit_price, discount_percent, tax_rate, currency)
    return line_amounts(already + adding, unit_price, discount_percent, tax_rate, currency) - taken


@dataclass(frozen=True, slots=True)
class Totals:
    subtotal: Decimal
    discount_total: Decimal
    tax_total: Decimal
    total: Decimal


def document_totals(lines: list, currency: str) -> Totals:
    """Sums of rounded lines; each line has subtotal, discount_amount, tax_amount."""
    zero = round_money(ZERO, currency)
    subtotal = sum((ln.subtotal for ln in lines), zero)
    discount = sum((ln.discount_amount for ln in lines), zero)
    tax = sum((ln.tax_amount for ln in lines), zero)
    return Totals(subtotal, discount, tax, subtotal - discount + tax)
