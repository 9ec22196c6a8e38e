"""Number series by calendar, on the real store (SQLite and PostgreSQL): a Jalali invoice series numbers
INV/1405/00001, rolls over at Nowruz and not on 1 January; the Gregorian default is unchanged; a series
changes calendar only before its first number of a year, and its counters stay apart per calendar.
(Rollbacks and races on a Jalali series: tests/integration/test_concurrency.py.)"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from support import expect

from salesflow.adapters.sql import SqlUnitOfWork
from salesflow.adapters.sql.data_loader import load_file
from salesflow.adapters.sql.tables import number_sequences
from salesflow.domain.errors import DomainError, ErrorCode
from salesflow.domain.numbering import Calendar
from salesflow.statemachine import invoice as invoice_ops
from salesflow.statemachine.numbering import set_series_calendar


def at(day: str, time: str = "12:00") -> datetime:
    return datetime.fromisoformat(f"{day}T{time}:00+00:00")


@pytest.fixture
def issue(engine, story, actor):
    """issue(moment): a fresh delivered order's invoice issued at that moment; returns its number."""

    def run(moment: datetime) -> str:
        draft = story.deliver(story.order(("1", "100.00", "0", "9"))).invoice
        return invoice_ops.issue_invoice(SqlUnitOfWork(engine), draft.id, actor=actor, now=moment).number

    return run


def switch(engine, calendar: str, moment: datetime, code: str = "invoice"):
    return set_series_calendar(SqlUnitOfWork(engine), code, calendar, now=moment)


def calendar_of(engine, code: str = "invoice") -> Calendar:
    with SqlUnitOfWork(engine, read_only=True) as uow:
        return uow.numbers.get(code).calendar


def counters(engine, code: str = "invoice") -> dict[tuple[str, int], int]:
    """(calendar, year) -> the next number of each run of the series."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(number_sequences.c.calendar, number_sequences.c.year, number_sequences.c.next_number).where(
                number_sequences.c.series_code == code
            )
        )
        return {(cal, year): following for cal, year, following in rows}


def test_every_installed_series_counts_gregorian_years_by_default(engine):
    with SqlUnitOfWork(engine, read_only=True) as uow:
        assert {s.code: s.calendar for s in uow.numbers.find()} == dict.fromkeys(
            ("delivery", "invoice", "order", "quote"), Calendar.GREGORIAN
        )


def test_a_jalali_invoice_series_numbers_by_the_jalali_year(engine, issue):
    switch(engine, "jalali", at("2027-01-09"))
    assert [issue(at("2027-01-10")), issue(at("2027-01-11"))] == ["INV/1405/00001", "INV/1405/00002"]
    assert counters(engine) == {("jalali", 1405): 3}


def test_a_jalali_series_starts_its_new_year_at_nowruz(engine, issue):
    switch(engine, "jalali", at("2027-01-09"))
    assert issue(at("2027-03-20", "23:59")) == "INV/1405/00001"  # 29 Esfand, the last day of 1405
    assert issue(at("2027-03-21", "00:00")) == "INV/1406/00001"  # 1 Farvardin 1406
    assert issue(at("2027-03-21", "09:30")) == "INV/1406/00002"
    assert counters(engine) == {("jalali", 1405): 2, ("jalali", 1406): 3}


def test_the_gregorian_default_turns_on_the_first_of_january_and_not_at_nowruz(engine, issue):
    assert issue(at("2026-12-31")) == "INV/2026/00001"
    assert issue(at("2027-03-20")) == "INV/2027/00001"
    assert issue(at("2027-03-21")) == "INV/2027/00002"
    assert counters(engine) == {("gregorian", 2026): 2, ("gregorian", 2027): 3}


def test_a_series_switched_before_its_first_number_of_the_year_starts_a_run_of_its_own(engine, issue):
    assert issue(at("2026-12-31")) == "INV/2026/00001"
    switch(engine, "jalali", at("2027-01-01", "08:00"))  # nothing numbered yet in 2027 nor in 1405
    assert issue(at("2027-01-02")) == "INV/1405/00001"
    assert counters(engine) == {("gregorian", 2026): 2, ("jalali", 1405): 2}


def test_a_series_that_numbered_a_document_this_year_keeps_its_calendar(engine, issue):
    assert issue(at("2027-05-01")) == "INV/2027/00001"
    with expect(ErrorCode.SERIES_IN_USE, ("calendar",)):
        switch(engine, "jalali", at("2027-05-02"))
    assert calendar_of(engine) == Calendar.GREGORIAN
    assert issue(at("2027-05-03")) == "INV/2027/00002"


def test_a_jalali_series_goes_back_to_gregorian_only_once_both_current_years_are_unnumbered(engine, issue):
    switch(engine, "jalali", at("2027-01-09"))
    assert issue(at("2027-01-10")) == "INV/1405/00001"
    with pytest.raises(DomainError) as err:
        switch(engine, "gregorian", at("2027-03-20"))  # 1405 has numbers
    assert err.value.code == ErrorCode.SERIES_IN_USE and "INV/1405" in err.value.message
    switch(engine, "gregorian", at("2027-03-21"))  # Nowruz: 1406 and 2027 are both still empty
    assert issue(at("2027-03-22")) == "INV/2027/00001"
    assert counters(engine) == {("jalali", 1405): 2, ("gregorian", 2027): 2}


def test_choosing_the_calendar_a_series_already_counts_in_changes_nothing(engine, issue):
    assert issue(at("2027-05-01")) == "INV/2027/00001"
    assert switch(engine, "GREGORIAN", at("2027-05-02")).calendar == Calendar.GREGORIAN
    assert issue(at("2027-05-03")) == "INV/2027/00002"


def test_an_unknown_series_or_calendar_is_refused_and_changes_nothing(engine, store_snapshot):
    before = store_snapshot()
    with expect(ErrorCode.NOT_FOUND, ("series",)):
        switch(engine, "jalali", at("2027-01-09"), code="receipt")
    with expect(ErrorCode.VALIDATION, ("calendar",)):
        switch(engine, "julian", at("2027-01-09"))
    assert store_snapshot() == before and calendar_of(engine) == Calendar.GREGORIAN


def test_a_series_installed_from_the_data_file_as_jalali_numbers_by_the_jalali_year(engine, tmp_path):
    data = tmp_path / "number_series.csv"
    data.write_text("id,name,prefix,padding,calendar\nreceipt,Receipts,RC,4,jalali\n", encoding="utf-8")
    with engine.begin() as conn:
        assert load_file(conn, data, datetime.now(UTC)) == 1
    with SqlUnitOfWork(engine) as uow:
        numbers = [uow.numbers.next("receipt", on=day) for day in (date(2027, 3, 20), date(2027, 3, 21))]
        uow.commit()
    assert numbers == ["RC/1405/0001", "RC/1406/0001"]


def test_a_data_file_with_an_unknown_calendar_installs_nothing(engine, tmp_path, store_snapshot):
    data = tmp_path / "number_series.csv"
    data.write_text("id,name,prefix,padding,calendar\nreceipt,Receipts,RC,4,hijri\n", encoding="utf-8")
    before = store_snapshot()
    with pytest.raises(DomainError) as err, engine.begin() as conn:
        load_file(conn, data, datetime.now(UTC))
    assert err.value.code == ErrorCode.VALIDATION and err.value.field == ("number_series.csv", "receipt", "calendar")
    assert store_snapshot() == before
