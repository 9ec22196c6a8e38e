"""Which year a document's number carries: the Gregorian year turns on 1 January, the Jalali one at
Nowruz (1 Farvardin), as jdatetime computes it; and how a number reads."""

from __future__ import annotations

from datetime import date

import pytest

from salesflow.domain.errors import DomainError, ErrorCode
from salesflow.domain.numbering import Calendar, Series, calendar_named


def test_the_jalali_year_turns_at_nowruz_not_on_the_first_of_january():
    assert Calendar.JALALI.year_of(date(2026, 12, 31)) == 1405
    assert Calendar.JALALI.year_of(date(2027, 1, 1)) == 1405
    assert Calendar.JALALI.year_of(date(2027, 3, 20)) == 1405  # 29 Esfand 1405, its last day
    assert Calendar.JALALI.year_of(date(2027, 3, 21)) == 1406  # 1 Farvardin 1406


def test_nowruz_falls_on_the_twentieth_of_march_in_some_years():
    assert Calendar.JALALI.year_of(date(2028, 3, 19)) == 1406
    assert Calendar.JALALI.year_of(date(2028, 3, 20)) == 1407
    assert Calendar.JALALI.year_of(date(2025, 3, 20)) == 1403  # 30 Esfand: 1403 is a leap year
    assert Calendar.JALALI.year_of(date(2025, 3, 21)) == 1404


def test_the_gregorian_year_turns_on_the_first_of_january():
    assert Calendar.GREGORIAN.year_of(date(2026, 12, 31)) == 2026
    assert Calendar.GREGORIAN.year_of(date(2027, 1, 1)) == 2027
    assert Calendar.GREGORIAN.year_of(date(2027, 3, 21)) == 2027


def test_a_number_is_prefix_year_and_zero_padded_sequence():
    invoices = Series(code="invoice", name="Customer invoices", prefix="INV", padding=5, calendar=Calendar.JALALI)
    assert invoices.number(invoices.year_of(date(2027, 1, 10)), 1) == "INV/1405/00001"
    assert invoices.run(1406) == "INV/1406"
    assert Series(code="quote", name="Quotes", prefix="Q", padding=3).number(2027, 12) == "Q/2027/012"


def test_a_calendar_is_named_in_any_case_and_an_unknown_one_names_its_field():
    assert calendar_named(" Jalali ") is Calendar.JALALI
    with pytest.raises(DomainError) as err:
        calendar_named("julian", "series.calendar")
    assert err.value.code == ErrorCode.VALIDATION and err.value.field == ("series", "calendar")
    assert "gregorian, jalali" in err.value.message
