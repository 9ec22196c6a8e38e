"""`salesflow series …`, run in-process as the operator runs them: the operator lists the number series and
turns the Jalali year on for one; a refusal is one line on stderr and exit 1. The commands use the
operator's clock, so the expected numbers are computed from it too."""

from __future__ import annotations

import json

from salesflow.adapters.sql import SqlUnitOfWork, create_engine
from salesflow.domain.numbering import Calendar
from salesflow.statemachine.engine import utcnow


def take_invoice_number(url: str) -> str:
    """What issuing an invoice today does to the series: one number taken and committed."""
    engine = create_engine(url)
    try:
        with SqlUnitOfWork(engine) as uow:
            number = uow.numbers.next("invoice", on=utcnow().date())
            uow.commit()
        return number
    finally:
        engine.dispose()


def test_series_set_calendar_turns_the_jalali_year_on_and_says_the_next_number(salesflow, url):
    code, out, err = salesflow("series", "set-calendar", "invoice", "jalali")
    jalali_year = Calendar.JALALI.year_of(utcnow().date())
    assert (code, err) == (0, "")
    assert out == f"the invoice series counts jalali years: its next number is INV/{jalali_year}/00001\n"
    assert take_invoice_number(url) == f"INV/{jalali_year}/00001"


def test_series_list_json_gives_each_series_its_calendar_and_next_number(salesflow, url):
    take_invoice_number(url)
    code, out, _err = salesflow("series", "list", "--json")
    year = utcnow().year
    assert code == 0
    assert {r["code"]: (r["calendar"], r["next_number"]) for r in json.loads(out)} == {
        "delivery": ("gregorian", f"DL/{year}/00001"),
        "invoice": ("gregorian", f"INV/{year}/00002"),
        "order": ("gregorian", f"SO/{year}/00001"),
        "quote": ("gregorian", f"Q/{year}/00001"),
    }


def test_a_series_with_numbers_this_year_is_refused_in_one_line_and_keeps_its_calendar(salesflow, url):
    take_invoice_number(url)
    code, out, err = salesflow("series", "set-calendar", "invoice", "jalali")
    assert (code, out) == (1, "")
    assert err.startswith("salesflow: SERIES_IN_USE (calendar): the invoice series has numbered documents in INV/")
    assert err.count("\n") == 1
    _code, listed, _err = salesflow("series", "list", "--json")
    assert [r["calendar"] for r in json.loads(listed) if r["code"] == "invoice"] == ["gregorian"]
