"""Reads compiled to one statement that builds the answer's JSON in the database (domain/reads.py).

A tree of records becomes nested scalar subqueries: each object a `json_object` (SQLite) or
`json_build_object` (PostgreSQL), each list a `json_group_array` over an ordered subquery (SQLite
aggregates in the order of a subquery it does not flatten) or a `json_agg(… ORDER BY …)`. Values are
written as the schema writes them — money at its currency's precision, global ids, ISO dates — by
expressions of the database's own, so no row passes through Python.

The page, its filter, keyset and count are queries.py's, compiled by SQLAlchemy as the resolvers'
pages are; the rest of the statement is written here as text, from identifiers of the mapping and
keys that are GraphQL names, because building it as SQLAlchemy expressions cost more than running
it. Every value is a bound parameter, converted as its column's type converts it.

SQLite has no base64: global ids come from `sf_global_id`, a deterministic function registered on
each connection (engine.py), the one value computed outside SQL. Cursors, sealed by a digest only
Python has, are left as markers (`{"$cursor": ["<sort value>", id]}`) for the schema to seal.
"""

from __future__ import annotations

import re
from functools import cache, lru_cache

from babel.core import get_global
from babel.numbers import get_currency_precision
from sqlalchemy import func, select
from sqlalchemy.dialects import sqlite

from ...domain.base import Difference
from ...domain.query import COUNT_CAP
from ...domain.reads import (
    COMPUTED_KEY,
    CURSOR_KEY,
    ById,
    Children,
    Edge,
    Field,
    Lines,
    Owned,
    Page,
    Part,
    Ref,
    Shape,
    Show,
)
from .mapping import MAPPINGS, Mapping
from .queries import count_query, page_order, page_query
from .types import MONEY_SCALE, ScaledDecimal

#: Every record's mapping, documents' lines included.
RECORDS: dict[type, Mapping] = {**MAPPINGS, **{m.lines.cls: m.lines for m in MAPPINGS.values() if m.lines}}
_BY_TABLE = {m.table.name: m for m in RECORDS.values()}

#: The currencies whose precision is not 2, by precision (CLDR, as Babel has it).
PRECISIONS: dict[int, tuple[str, ...]] = {}
for _code in sorted(get_global("currency_fractions")):
    if _code != "DEFAULT" and (_p := get_currency_precision(_code)) != 2:
        PRECISIONS[_p] = (*PRECISIONS.get(_p, ()), _code)

_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*(\.[_A-Za-z][_0-9A-Za-z]*)?\Z")  # a name, or Type.field
#: SQLite's pages are compiled with named parameters (the engine's are positional), spliced into the
#: text here; PostgreSQL's with the engine's own dialect, initialised on a connection: a bare one takes
#: the server for one that escapes backslashes, and older SQLAlchemy then writes LIKE's ESCAPE '\\' as
#: two characters, which PostgreSQL refuses.
_NAMED_SQLITE = sqlite.dialect(paramstyle="named")


def _literal(text: str) -> str:
    """A constant of ours (a GraphQL name, a type name, a currency code) as an SQL string."""
    if not (_NAME.match(text) or text in (CURSOR_KEY, COMPUTED_KEY)):
        raise ValueError(f"not a name: {text!r}")
    return f"'{text}'"


@cache
def _precision(dialect: str, currency: str) -> str:
    """The currency's number of decimals, as an SQL expression over the currency column."""
    whens = " ".join(
        f"WHEN {currency} IN ({', '.join(_literal(c) for c in codes)}) THEN {p}" for p, codes in PRECISIONS.items()
    )
    return f"(CASE {whens} ELSE 2 END)"


class Statement:
    """One statement being written: its text's pieces and its parameters, for one dialect."""

    def __init__(self, dialect):
        """`dialect`: the engine's (a connection's) SQLAlchemy dialect."""
        self.dialect = dialect.name
        self.sqlite = self.dialect == "sqlite"
        self.compiling = _NAMED_SQLITE if self.sqlite else dialect
        self.params: dict[str, object] = {}
        self.aliases = 0

    # -- parameters and names -----------------------------------------------------------------
    def param(self, value) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f":{name}" if self.sqlite else f"%({name})s"

    def alias(self) -> str:
        self.aliases += 1
        return f"t{self.aliases}"

    def embed(self, query) -> str:
        """A SQLAlchemy query (queries.py) as text here, its parameters renamed and converted."""
        dialect = self.compiling
        compiled = query.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        prefix = f"q{self.aliases}_"
        self.aliases += 1
        for name, value in compiled.params.items():
            bind = compiled.binds.get(name)
            if bind is None:  # one of an expanded IN list's: name_1, name_2 … of the list's `name`
                bind = compiled.binds.get(name.rsplit("_", 1)[0])
            convert = bind.type.dialect_impl(dialect).bind_processor(dialect) if bind is not None else None
            self.params[prefix + name] = convert(value) if convert is not None else value
        if self.sqlite:
            return re.sub(r":(\w+)", lambda m: f":{prefix}{m.group(1)}", compiled.string)
        return re.sub(r"%\((\w+)\)s", lambda m: f"%({prefix}{m.group(1)})s", compiled.string)

    # -- JSON ---------------------------------------------------------------------------------
    def obj(self, pairs: list[tuple[str, str]]) -> str:
        args = ", ".join(f"{_literal(key)}, {value}" for key, value in pairs)
        return f"{'json_object' if self.sqlite else 'json_build_object'}({args})"

    def array(self, values: list[str]) -> str:
        return f"{'json_array' if self.sqlite else 'json_build_array'}({', '.join(values)})"

    def agg(self, rows: str, alias: str, value: str, order: str) -> str:
        """A JSON array of `value` over `rows` (a SELECT ordered by `order`, named `alias`); [] if none."""
        if self.sqlite:  # SQLite aggregates in the order of a subquery it does not flatten
            return f"(SELECT json_group_array({value}) FROM ({rows}) AS {alias})"
        return f"(SELECT coalesce(json_agg({value} ORDER BY {order}), '[]'::json) FROM ({rows}) AS {alias})"

    def flag(self, condition: str) -> str:
        if self.sqlite:
            return f"(CASE WHEN {condition} THEN json('true') ELSE json('false') END)"
        return f"({condition})"

    # -- values -------------------------------------------------------------------------------
    def global_id(self, type_name: str, ident: str) -> str:
        if self.sqlite:
            return f"sf_global_id({_literal(type_name)}, {ident})"
        return f"encode(convert_to({_literal(type_name)} || ':' || {ident}::text, 'UTF8'), 'base64')"

    def datetime(self, c: str) -> str:
        """ISO 8601 as Python's isoformat writes a UTC datetime (no fraction when it is zero)."""
        if self.sqlite:  # stored as 'YYYY-MM-DD HH:MM:SS.ffffff'
            return (
                f"(CASE WHEN {c} IS NULL THEN NULL ELSE substr({c}, 1, 10) || 'T' || substr({c}, 12, 8) || "
                f"(CASE WHEN substr({c}, 20, 7) IN ('', '.000000') THEN '' ELSE substr({c}, 20, 7) END) "
                f"|| '+00:00' END)"
            )
        utc = f"timezone('UTC', {c})"
        return (
            f"(to_char({utc}, 'YYYY-MM-DD\"T\"HH24:MI:SS') || (CASE WHEN mod(extract(microseconds FROM {utc})::bigint, "
            f"1000000) = 0 THEN '' ELSE to_char({utc}, '.US') END) || '+00:00')"
        )

    def date(self, c: str) -> str:
        return c if self.sqlite else f"to_char({c}, 'YYYY-MM-DD')"

    def boolean(self, c: str) -> str:
        if self.sqlite:
            return f"(CASE WHEN {c} IS NULL THEN NULL WHEN {c} THEN json('true') ELSE json('false') END)"
        return c

    def enum(self, c: str, names: tuple[tuple[str, str], ...]) -> str:
        if all(name == value.upper() and value.isascii() for value, name in names):
            return f"upper({c})"
        whens = " ".join(f"WHEN {_literal(value)} THEN {_literal(name)}" for value, name in names)
        return f"(CASE {c} {whens} END)"

    def translated(self, c: str, names: tuple[tuple[str, str], ...]) -> str:
        """A text, or its translation where `names` has one (the texts are parameters: any script)."""
        if not names:
            return c
        whens = " ".join(f"WHEN {self.param(stored)} THEN {self.param(shown)}" for stored, shown in names)
        return f"(CASE {c} {whens} ELSE {c} END)"

    def quantity(self, c: str, scale: int) -> str:
        """A stored number without trailing zeros (schema.core.scalars.quantity)."""
        if not self.sqlite:
            return f"trim_scale({c})::text"
        unit = 10**scale  # SQLite keeps the scaled integer
        return (
            f"(CASE WHEN {c} IS NULL THEN NULL WHEN {c} % {unit} = 0 THEN CAST({c} / {unit} AS TEXT) "
            f"ELSE printf('%s%d.', {_sign(c)}, abs({c}) / {unit}) || rtrim(printf('%0{scale}d', abs({c}) % {unit}), '0') END)"
        )

    def money(self, c: str, currency: str) -> str:
        """An amount at its currency's precision, half-up (schema.core.scalars.money); without a
        currency, as a quantity."""
        precision = _precision(self.dialect, currency)
        if not self.sqlite:
            return f"(CASE WHEN {currency} IS NULL THEN trim_scale({c})::text ELSE round({c}, {precision})::text END)"
        shown = []
        for places in range(MONEY_SCALE + 1):
            step = 10 ** (MONEY_SCALE - places)
            units = f"((abs({c}) + {step // 2}) / {step})" if step > 1 else f"abs({c})"
            if places == 0:
                shown.append(f"WHEN 0 THEN {_sign(c)} || {units}")
            else:
                unit = 10**places
                shown.append(
                    f"WHEN {places} THEN printf('%s%d.%0{places}d', {_sign(c)}, {units} / {unit}, {units} % {unit})"
                )
        return (
            f"(CASE WHEN {c} IS NULL THEN NULL WHEN {currency} IS NULL THEN {self.quantity(c, MONEY_SCALE)} "
            f"ELSE (CASE {precision} {' '.join(shown)} END) END)"
        )

    def reported(self, c: str, currency: str) -> str:
        """Money someone else reported: at its currency's precision unless it has more digits (then as
        a quantity; schema.core.scalars.reported)."""
        precision = _precision(self.dialect, currency)
        if not self.sqlite:
            return (
                f"(CASE WHEN {currency} IS NULL OR round({c}, {precision}) <> {c} THEN trim_scale({c})::text "
                f"ELSE round({c}, {precision})::text END)"
            )
        steps = " ".join(f"WHEN {p} THEN {10 ** (MONEY_SCALE - p)}" for p in range(MONEY_SCALE + 1))
        return (
            f"(CASE WHEN {currency} IS NULL OR {c} % (CASE {precision} {steps} END) <> 0 "
            f"THEN {self.quantity(c, MONEY_SCALE)} ELSE {self.money(c, currency)} END)"
        )

    def plain(self, mapping: Mapping, alias: str, name: str) -> str:
        """A sort value as a cursor holds it (schema.core.pages.plain)."""
        column = mapping.table.c[name]
        c = f"{alias}.{name}"
        if isinstance(column.type, ScaledDecimal):
            return self.quantity(c, column.type.scale)
        if column.type.python_type.__name__ == "datetime":
            return self.datetime(c)
        if column.type.python_type is str:
            return f"coalesce({c}, '')"
        return f"CAST({c} AS TEXT)"


def _sign(c: str) -> str:
    """'-' for a negative number (a Decimal keeps it, even rounded to zero), else ''."""
    return f"(CASE WHEN {c} < 0 THEN '-' ELSE '' END)"


class Compiler:
    """One read tree → one SELECT of its JSON text."""

    def __init__(self, dialect):
        self.s = Statement(dialect)

    # -- objects ------------------------------------------------------------------------------
    def obj(self, shape: Shape, alias: str, currency: str | None = None) -> str:
        """The JSON object of `shape` for the row `alias`; `currency`: the column amounts are in."""
        mapping = RECORDS[shape.record]
        if "currency" in mapping.table.c:
            currency = f"{alias}.currency"
        return self.s.obj([(f.key, self.value(f, mapping, alias, currency)) for f in shape.fields])

    def value(self, field, mapping: Mapping, alias: str, currency: str | None) -> str:
        if isinstance(field, Ref):
            return self.ref(field, alias)
        if isinstance(field, Children):
            return self.children(field, alias)
        if isinstance(field, Lines):
            return self.lines(field, mapping, alias, currency)
        return self.leaf(field, mapping, alias, currency)

    def leaf(self, field: Field, mapping: Mapping, alias: str, currency: str | None) -> str:
        s, show = self.s, field.show
        if show is Show.CONSTANT:
            return _literal(field.value)
        if show is Show.NULL:
            return "NULL"
        if show is Show.GLOBAL_ID:
            return s.global_id(field.type_name, f"{alias}.id")
        if show is Show.COMPUTED:
            return s.obj([(COMPUTED_KEY, s.array([_literal(f"{field.type_name}.{field.column}"), f"{alias}.id"]))])
        derived = getattr(mapping.cls, field.column, None)
        if isinstance(derived, Difference):  # one column minus another, as the domain computes it
            minuend, subtrahend = derived.of
            c, column = f"({alias}.{minuend} - {alias}.{subtrahend})", mapping.table.c[minuend]
        elif field.column in mapping.table.c:
            c, column = f"{alias}.{field.column}", mapping.table.c[field.column]
        else:
            raise ValueError(f"{mapping.table.name} has no column {field.column}")
        if show in (Show.TEXT, Show.NUMBER):
            return c
        if show is Show.BOOLEAN:
            return s.boolean(c)
        if show is Show.ENUM:
            return s.enum(c, field.names)
        if show is Show.TRANSLATED:
            return s.translated(c, field.names)
        if show is Show.DATE:
            return s.date(c)
        if show is Show.DATETIME:
            return s.datetime(c)
        if show is Show.QUANTITY:
            return s.quantity(c, column.type.scale)
        if currency is None:
            raise ValueError(f"{field.key}: an amount without a currency")
        return s.money(c, currency) if show is Show.MONEY else s.reported(c, currency)

    def visible(self, shape: Shape, alias: str) -> list[str]:
        """The owner rule as conditions on the rows of `alias`."""
        owned: Owned | None = shape.owned
        if owned is None:
            return []
        owner = self.s.param(owned.owner_id)
        if owned.via is None:
            return [f"{alias}.owner_id = {owner}"]
        repo, column = owned.via
        parent, table = self.s.alias(), _table(repo)
        return [
            f"EXISTS (SELECT 1 FROM {table} AS {parent} WHERE {parent}.id = {alias}.{column} AND {parent}.owner_id = {owner})"
        ]

    def ref(self, field: Ref, alias: str) -> str:
        mapping = RECORDS[field.shape.record]
        target = self.s.alias()
        where = " AND ".join([f"{target}.id = {alias}.{field.column}", *self.visible(field.shape, target)])
        return f"(SELECT {self.obj(field.shape, target)} FROM {mapping.table.name} AS {target} WHERE {where})"

    def children(self, field: Children, alias: str) -> str:
        mapping = RECORDS[field.shape.record]
        child, rows = self.s.alias(), self.s.alias()
        where = [f"{child}.{field.column} = {alias}.id"]
        where += [f"{child}.{name} = {self.s.param(value)}" for name, value in field.equals]
        where += self.visible(field.shape, child)
        inner = (
            f"SELECT * FROM {mapping.table.name} AS {child} WHERE {' AND '.join(where)} "
            f"ORDER BY {child}.id LIMIT {self.s.param(field.first)}"
        )
        return self.s.agg(inner, rows, self.obj(field.shape, rows), f"{rows}.id")

    def lines(self, field: Lines, mapping: Mapping, alias: str, currency: str | None) -> str:
        lines = mapping.lines
        line, rows = self.s.alias(), self.s.alias()
        order = [lines.order_by, "id"] if lines.order_by != "id" else ["id"]
        inner = (
            f"SELECT * FROM {lines.table.name} AS {line} WHERE {line}.{lines.parent_key} = {alias}.id "
            f"ORDER BY {', '.join(f'{line}.{c}' for c in order)}"
        )
        value = self.obj(field.shape, rows, currency)
        return self.s.agg(inner, rows, value, ", ".join(f"{rows}.{c}" for c in order))

    # -- roots --------------------------------------------------------------------------------
    def by_id(self, read: ById) -> str:
        found = []
        for wanted in read.wanted:
            if wanted is None:
                found.append("NULL")
                continue
            cls, ident, shape = wanted
            target = self.s.alias()
            where = " AND ".join([f"{target}.id = {self.s.param(ident)}", *self.visible(shape, target)])
            found.append(f"(SELECT {self.obj(shape, target)} FROM {RECORDS[cls].table.name} AS {target} WHERE {where})")
        return found[0] if read.single else self.s.array(found)

    def page(self, read: Page) -> str:
        s = self.s
        mapping = RECORDS[read.record]
        spec = read.spec
        # the page's rows numbered in its order (a search's page reads from a subquery of its own)
        found = page_query(mapping, spec).subquery("found")
        ranked = select(found, func.row_number().over(order_by=page_order(found, spec)).label("_n"))
        page, rows = s.alias(), s.alias()
        paged = any(part.what in ("edges", "pageInfo") for part in read.parts)
        with_page = f"WITH {page} AS ({s.embed(ranked)}) " if paged else ""
        counted = (
            f"({s.embed(count_query(mapping, spec))})"
            if any(p.what in (Edge.TOTAL_COUNT, Edge.TOTAL_COUNT_CAPPED) for p in read.parts)
            else None
        )  # a count alone reads no page
        limit = s.param(spec.limit)
        selected = f"SELECT * FROM {page} WHERE _n <= {limit} ORDER BY _n"

        def cursor(alias: str) -> str:
            return s.obj([(CURSOR_KEY, s.array([s.plain(mapping, alias, spec.order_by), f"{alias}.id"]))])

        def bound(first: bool) -> str:
            at = s.alias()
            # the page's rows are those within the limit (the one after it only says there is a next page)
            position = f"(SELECT {'min' if first else 'max'}(_n) FROM {page} WHERE _n <= {s.param(spec.limit)})"
            return f"(SELECT {cursor(at)} FROM {page} AS {at} WHERE {at}._n = {position})"

        def edge_value(part: Part, alias: str) -> str:
            if part.what is Edge.CURSOR:
                return cursor(alias)
            if part.what is Edge.TYPENAME:
                return _literal(part.value)
            return self.obj(part.shape, alias)

        def info_value(part: Part) -> str:
            what = part.what
            if what is Edge.HAS_NEXT_PAGE:
                return s.flag(f"(SELECT count(*) FROM {page}) > {s.param(spec.limit)}")
            if what is Edge.HAS_PREVIOUS_PAGE:
                return s.flag("1 = 1" if spec.after is not None else "1 = 0")
            if what in (Edge.START_CURSOR, Edge.END_CURSOR):
                return bound(what is Edge.START_CURSOR)
            if what is Edge.TYPENAME:
                return _literal(part.value)
            raise ValueError(f"not a page info field: {what}")

        pairs = []
        for part in read.parts:
            if part.what == "edges":
                value = s.obj([(p.key, edge_value(p, rows)) for p in part.parts])
                pairs.append((part.key, s.agg(selected, rows, value, f"{rows}._n")))
            elif part.what == "pageInfo":
                pairs.append((part.key, s.obj([(p.key, info_value(p)) for p in part.parts])))
            elif part.what is Edge.TOTAL_COUNT:  # counted up to COUNT_CAP + 1: exact up to the cap
                pairs.append((part.key, f"{'min' if s.sqlite else 'least'}({counted}, {COUNT_CAP})"))
            elif part.what is Edge.TOTAL_COUNT_CAPPED:
                pairs.append((part.key, s.flag(f"{counted} > {COUNT_CAP}")))
            elif part.what is Edge.TYPENAME:
                pairs.append((part.key, _literal(part.value)))
            else:
                raise ValueError(f"not a connection field: {part.what}")
        return f"{with_page}SELECT {s.obj(pairs)}"

    def statement(self, read) -> tuple[str, dict]:
        """SELECT <the answer's JSON text>, and its parameters."""
        if isinstance(read, Page):
            sql = self.page(read)
        else:
            sql = f"SELECT {self.by_id(read)}"
        if not self.s.sqlite:
            sql = f"SELECT answer::text FROM ({sql}) AS answer(answer)"
        return sql, self.s.params


def _table(repo: str) -> str:
    from .uow import REPOSITORIES  # the repositories name the records; uow imports this module

    return MAPPINGS[REPOSITORIES[repo]].table.name


@lru_cache(maxsize=1024)
def statement(read, dialect) -> tuple[str, dict]:
    """The SELECT whose one row and column is the JSON answer to `read`, and its parameters (read only:
    the same read asked again is written once)."""
    return Compiler(dialect).statement(read)


def answer(connection, read) -> str | None:
    """The JSON text answering `read`, in one statement on `connection`."""
    sql, params = statement(read, connection.dialect)
    return connection.exec_driver_sql(sql, params).scalar_one()


@lru_cache(maxsize=1024)
def beside(query, reads: tuple, dialect) -> tuple[str, dict, tuple]:
    """One statement giving `query`'s rows (a SELECT of a few rows), each with the JSON answer to every
    read tree of `reads` as one more column, in their order: (its text, its parameters but `query`'s own,
    which keep their names, and a converter per column of `query`, or None, as SQLAlchemy's result
    processing would apply it)."""
    compiler = Compiler(dialect)
    answers = [compiler.statement(read)[0] for read in reads]  # one compiler: parameter names never repeat
    compiling = compiler.s.compiling
    rows = query.compile(dialect=compiling).string  # its parameters are not named like the compiler's (p0, q0_…)
    converters = tuple(
        column.type.dialect_impl(compiling).result_processor(compiling, None) for column in query.selected_columns
    )
    columns = ", ".join(f"({sql})" for sql in answers)
    return f"SELECT q.*, {columns} FROM ({rows}) AS q", compiler.s.params, converters
