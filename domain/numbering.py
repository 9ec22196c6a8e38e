"""Number series: which calendar's year a document's number carries, and how the number reads.

A series numbers each year of its calendar from 1 (`INV/2026/00001`, or `INV/1405/00001` by the
Jalali year, the one Iranian companies keep their books by). The year is always the year of the
document's own date in the series' calendar, decided here and nowhere else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import jdatetime

from .errors import invalid
from .message import Message


class Calendar(StrEnum):
    """The calendar whose years a series counts in."""

    GREGORIAN = "gregorian"
    JALALI = "jalali"  # the Solar Hijri year begins at Nowruz, 1 Farvardin (20 or 21 March)

    def year_of(self, day: date) -> int:
        """The year this calendar gives the day."""
        if self is Calendar.JALALI:
            return jdatetime.date.fromgregorian(date=day).year
        return day.year


#: Each calendar as a message names it (its value is what a client types).
CALENDAR_WORDS = {Calendar.GREGORIAN: Message("gregorian"), Calendar.JALALI: Message("jalali")}


def calendar_named(name: str, field: str | tuple[str, ...] = "calendar") -> Calendar:
    """The calendar called `name` (gregorian or jalali), or a VALIDATION error naming the field."""
    try:
        return Calendar(str(name).strip().lower())
    except ValueError:
        known = ", ".join(c.value for c in Calendar)
        raise invalid("unknown calendar {name!r}: use one of {known}", field, name=name, known=known) from None


@dataclass(frozen=True, kw_only=True)
class Series:
    """One number series as installed: `prefix/year/sequence`, the sequence zero-padded."""

    code: str  # quote, order, delivery, invoice
    name: str
    prefix: str
    padding: int
    calendar: Calendar = Calendar.GREGORIAN

    def year_of(self, day: date) -> int:
        """The year a document dated `day` is numbered in."""
        return self.calendar.year_of(day)

    def run(self, year: int) -> str:
        """What every number of one year starts with: INV/1405."""
        return f"{self.prefix}/{year}"

    def number(self, year: int, sequence: int) -> str:
        """The number as printed: INV/1405/00001."""
        return f"{self.run(year)}/{sequence:0{self.padding}d}"
