"""List queries for the read side: filters, text search and keyset pages (never OFFSET)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from functools import cache

from sqlalchemy import BigInteger, and_, func, literal, or_, select, text, tuple_, type_coerce

from ...domain.errors import DomainError, ErrorCode
from ...domain.normalize import search_terms
from ...domain.query import MAX_ID, Filter, PageSpec
from ...domain.text import check_text
from .mapping import Mapping
from .tables import activities

#: Filter attribute -> column; applied only where the table has the column.
_EQUALS = ("owner_id", "stage_id", "account_id", "opportunity_id", "order_id", "backend", "role", "active")
_RANGES = (
    ("created_after", "created_at", ">="),
    ("created_before", "created_at", "<"),
    ("updated_after", "updated_at", ">="),
    ("updated_before", "updated_at", "<"),
)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def conditions(mapping: Mapping, flt: Filter) -> list:
    table = mapping.table
    out = []
    if flt.statuses:
        out.append(table.c.status.in_(flt.statuses))
    for name in _EQUALS:
        value = getattr(flt, name)
        if value is not None and name in table.c:
            out.append(table.c[name] == value)
    for name, column, op in _RANGES:
        value = getattr(flt, name)
        if value is not None:
            col = table.c[column]
            out.append(col >= value if op == ">=" else col < value)
    if flt.search and mapping.searched:
        # The record's search key contains a search term: the same LIKE on both stores, as both
        # sides are already folded (case, accents, letter variants, joiners, digits, Persian spaces,
        # number groups, phone numbers). One term, but two for a number dialled from abroad.
        terms = search_terms(flt.search)
        out.append(or_(*(table.c.search_key.like(f"%{_escape(term)}%", escape="\\") for term in terms)))
    return out


@cache
def _sort_type(mapping: Mapping, column: str) -> type:
    return mapping.table.c[column].type.python_type


def sort_value(mapping: Mapping, column: str, text: str):
    """A cursor's sort value (text) back as the column's type; VALIDATION if it is not one."""
    kind = _sort_type(mapping, column)
    try:
        if kind is datetime:
            moment = datetime.fromisoformat(text)
            if moment.utcoffset() is None:
                raise ValueError("no time zone")
            return moment.astimezone(UTC)  # OverflowError at the ends of time
        if kind is Decimal:
            number = Decimal(text)
            scale = getattr(mapping.table.c[column].type, "scale", 6)
            if not number.is_finite() or abs(number) >= MAX_SORT_NUMBER or number.as_tuple().exponent < -scale:
                raise ValueError("not a stored number")
            return number
        check_text(text, column)  # the cursor's text goes to the store: nothing it would refuse
        return kind(text)
    except (ValueError, ArithmeticError, DomainError) as exc:
        raise DomainError(ErrorCode.VALIDATION, "the cursor is not valid for this list", "after") from exc


MAX_SORT_NUMBER = Decimal(10) ** 15


def _sort_column(mapping: Mapping, name: str):
    """What a list is ordered by. A keyset needs a value in every row: a missing text (a draft
    invoice's number) sorts as the empty string; other columns that may be missing are refused."""
    table = mapping.table
    if name not in table.c:
        raise DomainError(ErrorCode.VALIDATION, "this list cannot be ordered by {name}", "orderBy", name=name)
    col = table.c[name]
    if not col.nullable:
        return col
    if _sort_type(mapping, name) is str:
        return func.coalesce(col, "")
    raise DomainError(ErrorCode.VALIDATION, "this list cannot be ordered by {name}", "orderBy", name=name)


def page_query(mapping: Mapping, spec: PageSpec):
    table = mapping.table
    if spec.after is not None and not 0 <= spec.after[1] <= MAX_ID:
        raise DomainError(ErrorCode.VALIDATION, "the cursor is not valid for this list", "after")
    col = _sort_column(mapping, spec.order_by)
    ident = table.c.id
    where = conditions(mapping, spec.filter)
    if spec.after is not None:
        text, last_id = spec.after
        value = sort_value(mapping, spec.order_by, text) if spec.order_by != "id" else None
        if spec.order_by == "id":
            where.append(ident < last_id if spec.descending else ident > last_id)
        elif spec.descending:
            where.append(or_(col < value, and_(col == value, ident < last_id)))
        else:
            where.append(or_(col > value, and_(col == value, ident > last_id)))
    keys = [col.desc(), ident.desc()] if spec.descending else [col, ident]
    if spec.order_by == "id":
        keys = keys[:1]
    return select(*mapping.selected).where(*where).order_by(*keys).limit(spec.limit + 1)


def count_query(mapping: Mapping, spec: PageSpec):
    return select(func.count()).select_from(mapping.table).where(*conditions(mapping, spec.filter))


#: SQLite sums 64-bit integers and fails on overflow; the scaled amounts are summed in two halves.
HALF = 32


def totals_query(mapping: Mapping, flt: Filter, group_by: tuple[str, ...], sum_of: str, dialect: str = "sqlite"):
    """(*keys, count, sum) per group; on SQLite (*keys, count, sum of high halves, sum of low halves).

    A stored amount fits 64 bits, but two of 900,000,000,000,000 EUR (scaled by 10^4) already
    overflow SQLite's integer SUM. Split as x = hi·2^32 + lo (arithmetic shift, 0 <= lo < 2^32),
    each half's sum stays exact for up to 2^31 rows; the caller recombines them in Python."""
    table = mapping.table
    keys = [table.c[k] for k in group_by]
    column = table.c[sum_of]
    if dialect == "sqlite":
        raw = type_coerce(column, BigInteger)
        sums = [func.coalesce(func.sum(raw.op(">>")(HALF)), 0), func.coalesce(func.sum(raw.op("&")(2**HALF - 1)), 0)]
    else:
        sums = [func.coalesce(func.sum(column), 0)]
    return select(*keys, func.count(), *sums).where(*conditions(mapping, flt)).group_by(*keys)


#: On PostgreSQL, the oldest transaction still running *in this database* (else the snapshot's
#: xmax). Transaction ids are cluster-wide, so the snapshot's own xmin also counts transactions of
#: other databases on the same server, which can never write here: one long transaction of another
#: application would stall the feed and the outbox. Only transactions positively known to belong to
#: another database (pg_stat_activity, pg_prepared_xacts) are passed over; any other running one,
#: even one that ended after the snapshot was taken, still holds the horizon back.
_HORIZON = text("""(SELECT coalesce(
    (SELECT min(running::text::bigint) FROM pg_snapshot_xip(snap.s) AS running
     WHERE running::xid NOT IN (
         SELECT backend_xid FROM pg_stat_activity
         WHERE backend_xid IS NOT NULL
           AND datid <> (SELECT oid FROM pg_database WHERE datname = current_database())
         UNION ALL
         SELECT transaction FROM pg_prepared_xacts WHERE database <> current_database())),
    pg_snapshot_xmax(snap.s)::text::bigint)
  FROM (SELECT pg_current_snapshot() AS s) AS snap)""")


def committed_query(table, dialect: str, position: tuple[int, int], limit: int, *where):
    """Rows of an append-only table after a (txid, id) position, in commit order.

    SQLite serialises writers, so ids come in commit order. On PostgreSQL a row's id is taken at
    insert, so rows are ordered by (txid, id) and only transactions older than every one of this
    database still running are shown (_HORIZON): none can later commit behind a position handed out."""
    tx, last = position
    if dialect == "postgresql":
        horizon = _HORIZON
        where = (*where, tuple_(table.c.txid, table.c.id) > tuple_(literal(tx), literal(last)), table.c.txid < horizon)
        order = [table.c.txid, table.c.id]
    else:
        where, order = (*where, table.c.id > last), [table.c.id]
    return select(table).where(*where).order_by(*order).limit(limit)


def changes_query(dialect: str, position: tuple[int, int], limit: int, types: tuple[str, ...] = ()):
    """Activities after a (txid, id) position, in commit order (see SqlActivityLog.committed_after)."""
    extra = [activities.c.document_type.in_(types)] if types else []
    return committed_query(activities, dialect, position, limit, *extra)
