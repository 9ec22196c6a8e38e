"""Number series: one counter row per series, calendar and year, moved inside the caller's transaction."""

from __future__ import annotations

from datetime import date
from functools import cache

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from ...domain.errors import not_found
from ...domain.numbering import Calendar, Series
from .tables import number_sequences, number_series

_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


class SqlNumberSeries:
    """Gapless: the counter row is locked by its UPDATE until commit, and rolls back with it.

    Taking a number first reads its series FOR SHARE (PostgreSQL; SQLite serialises writers with
    BEGIN IMMEDIATE anyway), so a change of calendar, which locks the series FOR UPDATE, waits for
    every number in flight to commit and sees it, and a number taken meanwhile waits for the change
    and uses the new calendar. One instance serves one transaction: what it read stays locked.
    """

    def __init__(self, connection: Connection):
        self.connection = connection
        self._read: dict[str, Series] = {}  # series read (and share-locked) in this transaction

    def get(self, code: str, *, lock: bool = False) -> Series:
        query = select(number_series).where(number_series.c.code == code)
        row = self.connection.execute(query.with_for_update() if lock else query).first()
        if row is None:
            raise not_found("number_series", repr(code), "series")
        return _series(row)

    def find(self) -> list[Series]:
        return [_series(row) for row in self.connection.execute(select(number_series).order_by(number_series.c.code))]

    def taken(self, code: str, calendar: Calendar, year: int) -> int:
        following = self.connection.scalar(
            select(number_sequences.c.next_number).where(_counter(code, calendar.value, year))
        )
        return 0 if following is None else following - 1

    def set_calendar(self, code: str, calendar: Calendar) -> None:
        self.connection.execute(
            update(number_series).where(number_series.c.code == code).values(calendar=calendar.value)
        )
        self._read.pop(code, None)

    def next(self, code: str, on: date) -> str:
        series = self._read.get(code)
        if series is None:
            row = self.connection.execute(_SHARE_SERIES, {"series": code}).first()
            if row is None:
                raise not_found("number_series", repr(code), "series")
            series = self._read[code] = _series(row)
        year = series.year_of(on)
        key = {"series": code, "in_calendar": series.calendar.value, "in_year": year}
        taken = self.connection.execute(_BUMP, key).scalar()
        if taken is None:  # first number of this year: create the row, tolerating a racing creator
            self.connection.execute(_first_of_year(self.connection.dialect.name), key)
            taken = self.connection.execute(_BUMP, key).scalar_one()
        return series.number(year, taken - 1)


def _series(row) -> Series:
    return Series(code=row.code, name=row.name, prefix=row.prefix, padding=row.padding, calendar=Calendar(row.calendar))


def _counter(series, calendar, year):
    return (
        (number_sequences.c.series_code == series)
        & (number_sequences.c.calendar == calendar)
        & (number_sequences.c.year == year)
    )


_SHARE_SERIES = select(number_series).where(number_series.c.code == bindparam("series")).with_for_update(read=True)

#: Take a number: the UPDATE locks the counter row until the transaction ends.
_BUMP = (
    update(number_sequences)
    .where(_counter(bindparam("series"), bindparam("in_calendar"), bindparam("in_year")))
    .values(next_number=number_sequences.c.next_number + 1)
    .returning(number_sequences.c.next_number)
)


@cache
def _first_of_year(dialect: str):
    return (
        _INSERTS[dialect](number_sequences)
        .values(
            series_code=bindparam("series"), calendar=bindparam("in_calendar"), year=bindparam("in_year"), next_number=1
        )
        .on_conflict_do_nothing()
    )
