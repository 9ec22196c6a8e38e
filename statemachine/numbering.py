"""The operator's choice of calendar for a number series, made only where it splits no run of numbers.

A run is what one series numbers in one year of one calendar (INV/2026/…, INV/1405/…). Switching
calendar stops the run of the current year in the old calendar and starts one in the new calendar,
which began on its own new year's day (1 January, or Nowruz), not on the day of the switch. So a
switch is allowed only while both of those runs are still empty: the old calendar's books close on a
whole year, and the new calendar's run is numbered from 00001 and never resumes an older one. A
fresh install, or the first days of a year before anything is numbered, is when to choose.
"""

from __future__ import annotations

from ..domain.errors import DomainError, ErrorCode
from ..domain.message import KIND_WORDS, Message, word
from ..domain.numbering import CALENDAR_WORDS, Series, calendar_named
from .engine import Context, operation


@operation
def set_series_calendar(ctx: Context, code: str, calendar: str) -> Series:
    """Count a series' years in another calendar (gregorian or jalali) from now on, if no run splits."""
    chosen = calendar_named(calendar)
    series = ctx.uow.numbers.get(code, lock=True)  # first: numbers in flight commit before we count them
    if series.calendar == chosen:
        return series
    begun = [
        series.run(year)
        for cal in (series.calendar, chosen)
        if ctx.uow.numbers.taken(code, cal, year := cal.year_of(ctx.today))
    ]
    if begun:
        runs = begun[0] if len(begun) == 1 else Message("{first} and {second}", first=begun[0], second=begun[1])
        raise DomainError(
            ErrorCode.SERIES_IN_USE,
            "the {kind} series has numbered documents in {runs} already: switching it to {calendar} now would "
            "split that year's run; switch before its first number of a year",
            "calendar",
            kind=word(KIND_WORDS, code),
            runs=runs,
            calendar=CALENDAR_WORDS[chosen],
        )
    ctx.uow.numbers.set_calendar(code, chosen)
    return ctx.uow.numbers.get(code)
