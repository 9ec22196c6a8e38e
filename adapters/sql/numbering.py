"""Number series: one counter row per series and year, moved inside the caller's transaction."""

from __future__ import annotations

from functools import cache

from sqlalchemy import bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from ...domain.errors import DomainError, ErrorCode
from .tables import number_sequences, number_series

_INSERTS = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}


class SqlNumberSeries:
    """Gapless: the counter row is locked by its UPDATE until commit, and rolls back with it."""

    def __init__(self, connection: Connection, formats: dict[str, tuple[str, int]] | None = None):
        self.connection = connection
        self._formats = {} if formats is None else formats

    def _format(self, code: str) -> tuple[str, int]:
        if code not in self._formats:
            row = self.connection.execute(
                select(number_series.c.prefix, number_series.c.padding).where(number_series.c.code == code)
            ).first()
            if row is None:
                raise DomainError(ErrorCode.NOT_FOUND, "number series {code!r} is not installed", code=code)
            self._formats[code] = (row.prefix, row.padding)
        return self._formats[code]

    def next(self, code: str, year: int) -> str:
        prefix, padding = self._format(code)
        key = {"series": code, "in_year": year}
        taken = self.connection.execute(_BUMP, key).scalar()
        if taken is None:  # first number of this year: create the row, tolerating a racing creator
            self.connection.execute(_first_of_year(self.connection.dialect.name), key)
            taken = self.connection.execute(_BUMP, key).scalar_one()
        return f"{prefix}/{year}/{taken - 1:0{padding}d}"


#: Take a number: the UPDATE locks the counter row until the transaction ends.
_BUMP = (
    update(number_sequences)
    .where((number_sequences.c.series_code == bindparam("series")) & (number_sequences.c.year == bindparam("in_year")))
    .values(next_number=number_sequences.c.next_number + 1)
    .returning(number_sequences.c.next_number)
)


@cache
def _first_of_year(dialect: str):
    return (
        _INSERTS[dialect](number_sequences)
        .values(series_code=bindparam("series"), year=bindparam("in_year"), next_number=1)
        .on_conflict_do_nothing()
    )
