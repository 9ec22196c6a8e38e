"""Column types that keep Decimals exact and datetimes in UTC on every database."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from sqlalchemy import BigInteger, DateTime, Numeric
from sqlalchemy.types import TypeDecorator

#: Decimal places stored for each kind of number.
MONEY_SCALE = 4  # the largest CLDR currency precision
QUANTITY_SCALE = 6  # quantities, unit prices, percentages (DESIGN: up to 6 decimals)


class ScaledDecimal(TypeDecorator):
    """A Decimal stored exactly: a scaled integer on SQLite, NUMERIC on PostgreSQL.

    SQLite's NUMERIC affinity would turn 0.1 into a binary float; an integer count of 10**-scale
    units stays exact, and so does SUM over it.
    """

    impl = BigInteger
    cache_ok = True

    @property
    def python_type(self) -> type:
        return Decimal

    def __init__(self, scale: int):
        super().__init__()
        self.scale = scale
        self.quantum = Decimal(1).scaleb(-scale)

    def __repr__(self) -> str:
        return f"ScaledDecimal({self.scale})"

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(Numeric(38, self.scale, asdecimal=True))
        return dialect.type_descriptor(BigInteger())

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        exact = Decimal(value)
        stored = exact.quantize(self.quantum)
        if stored != exact:
            raise ValueError(f"{value} has more than {self.scale} decimals")
        return stored if dialect.name == "postgresql" else int(stored.scaleb(self.scale))

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "postgresql":
            return Decimal(value).quantize(self.quantum)
        return Decimal(int(value)).scaleb(-self.scale)


class UTCDateTime(TypeDecorator):
    """Timezone-aware UTC datetimes, also on SQLite which stores them naive."""

    impl = DateTime(timezone=True)
    cache_ok = True

    @property
    def python_type(self) -> type:
        return datetime

    def process_bind_param(self, value: datetime | None, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use UTC")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def Money() -> ScaledDecimal:  # noqa: N802 - reads like a type in table definitions
    return ScaledDecimal(MONEY_SCALE)


def Quantity() -> ScaledDecimal:  # noqa: N802
    return ScaledDecimal(QUANTITY_SCALE)
