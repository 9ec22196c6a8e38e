"""Money as DESIGN.md §2 states it: Decimal line arithmetic, half-up to the currency's CLDR precision,
cumulative rounding of partial invoices, and document totals that are sums of rounded lines."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from salesflow.domain.errors import DomainError, ErrorCode
from salesflow.domain.invoice import Invoice, InvoiceLine
from salesflow.domain.lines import LineInput, parse_line
from salesflow.domain.money import (
    LineAmounts,
    check_currency,
    cumulative_amounts,
    currency_precision,
    document_totals,
    line_amounts,
    money_amount,
    round_money,
    to_decimal,
)
from salesflow.domain.order import Order, OrderLine

D = Decimal
MICRO = 6  # DESIGN: quantities, prices, discounts and rates carry up to 6 decimals


def amounts(qty, price, disc="0", rate="0", currency="EUR") -> LineAmounts:
    return line_amounts(D(qty), D(price), D(disc), D(rate), currency)


def as_tuple(a: LineAmounts) -> tuple[Decimal, ...]:
    return (a.gross, a.discount, a.net, a.tax, a.total)


# --- an exact reference: rationals, rounded half-up by hand ----------------------------------


def half_up(value: Fraction, places: int) -> Decimal:
    """Round a non-negative rational half-up to `places` decimals, exactly."""
    scaled = value * 10**places
    units = (2 * scaled.numerator + scaled.denominator) // (2 * scaled.denominator)
    return D(units).scaleb(-places)


def reference_amounts(qty: Decimal, price: Decimal, disc: Decimal, rate: Decimal, places: int):
    raw = Fraction(qty) * Fraction(price)
    gross = half_up(raw, places)
    net = half_up(raw * (100 - Fraction(disc)) / 100, places)
    tax = half_up(Fraction(net) * Fraction(rate) / 100, places)
    return gross, gross - net, net, tax, net + tax


# --- currencies -------------------------------------------------------------------------------


@pytest.mark.parametrize(("code", "places"), [("EUR", 2), ("IRR", 0), ("JPY", 0), ("KWD", 3), ("USD", 2)])
def test_currency_precision_comes_from_cldr(code, places):
    assert currency_precision(code) == places


def test_currency_codes_are_normalised_to_upper_case():
    assert check_currency("eur") == "EUR"
    assert check_currency(" kwd ") == "KWD"


@pytest.mark.parametrize("code", ["XYZ", "ABC", "EURO", "E1R", "EU"])
def test_an_unknown_currency_is_rejected(code):
    with pytest.raises(DomainError) as err:
        check_currency(code)
    assert err.value.code == ErrorCode.UNKNOWN_CURRENCY
    assert err.value.field == ("currency",)


def test_unknown_currency_is_rejected_by_the_line_arithmetic_too():
    with pytest.raises(DomainError) as err:
        amounts("1", "1", currency="XYZ")
    assert err.value.code == ErrorCode.UNKNOWN_CURRENCY
    with pytest.raises(DomainError) as err:
        round_money(D("1.005"), "QQQ")
    assert err.value.code == ErrorCode.UNKNOWN_CURRENCY


@pytest.mark.parametrize("code", [None, ""])
def test_a_missing_currency_is_a_validation_error(code):
    with pytest.raises(DomainError) as err:
        check_currency(code)
    assert err.value.code == ErrorCode.VALIDATION


# --- hand-computed lines ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "currency", "expected"),
    [
        # qty, price, discount %, tax %           gross, discount, net, tax, total
        (("10", "19.99", "0", "19"), "EUR", ("199.90", "0.00", "199.90", "37.98", "237.88")),
        # 3 × 0.335 = 1.005: half-up gives 1.01 (a float or half-even would give 1.00)
        (("3", "0.335", "0", "0"), "EUR", ("1.01", "0.00", "1.01", "0.00", "1.01")),
        (("1", "2.675", "0", "0"), "EUR", ("2.68", "0.00", "2.68", "0.00", "2.68")),
        # net 8.05 × 0.9 = 7.245 → 7.25; discount = gross − net; tax 7.25 × 7% = 0.5075 → 0.51
        (("7", "1.15", "10", "7"), "EUR", ("8.05", "0.80", "7.25", "0.51", "7.76")),
        # tax 0.05 × 10% = 0.005 → 0.01
        (("1", "0.05", "0", "10"), "EUR", ("0.05", "0.00", "0.05", "0.01", "0.06")),
        # net is rounded from q×p×(1−d), not gross − rounded discount: 6.6666667 → 6.67
        (("1", "10", "33.333333", "0"), "EUR", ("10.00", "3.33", "6.67", "0.00", "6.67")),
        (("2", "9.99", "100", "19"), "EUR", ("19.98", "19.98", "0.00", "0.00", "0.00")),
        (("0.000001", "0.000001", "0", "0"), "EUR", ("0.00", "0.00", "0.00", "0.00", "0.00")),
        # JPY has no decimals: 2.5 → 3 and 1.5 → 2 (half-up, not half-even)
        (("1", "2.5", "0", "0"), "JPY", ("3", "0", "3", "0", "3")),
        (("3", "0.5", "0", "0"), "JPY", ("2", "0", "2", "0", "2")),
        (("2", "1000", "12.5", "10"), "JPY", ("2000", "250", "1750", "175", "1925")),
        (("1", "101", "0", "10"), "JPY", ("101", "0", "101", "10", "111")),
        # IRR has no decimals either (CLDR)
        (("1", "12345.5", "0", "9"), "IRR", ("12346", "0", "12346", "1111", "13457")),
        # KWD has three: 1.2345 → 1.235, 3 × 0.0005 = 0.0015 → 0.002
        (("1", "1.2345", "0", "0"), "KWD", ("1.235", "0.000", "1.235", "0.000", "1.235")),
        (("3", "0.0005", "0", "0"), "KWD", ("0.002", "0.000", "0.002", "0.000", "0.002")),
        (("4", "2.5", "15", "5"), "KWD", ("10.000", "1.500", "8.500", "0.425", "8.925")),
    ],
)
def test_line_amounts_by_hand(line, currency, expected):
    result = amounts(*line, currency=currency)
    assert as_tuple(result) == tuple(D(x) for x in expected)
    places = currency_precision(currency)
    # rounded to the currency's precision, and carried at it (IRR 12346, not 12346.0)
    for value in (result.gross, result.discount, result.net, result.tax):
        assert value.as_tuple().exponent == -places


def test_round_money_is_half_up_at_every_precision():
    assert round_money(D("0.005"), "EUR") == D("0.01")
    assert round_money(D("0.0049999"), "EUR") == D("0.00")
    assert round_money(D("0.5"), "JPY") == D("1")
    assert round_money(D("1.5"), "IRR") == D("2")
    assert round_money(D("2.5"), "IRR") == D("3")
    assert round_money(D("0.0005"), "KWD") == D("0.001")
    assert round_money(D("0.0004"), "KWD") == D("0.000")


def test_partial_invoices_are_rounded_cumulatively():
    # 3 × 0.335 invoiced one unit at a time: rounding each invoice on its own would give
    # 0.34 + 0.34 + 0.34 = 1.02 for an order line of 1.01.
    naive = sum(amounts("1", "0.335").gross for _ in range(3))
    assert naive == D("1.02")
    parts = [cumulative_amounts(D(already), D("1"), D("0.335"), D(0), D(0), "EUR") for already in (0, 1, 2)]
    assert [p.gross for p in parts] == [D("0.34"), D("0.33"), D("0.34")]
    assert sum(p.gross for p in parts) == amounts("3", "0.335").gross == D("1.01")


def test_a_line_worth_hundreds_of_millions_is_rounded_from_its_exact_net():
    # q × p × (1 − d/100) here is exactly 868509991.31499999999999999999: half-up gives .31.
    # It has 29 significant digits, one more than Decimal's default context keeps, and rounding it
    # to 28 first (…991.3150000…) would turn the half-up rounding into .32.
    qty, price, disc = D("10.007411"), D("86786682.389691"), D("0.000001")
    assert reference_amounts(qty, price, disc, D(0), 2)[2] == D("868509991.31")


def test_line_amounts_do_not_double_round_large_lines():
    qty, price, disc = D("10.007411"), D("86786682.389691"), D("0.000001")
    result = line_amounts(qty, price, disc, D(0), "EUR")
    assert as_tuple(result) == reference_amounts(qty, price, disc, D(0), 2)


# --- numbers come as strings or Decimals, never floats ----------------------------------------


@pytest.mark.parametrize("value", [0.1, 1.0, True])
def test_floats_and_bools_are_rejected(value):
    with pytest.raises(DomainError) as err:
        to_decimal(value, "quantity")
    assert err.value.code == ErrorCode.VALIDATION
    assert err.value.field == ("quantity",)


def test_money_amount_rejects_floats_and_excess_decimals():
    assert money_amount("12.50", "EUR", "amount") == D("12.50")
    assert money_amount(D("1.234"), "KWD", "amount") == D("1.234")
    assert money_amount("1000", "IRR", "amount") == D("1000")
    for value, currency in ((12.5, "EUR"), ("1.005", "EUR"), ("1.5", "JPY"), ("0.5", "IRR"), ("0.0001", "KWD")):
        with pytest.raises(DomainError) as err:
            money_amount(value, currency, "amount")
        assert err.value.code == ErrorCode.VALIDATION, (value, currency)


@pytest.mark.parametrize("text", ["NaN", "Infinity", "-Infinity", "abc", ""])
def test_non_numbers_are_rejected(text):
    with pytest.raises(DomainError) as err:
        to_decimal(text, "unitPrice")
    assert err.value.code == ErrorCode.VALIDATION


@pytest.mark.parametrize("field", ["quantity", "unit_price", "discount_percent", "tax_rate"])
def test_a_line_given_a_float_is_rejected(field):
    raw = dict(description="chair", quantity="2", unit_price="10", discount_percent="0", tax_rate="19")
    raw[field] = 2.5
    with pytest.raises(DomainError) as err:
        parse_line(raw, "lines.0")
    assert err.value.code == ErrorCode.VALIDATION
    assert err.value.field[:2] == ("lines", "0")


def test_a_line_parses_strings_into_exact_decimals():
    line = parse_line(dict(description="chair", quantity="0.1", unit_price="0.000001"), "lines.0")
    assert isinstance(line, LineInput)
    assert line.quantity == D("0.1") and type(line.quantity) is Decimal
    assert line.unit_price == D("0.000001") and type(line.unit_price) is Decimal
    with pytest.raises(DomainError):  # a seventh decimal
        parse_line(dict(description="chair", quantity="0.0000001", unit_price="1"), "lines.0")


# --- properties ------------------------------------------------------------------------------


def decimals(max_units: int, places: int = MICRO):
    """Non-negative Decimals with 0..places decimals and at most max_units (in whole units)."""
    return st.integers(0, places).flatmap(lambda p: st.integers(0, max_units * 10**p).map(lambda n: D(n).scaleb(-p)))


CURRENCIES = st.sampled_from(["JPY", "EUR", "KWD"])
QUANTITY_UNITS = st.integers(1, 10**12)  # micro-units: 0.000001 … 1 000 000
PRICES = decimals(1_000_000)
DISCOUNTS = decimals(100)
RATES = decimals(30)


@st.composite
def split_quantities(draw):
    """A quantity (≤ 6 decimals) and a split of it into 1..6 positive parts (≤ 6 decimals each)."""
    total = draw(QUANTITY_UNITS)
    cuts = draw(st.lists(st.integers(1, total - 1), unique=True, max_size=5)) if total > 1 else []
    bounds = [0, *sorted(cuts), total]
    parts = [D(b - a).scaleb(-MICRO) for a, b in zip(bounds, bounds[1:])]
    return D(total).scaleb(-MICRO), parts


@settings(max_examples=200, deadline=None)
@given(currency=CURRENCIES, split=split_quantities(), price=PRICES, disc=DISCOUNTS, rate=RATES)
def test_partial_invoices_of_a_line_add_up_to_the_line_exactly(currency, split, price, disc, rate):
    quantity, parts = split
    assert sum(parts) == quantity
    whole = line_amounts(quantity, price, disc, rate, currency)
    invoiced = D(0)
    sums = [D(0)] * 5
    places = currency_precision(currency)
    for part in parts:
        piece = cumulative_amounts(invoiced, part, price, disc, rate, currency)
        invoiced += part
        for value in (piece.gross, piece.net, piece.tax, piece.total):
            # rounding is monotone, so no partial invoice is ever negative …
            assert value >= 0
            # … and each one is in whole units of the currency
            assert value == value.quantize(D(1).scaleb(-places))
        sums = [s + v for s, v in zip(sums, as_tuple(piece))]
    assert sums == list(as_tuple(whole))


@settings(max_examples=200, deadline=None)
@given(
    currency=st.sampled_from(["JPY", "IRR", "EUR", "KWD"]),
    qty=decimals(999).filter(lambda q: q > 0),
    price=decimals(9_999),
    disc=DISCOUNTS,
    rate=RATES,
)
def test_line_amounts_match_exact_rational_arithmetic(currency, qty, price, disc, rate):
    # Bounded to keep the examples quick; larger lines are covered by the exact-context test above.
    result = line_amounts(qty, price, disc, rate, currency)
    assert as_tuple(result) == reference_amounts(qty, price, disc, rate, currency_precision(currency))
    assert result.discount == result.gross - result.net
    assert result.total == result.net + result.tax


LINES = st.tuples(decimals(10_000).filter(lambda q: q > 0), decimals(100_000), DISCOUNTS, RATES)


@settings(max_examples=100, deadline=None)
@given(
    currency=st.sampled_from(["JPY", "IRR", "EUR", "KWD"]),
    specs=st.lists(LINES, min_size=0, max_size=6),
    doc_kind=st.sampled_from([Order, Invoice]),
)
def test_document_totals_are_sums_of_rounded_lines(currency, specs, doc_kind):
    line_cls = OrderLine if doc_kind is Order else InvoiceLine
    lines = [
        line_cls.from_input(
            LineInput(description=f"item {i}", quantity=q, unit_price=p, discount_percent=d, tax_rate=r),
            (i + 1) * 10,
            currency,
        )
        for i, (q, p, d, r) in enumerate(specs)
    ]
    doc = (
        doc_kind(number="X/1", opportunity_id=1, currency=currency, lines=lines)
        if doc_kind is Order
        else doc_kind(order_id=1, currency=currency, lines=lines)
    )
    doc.retotal()
    assert doc.total == doc.subtotal - doc.discount_total + doc.tax_total
    assert doc.subtotal == sum((ln.subtotal for ln in lines), D(0))
    assert doc.discount_total == sum((ln.discount_amount for ln in lines), D(0))
    assert doc.tax_total == sum((ln.tax_amount for ln in lines), D(0))
    assert doc.total == sum((ln.total for ln in lines), D(0))
    places = currency_precision(currency)
    for value in (doc.subtotal, doc.discount_total, doc.tax_total, doc.total):
        assert value.as_tuple().exponent == -places
    totals = document_totals(lines, currency)
    assert (totals.subtotal, totals.discount_total, totals.tax_total, totals.total) == (
        doc.subtotal,
        doc.discount_total,
        doc.tax_total,
        doc.total,
    )


@pytest.mark.parametrize("text", ["-0", "-0.00", "-0E+3"])
def test_a_negative_zero_is_read_as_zero(text):
    value = to_decimal(text, "amount")
    assert value == 0 and not value.is_signed()
    assert not money_amount(text, "EUR", "amount").is_signed()


def test_a_tiny_negative_amount_rounds_to_zero_without_a_sign():
    rounded = round_money(D("-0.004"), "EUR")
    assert format(rounded, "f") == "0.00"
    assert format(round_money(D("-0.4"), "JPY"), "f") == "0"
