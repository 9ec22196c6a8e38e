"""`salesflow series …`: the operator sees the number series and chooses the calendar each counts years in.

A CLI command and not a GraphQL mutation because the calendar is an installation's bookkeeping
setting, chosen once by whoever installs salesflow (beside `migrate`, `token` and `user`), not a
sales record that an SPA edits. Output and refusals follow `salesflow user …` (gateway/people.py).
"""

from __future__ import annotations

from ..adapters.sql import SqlUnitOfWork
from ..domain.numbering import Calendar, Series
from ..statemachine.engine import utcnow
from ..statemachine.numbering import set_series_calendar
from .people import _common, _emit, _engine, _run, table


def series_record(series: Series, taken: int, today) -> dict:
    """A series as scripts read it, with the number its next document dated today would get."""
    year = series.year_of(today)
    return {
        "code": series.code,
        "name": series.name,
        "prefix": series.prefix,
        "calendar": series.calendar.value,
        "year": year,
        "next_number": series.number(year, taken + 1),
    }


def _records(args) -> list[dict]:
    today = utcnow().date()
    engine = _engine(args)
    try:
        with SqlUnitOfWork(engine, read_only=True) as uow:
            return [
                series_record(s, uow.numbers.taken(s.code, s.calendar, s.year_of(today)), today)
                for s in uow.numbers.find()
            ]
    finally:
        engine.dispose()


def cmd_series_list(args) -> int:
    records = _records(args)
    rows = [["CODE", "NAME", "CALENDAR", "NEXT"]]
    rows += [[r["code"], r["name"], r["calendar"], r["next_number"]] for r in records]
    _emit(args, records, table(rows))
    return 0


def cmd_series_set_calendar(args) -> int:
    series = _run(args, set_series_calendar, args.code, args.calendar)
    record = next(r for r in _records(args) if r["code"] == series.code)
    _emit(
        args,
        record,
        f"the {series.code} series counts {series.calendar.value} years: its next number is {record['next_number']}",
    )
    return 0


def add_commands(sub) -> None:
    """The `series` commands, on the `salesflow` subcommand parser."""
    calendars = ", ".join(c.value for c in Calendar)
    s = sub.add_parser("series", help="number series: list, set-calendar (Gregorian or Jalali years)")
    ssub = s.add_subparsers(dest="series_command", required=True)
    sl = ssub.add_parser("list", help="every series: its calendar and the number it gives next today")
    _common(sl)
    sl.set_defaults(run=cmd_series_list)
    sc = ssub.add_parser(
        "set-calendar",
        help="count a series' years in another calendar (only before its first number of the current year)",
    )
    sc.add_argument("code", help="the series: quote, order, delivery or invoice")
    sc.add_argument("calendar", help=calendars)
    _common(sc)
    sc.set_defaults(run=cmd_series_set_calendar)
