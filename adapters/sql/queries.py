"""List queries for the read side: filters, text search and keyset pages (never OFFSET)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from functools import cache

from sqlalchemy import (
    ARRAY,
    BigInteger,
    Integer,
    Text,
    any_,
    case,
    column,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    text,
    tuple_,
    type_coerce,
    union,
    union_all,
)
from sqlalchemy import table as table_clause
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.sqltypes import NullType
from sqlalchemy.sql.visitors import InternalTraversal

from ...domain.errors import DomainError, ErrorCode
from ...domain.normalize import search_terms
from ...domain.query import COUNT_CAP, MAX_ID, Filter, PageSpec
from ...domain.text import check_text
from .mapping import Mapping
from .tables import activities, search_index, short_search_index, sort_key

#: Filter attribute -> column; applied only where the table has the column.
_EQUALS = ("owner_id", "stage_id", "account_id", "opportunity_id", "order_id", "backend", "role", "active")
_RANGES = (
    ("created_after", "created_at", ">="),
    ("created_before", "created_at", "<"),
    ("updated_after", "updated_at", ">="),
    ("updated_before", "updated_at", "<"),
)
#: The shortest term the trigram index looks up; a shorter one is looked up among each key's characters
#: and pairs of characters (migration 0019: short_search_index).
TRIGRAM = 3
#: PostgreSQL, a search with a term of one or two characters: the rows along the list it tries before it
#: reads the term's index instead (at least five times the rows it wants; see _limits).
WALK_ROWS = 1000
#: A search that matches at most this many records reads them through the text index and sorts them;
#: one that matches more walks the list in its order and stops at the page's end (see _search).
FEW_MATCHES = 1000


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _filters(mapping: Mapping, flt: Filter) -> list:
    """The filter's conditions but its text search."""
    table = mapping.table
    out = []
    if flt.statuses:
        out.append(table.c.status.in_(flt.statuses))
    for name in _EQUALS:
        value = getattr(flt, name)
        if value is not None and name in table.c:
            out.append(table.c[name] == value)
    for name, stamp, op in _RANGES:
        value = getattr(flt, name)
        if value is not None:
            col = table.c[stamp]
            out.append(col >= value if op == ">=" else col < value)
    return out


def _like(key, term: str):
    return key.like(f"%{_escape(term)}%", escape="\\")


def _holds(key, terms: tuple[str, ...]):
    """The key holds one of the terms: a LIKE, which PostgreSQL's trigram index serves for a term of three
    characters or more; a shorter one as strpos on PostgreSQL, where a LIKE of one or two characters
    would be offered that index, which then reads every entry it has."""
    return or_(*(_like(key, term) if len(term) >= TRIGRAM else func.strpos(key, term) > 0 for term in terms))


def _contains(table, terms: tuple[str, ...]):
    """The row's search key contains one of the terms (SQLite: a LIKE; PostgreSQL: _holds)."""
    likes = or_(*(_like(table.c.search_key, term) for term in terms))
    return _PerDialect(likes, _holds(table.c.search_key, terms))


def conditions(mapping: Mapping, flt: Filter) -> list:
    """The filter as WHERE conditions (a search as a LIKE on the search key: the same rows the
    indexed forms of page_query and count_query find)."""
    out = _filters(mapping, flt)
    if flt.search and mapping.searched:
        # The record's search key contains a search term: the same LIKE on both stores, as both
        # sides are already folded (case, accents, letter variants, joiners, digits, Persian spaces,
        # number groups, phone numbers). One term, but two for a number dialled from abroad.
        out.append(_contains(mapping.table, search_terms(flt.search)))
    return out


class _PerDialect(ColumnElement):
    """An expression written one way for SQLite and another for other databases (PostgreSQL)."""

    inherit_cache = True
    _traverse_internals = [
        ("sqlite", InternalTraversal.dp_clauseelement),
        ("other", InternalTraversal.dp_clauseelement),
    ]

    def __init__(self, sqlite, other):
        self.sqlite, self.other = sqlite, other
        self.type = NullType()  # a condition stays a condition (a Boolean would be written `= 1` on SQLite)


@compiles(_PerDialect)
def _compile_other(element, compiler, **kw):
    return compiler.process(element.other, **kw)


@compiles(_PerDialect, "sqlite")
def _compile_sqlite(element, compiler, **kw):
    return compiler.process(element.sqlite, **kw)


def short_token(term: str) -> str:
    """A term of one or two characters as the short index holds it: its UTF-8 bytes in hex (migration 0019)."""
    return "x" + term.encode().hex()


def _match(name: str, phrases: list[str]):
    fts = table_clause(name, column("rowid"), column(name))
    return select(fts.c.rowid).where(fts.c[name].match(" OR ".join(phrases)))


def _in_index(table, terms: tuple[str, ...]):
    """SQLite: the ids of the rows whose search key contains a term, as the text indexes find them: a term
    of three characters or more as a phrase of its trigrams, which the trigram tokenizer finds exactly
    where it is a substring; a shorter one as one of the key's characters or pairs (one SELECT, or the
    UNION of both)."""
    found = []
    long_terms = [term for term in terms if len(term) >= TRIGRAM]
    short_terms = [term for term in terms if len(term) < TRIGRAM]
    if long_terms:
        found.append(_match(search_index(table), ['"' + term.replace('"', '""') + '"' for term in long_terms]))
    if short_terms:
        found.append(_match(short_search_index(table), [f'"{short_token(term)}"' for term in short_terms]))
    return found[0] if len(found) == 1 else union(*found)


def _search(mapping: Mapping, flt: Filter) -> tuple[str, ...] | None:
    """The terms of a search its text indexes serve, or None: no search, a list not searched, or a term
    with nothing in it (a search of spaces or joiners), which every record holds and `conditions` asks
    as a LIKE that keeps every row."""
    if not (flt.search and mapping.searched):
        return None
    terms = search_terms(flt.search)
    return terms if all(terms) else None


def _short(terms: tuple[str, ...]) -> bool:
    return any(len(term) < TRIGRAM for term in terms)


class _ArrayOf(ColumnElement):
    """PostgreSQL's ARRAY(SELECT …): a query's one column as an array, computed once."""

    inherit_cache = True
    _traverse_internals = [("query", InternalTraversal.dp_clauseelement)]

    def __init__(self, query):
        self.query = query
        self.type = ARRAY(Integer)


@compiles(_ArrayOf)
def _compile_array_of(element, compiler, **kw):
    return "ARRAY" + compiler.process(element.query.scalar_subquery(), **kw)


def _grams(table, terms: tuple[str, ...]):
    """PostgreSQL: the key holds a term, as the GIN indexes serve it: a short term as one of the key's
    characters or pairs (salesflow_short_grams, migration 0019), a longer one as a LIKE (pg_trgm)."""
    short = [term for term in terms if len(term) < TRIGRAM]
    grams = func.salesflow_short_grams(table.c.search_key).op("&&")(literal(short, ARRAY(Text)))
    longer = [_like(table.c.search_key, term) for term in terms if len(term) >= TRIGRAM]
    return or_(grams, *longer)


def _walk_fills(mapping: Mapping, terms: tuple[str, ...], where: list, keys: list, limit: int):
    """PostgreSQL: the first rows along the list (max(WALK_ROWS, 5 × limit), under the other conditions)
    hold `limit` that contain a term: the walk fills the page, and the index need not be read."""
    walked = select(mapping.table.c.search_key).where(*where).order_by(*keys).limit(max(WALK_ROWS, 5 * limit))
    walked = walked.subquery("walked")
    hits = select(literal(1)).select_from(walked).where(_holds(walked.c.search_key, terms)).limit(limit)
    return select(func.count()).select_from(hits.subquery("hits")).scalar_subquery() >= limit


def _few(mapping: Mapping, terms: tuple[str, ...]):
    """SQLite: the text indexes find at most FEW_MATCHES records (they count FEW_MATCHES + 1 at most)."""
    found = select(literal(1)).select_from(_in_index(mapping.table, terms).subquery()).limit(FEW_MATCHES + 1)
    found = found.subquery()
    return select(func.count()).select_from(found).scalar_subquery() <= FEW_MATCHES


def _limits(mapping: Mapping, terms: tuple[str, ...], where: list, keys: list, limit: int) -> tuple:
    """The LIMITs of a search's two readings (few matches: through the index; many: along the list).

    SQLite cannot tell how many rows an FTS5 MATCH finds before it runs it, and plans a page either
    as a walk of the list's index testing each row (a full scan for a rare term) or as a sort of all
    the matches (for a common term, a sort of most of the table). So the page is written twice, and
    the count of at most FEW_MATCHES + 1 matches gives one of them LIMIT 0, which SQLite checks
    before it reads anything. PostgreSQL's planner estimates a LIKE's selectivity itself (pg_trgm
    keeps statistics) and picks the GIN index or the walk: there, for a term of three characters or
    more, only the second reading runs. For a shorter one its estimate is no guide (a pair missing
    from the array statistics' most common elements is priced at half the rarest one's frequency),
    and a GIN index cannot stop after the first matches to count them as FTS5 does: the first rows
    along the list are tried instead (_walk_fills), and the index read only if they do not fill the
    page. Either way PostgreSQL checks a LIMIT 0 before it reads anything, as SQLite does."""
    few = _few(mapping, terms)
    sqlite = case((few, limit), else_=0), case((few, 0), else_=limit)
    if _short(terms):
        fills = _walk_fills(mapping, terms, where, keys, limit)
        postgres = case((fills, 0), else_=limit), case((fills, limit), else_=0)
    else:
        postgres = literal_column("0"), literal_column(str(int(limit)))
    return _PerDialect(sqlite[0], postgres[0]), _PerDialect(sqlite[1], postgres[1])


def _indexed(mapping: Mapping, terms: tuple[str, ...]):
    """The reading through the index: SQLite, the rows the FTS5 tables find. PostgreSQL, with a term of
    one or two characters, the ids its GIN indexes find, as one array (computed only if this reading
    runs), whose rows are then fetched by id; else false, so the reading is planned as nothing (the
    other reading's LIKE is what pg_trgm's index serves, when the planner finds that cheaper than the
    walk)."""
    table = mapping.table
    if _short(terms):
        postgres = table.c.id == any_(_ArrayOf(select(table.c.id).where(_grams(table, terms))))
    else:
        postgres = false()
    return _PerDialect(table.c.id.in_(_in_index(table, terms)), postgres)


def _searched(mapping: Mapping, terms: tuple[str, ...], columns, where: list, keys: list, limit: int):
    """The rows of a search (with the other conditions), in `keys` order, at most `limit`: the union
    of its two readings, of which one has LIMIT 0 (see _limits)."""
    through_index, along_the_list = _limits(mapping, terms, where, keys, limit)
    few = select(*columns).where(*where, _indexed(mapping, terms)).order_by(*keys).limit(through_index)
    many = select(*columns).where(*where, _contains(mapping.table, terms)).order_by(*keys).limit(along_the_list)
    return union_all(select(few.subquery()), select(many.subquery())).subquery(f"{mapping.table.name}_found")


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
    """What a list is ordered by (tables.sort_key). A keyset needs a value in every row: a missing
    text (a draft invoice's number) sorts as the empty text; other columns that may be missing are refused."""
    table = mapping.table
    if name not in table.c or (table.c[name].nullable and _sort_type(mapping, name) is not str):
        raise DomainError(ErrorCode.VALIDATION, "this list cannot be ordered by {name}", "orderBy", name=name)
    return sort_key(table, name)


def _keyset(mapping: Mapping, spec: PageSpec, col) -> list:
    """The rows after the cursor, as one row-value comparison (key, id) > (value, last id), or < when
    descending: an index on (…, key, id) seeks straight to it (an OR of the two cases would make the
    databases walk the index from its start)."""
    if spec.after is None:
        return []
    text, last_id = spec.after
    ident = mapping.table.c.id
    if spec.order_by == "id":
        return [ident < last_id if spec.descending else ident > last_id]
    position = tuple_(col, ident)
    after = tuple_(literal(sort_value(mapping, spec.order_by, text), col.type), literal(last_id, ident.type))
    return [position < after if spec.descending else position > after]


def _order(col, ident, spec: PageSpec) -> list:
    keys = [col.desc(), ident.desc()] if spec.descending else [col, ident]
    return keys[:1] if spec.order_by == "id" else keys


def page_order(source, spec: PageSpec) -> list:
    """A page's ORDER BY over the columns of `source`: the table, or a page_query made a subquery."""
    return _order(sort_key(source, spec.order_by), source.c.id, spec)


def page_query(mapping: Mapping, spec: PageSpec):
    """One keyset page (spec.limit + 1 rows: the last says there is more) of mapping's whole objects.

    The statement runs alike on SQLite and PostgreSQL; the text index it uses for a search is chosen
    when it is compiled (see _PerDialect). A search its index can serve reads from a subquery that
    has the table's column names, so the rows are the same as from the table."""
    table = mapping.table
    if spec.after is not None and not 0 <= spec.after[1] <= MAX_ID:
        raise DomainError(ErrorCode.VALIDATION, "the cursor is not valid for this list", "after")
    col = _sort_column(mapping, spec.order_by)
    where = [*_filters(mapping, spec.filter), *_keyset(mapping, spec, col)]
    terms = _search(mapping, spec.filter)
    if terms is None:
        where = [*conditions(mapping, spec.filter), *_keyset(mapping, spec, col)]
        return select(*mapping.selected).where(*where).order_by(*_order(col, table.c.id, spec)).limit(spec.limit + 1)
    found = _searched(mapping, terms, mapping.selected, where, _order(col, table.c.id, spec), spec.limit + 1)
    outer = sort_key(found, spec.order_by)
    return select(*found.c).order_by(*_order(outer, found.c.id, spec)).limit(spec.limit + 1)


def count_query(mapping: Mapping, spec: PageSpec):
    """How many records pass spec's filter, counted up to COUNT_CAP + 1 (more than COUNT_CAP: the
    list is longer than a count says exactly; see domain.query.COUNT_CAP)."""
    terms = _search(mapping, spec.filter)
    if terms is None:
        counted = select(literal(1)).select_from(mapping.table).where(*conditions(mapping, spec.filter))
        return select(func.count()).select_from(counted.limit(COUNT_CAP + 1).subquery("counted"))
    where = _filters(mapping, spec.filter)
    if where:
        counted = _searched(mapping, terms, (mapping.table.c.id,), where, [], COUNT_CAP + 1)
        return select(func.count()).select_from(counted)
    # Nothing but the search: SQLite counts the FTS5 tables' matches alone, without reading a row.
    in_index = select(literal(1)).select_from(_in_index(mapping.table, terms).subquery())
    in_index = in_index.limit(COUNT_CAP + 1).subquery("counted")
    if _short(terms):  # PostgreSQL: the two readings, as for a page (_limits)
        counted = _searched(mapping, terms, (mapping.table.c.id,), [], [], COUNT_CAP + 1)
    else:
        counted = select(literal(1)).select_from(mapping.table).where(_contains(mapping.table, terms))
        counted = counted.limit(COUNT_CAP + 1).subquery("counted")
    count = _PerDialect(
        select(func.count()).select_from(in_index).scalar_subquery(),
        select(func.count()).select_from(counted).scalar_subquery(),
    )
    return select(count)


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
