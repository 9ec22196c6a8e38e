#!/usr/bin/env python
"""GraphQL gateway benchmark: the cost of the GraphQL layer over a hand-written "floor" doing the same SQL.

    python benchmarks/graphql.py [--db PATH] [--requests N] [--duration S] [--skip-http]
                                 [--connections C] [--repeats R] [--client {auto,wrk,python}]
                                 [--profile-out FILE] [--profile-requests N]

1. Seed (once, cached): a SQLite file (default: <tmp>/salesflow-bench-graphql.db, or --db PATH) with
   2,000 accounts, 10,000 opportunities (each with an account, a stage, EUR) and 3 quotes × 3 lines per
   opportunity, written with bulk INSERTs through SQLAlchemy Core after `install(url)`. An existing file
   with those counts is reused (and migrated if the schema moved on), so only the first run pays for it.
2. Two requests, each served two ways from the same database:
   - nested page: `opportunities(first: 100) { edges { node { … account { … } quotes { … lines { … } } } } }`
     (100 opportunities + 100 accounts + 300 quotes + 900 lines = 1,400 objects);
   - by id: `node(id: "<an opportunity>") { ... on Opportunity { id title amount account { name } } }`.
   (a) through `/graphql` of `create_app(Settings(database_url=…, max_cost=0))` (the nested page is priced
       far over the default cost budget, each quote being allowed 1,000 lines: the limit is off here,
       since what is measured is the execution);
   (b) through the floor: a small Starlette app defined here that checks the same bearer token (the
       gateway's Authenticator, one lookup per request), runs the SAME SQL statements with SQLAlchemy Core
       on the same kind of engine (`salesflow.adapters.sql.create_engine`) in one worker thread, and returns the same
       JSON (field names, money as strings at the currency's precision, base64 "Type:id" global ids)
       serialised with orjson. Before anything is timed, the script captures the statements each side
       sends (`before_cursor_execute`) and asserts they are identical, and asserts that the two response
       bodies are equal, in-process and over HTTP.
3. In-process: httpx.AsyncClient over ASGITransport, sequential requests (N after 20 warm-up). Over HTTP:
   `salesflow serve` and `python benchmarks/graphql.py --serve-floor` as uvicorn subprocesses (1 worker
   each) on loopback ports, loaded by `wrk` (if installed; else an asyncio httpx client) with C concurrent
   connections for S seconds. R repeats of every measurement, interleaved GraphQL/floor; medians reported.
4. A cProfile of the in-process GraphQL nested query (top 40 by cumulative and by own time, and own time
   grouped by library) is written to --profile-out (default /tmp/graphql_profile.txt).

   (c) through the limit (`/limit/page`, `/limit/node` of the floor's app): the same token check, then ONE
       SQL statement that builds the whole `data` JSON (json_object/json_group_array on SQLite,
       json_build_object/json_agg on PostgreSQL), checked equal to GraphQL's (same keys, same order);
   (d) with --database-url on PostgreSQL, over HTTP: PostGraphile v4 (benchmarks/postgraphile/) with JWT auth,
       its answers checked to hold the same records.
5. Figures: each side's req/s, p50, p99; new PostgreSQL connections per run; the load average; and the
   ratios against issue 11's targets (GraphQL p50 ≤ 2× the limit's in-process, ≥ 50 % of its req/s over HTTP,
   p99 ≤ 3× p50, at least PostGraphile's req/s) and issue 3's (floor ÷ GraphQL ≤ 4× in-process, 5× over HTTP).
See benchmarks/README.md.
"""

from __future__ import annotations

import os
import sys

# This file is called graphql.py: as a script, its folder comes first on sys.path and would shadow the
# graphql-core package that strawberry imports. Take the folder off the path before importing anything.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import argparse
import asyncio
import base64
import cProfile
import hashlib
import hmac
import math
import pstats
import random
import shutil
import signal
import socket
import statistics
import subprocess
import tempfile
import time
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import cache, lru_cache

import anyio
import httpx
import orjson
import psycopg
from babel.numbers import get_currency_precision, list_currencies
from graphql import parse
from sqlalchemy import bindparam, event, select
from sqlalchemy import func as sql_func
from sqlalchemy.engine import make_url
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

import salesflow
from salesflow.adapters.sql import SqlUnitOfWork, create_engine, install
from salesflow.adapters.sql import tables as t
from salesflow.adapters.sql.engine import describe, normalise_url, read_options
from salesflow.adapters.sql.tokens import TokenLookup
from salesflow.domain.money import document_totals, line_amounts
from salesflow.domain.normalize import company_key
from salesflow.domain.query import DEFAULT_PAGE
from salesflow.gateway.app import create_app, pools
from salesflow.gateway.auth import Authenticator, bearer
from salesflow.gateway.settings import Settings
from salesflow.schema.core.cost import operation_cost
from salesflow.schema.schema import build_schema
from salesflow.statemachine.users import create_token

ACCOUNTS = 2_000
OPPORTUNITIES = 10_000
QUOTES_PER_OPPORTUNITY = 3
LINES_PER_QUOTE = 3
PAGE = 100
NODE_ID = OPPORTUNITIES // 2  # the opportunity the by-id query asks for
CURRENCY = "EUR"
SEED = 20261122

DEFAULT_DB = os.path.join(tempfile.gettempdir(), "salesflow-bench-graphql.db")
DEFAULT_REQUESTS = 200
WARMUP_REQUESTS = 20
DEFAULT_DURATION = 10.0
HTTP_WARMUP_S = 2.0
DEFAULT_CONNECTIONS = 8
DEFAULT_REPEATS = 3
DEFAULT_PROFILE_OUT = "/tmp/graphql_profile.txt"
DEFAULT_PROFILE_REQUESTS = 30
SERVER_START_TIMEOUT_S = 60.0

TARGETS = {"in-process": 4.0, "http": 5.0}  # floor req/s ÷ GraphQL req/s, nested query

PAGE_QUERY = (
    "{ opportunities(first: %d) { edges { node { id title amount account { id name } "
    "quotes { id number total lines { id description quantity unitPrice total } } } } } }" % PAGE
)


def node_query(opportunity_id: int) -> str:
    return '{ node(id: "%s") { ... on Opportunity { id title amount account { name } } } }' % global_id(
        "Opportunity", opportunity_id
    )


def global_id(type_name: str, ident: int) -> str:
    return base64.b64encode(f"{type_name}:{ident}".encode()).decode()


# --- seeding -----------------------------------------------------------------------------------------

EXPECTED_ROWS = {
    "accounts": ACCOUNTS,
    "opportunities": OPPORTUNITIES,
    "quotes": OPPORTUNITIES * QUOTES_PER_OPPORTUNITY,
    "quote_lines": OPPORTUNITIES * QUOTES_PER_OPPORTUNITY * LINES_PER_QUOTE,
}

PRODUCTS = [  # description, unit price
    ("Standing desk", "489.90"),
    ("Ergonomic chair", "329.00"),
    ("Installation (hours)", "85.00"),
    ("Monitor arm", "119.95"),
    ("Acoustic panel", "74.50"),
    ("Meeting table", "1249.00"),
    ("Cable tray", "19.99"),
    ("Delivery and assembly", "350.00"),
]
QUANTITIES = ["1", "2", "4", "6.5", "10", "12", "25"]
DISCOUNTS = ["0", "0", "5", "7.5", "10"]
TAX_RATES = ["19", "19", "7"]


def sqlite_url(path: str) -> str:
    return f"sqlite:///{os.path.abspath(path)}"


def row_counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            name: conn.execute(select(sql_func.count()).select_from(t.metadata.tables[name])).scalar_one()
            for name in EXPECTED_ROWS
        }


@cache
def _amounts(quantity: str, unit_price: str, discount: str, tax_rate: str):
    return line_amounts(Decimal(quantity), Decimal(unit_price), Decimal(discount), Decimal(tax_rate), CURRENCY)


@dataclass
class _Line:  # what document_totals reads
    subtotal: Decimal
    discount_amount: Decimal
    tax_amount: Decimal


def seed_rows(engine) -> None:
    """Insert the benchmark's rows (one transaction) into an installed, empty database."""
    rng = random.Random(SEED)
    base = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    year = base.year
    with engine.begin() as conn:
        stages = conn.execute(
            select(t.stages.c.id, t.stages.c.probability).where(t.stages.c.active).order_by(t.stages.c.sequence)
        ).all()
        if not stages:
            raise RuntimeError("install() loaded no stages")
        accounts = []
        for i in range(1, ACCOUNTS + 1):
            name = f"Bench Account {i:04d} GmbH"
            stamp = base + timedelta(seconds=i)
            accounts.append(
                dict(
                    id=i,
                    name=name,
                    name_key=company_key(name),
                    email=f"sales@account{i:04d}.example",
                    phone=f"+49 30 {i:08d}",
                    website=f"https://account{i:04d}.example",
                    owner_id=None,
                    version=1,
                    created_at=stamp,
                    updated_at=stamp,
                )
            )
        conn.execute(t.accounts.insert(), accounts)

        opportunities, quotes, lines = [], [], []
        quote_id = line_id = number = 0
        for i in range(1, OPPORTUNITIES + 1):
            stage_id, probability = rng.choice(stages)
            created = base + timedelta(days=1, minutes=i)  # distinct: pages have a stable order
            # Three quotes: revision 0 of number A (superseded by) revision 1 of A (sent, latest),
            # and revision 0 of number B (a draft, latest).
            number += 1
            number_a = f"Q/{year}/{number:05d}"
            number += 1
            number_b = f"Q/{year}/{number:05d}"
            previous = None
            latest_total = Decimal(0)
            for n, (qnumber, revision, status, is_latest) in enumerate(
                ((number_a, 0, "superseded", False), (number_a, 1, "sent", True), (number_b, 0, "draft", True))
            ):
                quote_id += 1
                priced = []
                for seq in range(1, LINES_PER_QUOTE + 1):
                    line_id += 1
                    description, price = rng.choice(PRODUCTS)
                    qty, disc, tax = rng.choice(QUANTITIES), rng.choice(DISCOUNTS), rng.choice(TAX_RATES)
                    a = _amounts(qty, price, disc, tax)
                    priced.append(_Line(a.gross, a.discount, a.tax))
                    lines.append(
                        dict(
                            id=line_id,
                            quote_id=quote_id,
                            sequence=seq,
                            description=description,
                            product_code=None,
                            quantity=Decimal(qty),
                            unit_price=Decimal(price),
                            discount_percent=Decimal(disc),
                            tax_rate=Decimal(tax),
                            subtotal=a.gross,
                            discount_amount=a.discount,
                            net_amount=a.net,
                            tax_amount=a.tax,
                            total=a.total,
                        )
                    )
                totals = document_totals(priced, CURRENCY)
                if is_latest and status == "sent":
                    latest_total = totals.total
                stamp = created + timedelta(hours=n)
                quotes.append(
                    dict(
                        id=quote_id,
                        number=qnumber,
                        revision=revision,
                        kind="proforma",
                        opportunity_id=i,
                        valid_until=date(2026, 12, 31),
                        start_date=None,
                        end_date=None,
                        terms=None,
                        previous_revision_id=previous,
                        is_latest=is_latest,
                        currency=CURRENCY,
                        subtotal=totals.subtotal,
                        discount_total=totals.discount_total,
                        tax_total=totals.tax_total,
                        total=totals.total,
                        status=status,
                        owner_id=None,
                        version=1,
                        created_at=stamp,
                        updated_at=stamp,
                    )
                )
                previous = quote_id if revision == 0 and not is_latest else None
            opportunities.append(
                dict(
                    id=i,
                    title=f"Office fit-out #{i:05d}",
                    stage_id=stage_id,
                    probability=probability,
                    amount=latest_total,
                    currency=CURRENCY,
                    account_id=rng.randint(1, ACCOUNTS),
                    contact_id=None,
                    lead_id=None,
                    lost_reason=None,
                    expected_close=date(2026, 12, 1),
                    live_orders=0,
                    status="open",
                    owner_id=None,
                    version=1,
                    created_at=created,
                    updated_at=created,
                )
            )
        conn.execute(t.opportunities.insert(), opportunities)
        conn.execute(t.quotes.insert(), quotes)
        conn.execute(t.quote_lines.insert(), lines)
        # The quote series goes on after the seeded numbers, so quotes made later do not collide.
        conn.execute(
            t.number_sequences.delete().where(
                (t.number_sequences.c.series_code == "quote") & (t.number_sequences.c.year == year)
            )
        )
        conn.execute(t.number_sequences.insert().values(series_code="quote", year=year, next_number=number + 1))


def seed(path: str) -> float:
    """Write the benchmark database to path (via path.partial, renamed when complete); returns seconds."""
    started = time.perf_counter()
    partial_path = path + ".partial"
    for leftover in (partial_path, partial_path + "-wal", partial_path + "-shm"):
        if os.path.exists(leftover):
            os.remove(leftover)
    engine = install(sqlite_url(partial_path))
    try:
        seed_rows(engine)
        counts = row_counts(engine)
        raw = engine.raw_connection()  # outside any transaction: the WAL goes into the file
        try:
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
    finally:
        engine.dispose()
    if counts != EXPECTED_ROWS:
        raise RuntimeError(f"seeded {counts}, expected {EXPECTED_ROWS}")
    for leftover in (partial_path + "-wal", partial_path + "-shm"):
        if os.path.exists(leftover):
            os.remove(leftover)
    os.replace(partial_path, path)
    return time.perf_counter() - started


def prepare_postgres(url: str) -> tuple[str, str]:
    """The benchmark data in the PostgreSQL database at url (which must exist): seeded if it has none of
    the benchmark's rows, reused (and migrated) if it has exactly them, refused otherwise."""
    engine = install(url)
    try:
        counts = row_counts(engine)
        if counts == EXPECTED_ROWS:
            return url, "reused"
        if any(counts.values()):
            raise SystemExit(f"{describe(url)} holds other data ({counts}); give an empty database")
        print(f"seeding {describe(url)} (first run only) …", flush=True)
        started = time.perf_counter()
        seed_rows(engine)
        with engine.begin() as conn:  # rows came with their ids: the sequences go on after them
            for name in EXPECTED_ROWS:
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"
                )
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
        if row_counts(engine) != EXPECTED_ROWS:
            raise RuntimeError(f"seeded {row_counts(engine)}, expected {EXPECTED_ROWS}")
        return url, f"seeded in {time.perf_counter() - started:.1f} s"
    finally:
        engine.dispose()


def prepare_database(path: str) -> tuple[str, str]:
    """The benchmark database at path (seeded if absent; migrated if present) and its state."""
    if os.path.exists(path):
        engine = install(sqlite_url(path))
        try:
            counts = row_counts(engine)
        finally:
            engine.dispose()
        if counts != EXPECTED_ROWS:
            raise SystemExit(f"{path} is not a benchmark database ({counts}); delete it or pass another --db")
        return path, "reused"
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    print(f"seeding {path} (first run only) …", flush=True)
    seconds = seed(path)
    return path, f"seeded in {seconds:.1f} s"


def bench_token(url: str) -> str:
    engine = create_engine(url)
    try:
        return create_token(SqlUnitOfWork(engine), "bench", "admin", "graphql benchmark")[1]
    finally:
        engine.dispose()


# --- the floor ---------------------------------------------------------------------------------------
# The same statements the gateway's loader and unit of work send for the two queries (asserted before
# timing), built once with SQLAlchemy Core, and the same JSON built straight from the rows.

_o, _a, _q, _ql = t.opportunities, t.accounts, t.quotes, t.quote_lines


def _fields(table) -> list[str]:
    """The columns a record is read with: all but the folded text a search looks in (`search_key`)."""
    return [c for c in table.c.keys() if c != "search_key"]


def _record(table):
    return select(*(table.c[c] for c in _fields(table)))


FLOOR_PAGE = _record(_o).order_by(_o.c.created_at.desc(), _o.c.id.desc())
FLOOR_OPPORTUNITIES_BY_ID = _record(_o).where(_o.c.id.in_(bindparam("id", expanding=True))).order_by(_o.c.id)
FLOOR_ACCOUNTS_BY_ID = _record(_a).where(_a.c.id.in_(bindparam("id", expanding=True))).order_by(_a.c.id)
# An opportunity's quotes are a bounded list: the first DEFAULT_PAGE of each (the default `first`), ranked by
# id per opportunity; only the ids are ranked, then the rows they pick are read (as the store's find_in does).
_QUOTES_RANKED = (
    select(_q.c.id, sql_func.row_number().over(partition_by=_q.c.opportunity_id, order_by=_q.c.id).label("_rank"))
    .where(_q.c.opportunity_id.in_(bindparam("opportunity_id", expanding=True)))
    .subquery()
)
FLOOR_QUOTES_BY_OPPORTUNITY = (
    _record(_q)
    .where(_q.c.id.in_(select(_QUOTES_RANKED.c.id).where(_QUOTES_RANKED.c._rank <= bindparam("_limit"))))
    .order_by(_q.c.id)
)
FLOOR_LINES_BY_QUOTE = (
    select(_ql)
    .where(_ql.c.quote_id.in_(bindparam("parents", expanding=True)))
    .order_by(_ql.c.quote_id, _ql.c.sequence, _ql.c.id)
)

_EXPONENTS: dict[str, Decimal] = {}
_ONE = Decimal(1)


def money_text(value: Decimal, currency: str) -> str:
    exp = _EXPONENTS.get(currency)
    if exp is None:
        exp = _EXPONENTS[currency] = _ONE.scaleb(-get_currency_precision(currency))
    return format(value.quantize(exp), "f")


def quantity_text(value: Decimal) -> str:
    return format(value.quantize(_ONE) if value == value.to_integral_value() else value.normalize(), "f")


@lru_cache(maxsize=65536)
def gid(type_name: str, ident: int) -> str:
    return global_id(type_name, ident)


def _at(table, *names: str) -> tuple[int, ...]:
    """Where columns sit in a row of `_record(table)`: rows are read by position (Row attribute access costs
    about ten times as much, which would make the floor slower than it needs to be)."""
    keys = _fields(table)
    return tuple(keys.index(n) for n in names)


O_ID, O_TITLE, O_AMOUNT, O_CURRENCY, O_ACCOUNT = _at(_o, "id", "title", "amount", "currency", "account_id")
A_ID, A_NAME = _at(_a, "id", "name")
Q_ID, Q_NUMBER, Q_TOTAL, Q_CURRENCY, Q_OPPORTUNITY = _at(_q, "id", "number", "total", "currency", "opportunity_id")
L_ID, L_QUOTE, L_DESCRIPTION, L_QUANTITY, L_PRICE, L_TOTAL = _at(
    _ql, "id", "quote_id", "description", "quantity", "unit_price", "total"
)


def _amount(value: Decimal, currency: str | None) -> str:
    return money_text(value, currency) if currency else quantity_text(value)


def fetch_page(conn, first: int):
    """The page's rows: the statements the gateway sends, in its order, each fetched whole."""
    opportunities = conn.execute(FLOOR_PAGE.limit(first + 1)).all()[:first]
    account_ids = list({o[O_ACCOUNT] for o in opportunities} - {None})
    accounts = conn.execute(FLOOR_ACCOUNTS_BY_ID, {"id": account_ids}).all()
    quotes = conn.execute(
        FLOOR_QUOTES_BY_OPPORTUNITY, {"opportunity_id": [o[O_ID] for o in opportunities], "_limit": DEFAULT_PAGE}
    ).all()
    lines = conn.execute(FLOOR_LINES_BY_QUOTE, {"parents": [q[Q_ID] for q in quotes]}).all()
    return opportunities, accounts, quotes, lines


def floor_page(conn, first: int) -> dict:
    opportunities, account_rows, quotes, line_rows = fetch_page(conn, first)
    accounts = {a[A_ID]: a for a in account_rows}
    lines = defaultdict(list)
    for ln in line_rows:
        lines[ln[L_QUOTE]].append(ln)
    quotes_of = defaultdict(list)
    for q in quotes:
        cur = q[Q_CURRENCY]
        quotes_of[q[Q_OPPORTUNITY]].append(
            {
                "id": gid("Quote", q[Q_ID]),
                "number": q[Q_NUMBER],
                "total": money_text(q[Q_TOTAL], cur),
                "lines": [
                    {
                        "id": gid("QuoteLine", ln[L_ID]),
                        "description": ln[L_DESCRIPTION],
                        "quantity": quantity_text(ln[L_QUANTITY]),
                        "unitPrice": quantity_text(ln[L_PRICE]),
                        "total": money_text(ln[L_TOTAL], cur),
                    }
                    for ln in lines[q[Q_ID]]
                ],
            }
        )
    edges = []
    for o in opportunities:
        account = accounts.get(o[O_ACCOUNT])
        edges.append(
            {
                "node": {
                    "id": gid("Opportunity", o[O_ID]),
                    "title": o[O_TITLE],
                    "amount": _amount(o[O_AMOUNT], o[O_CURRENCY]),
                    "account": {"id": gid("Account", account[A_ID]), "name": account[A_NAME]} if account else None,
                    "quotes": quotes_of[o[O_ID]],
                }
            }
        )
    return {"opportunities": {"edges": edges}}


def floor_node(conn, ident: int) -> dict:
    found = conn.execute(FLOOR_OPPORTUNITIES_BY_ID, {"id": [ident]}).first()
    if found is None:
        return {"node": None}
    account = (
        conn.execute(FLOOR_ACCOUNTS_BY_ID, {"id": [found[O_ACCOUNT]]}).first() if found[O_ACCOUNT] is not None else None
    )
    return {
        "node": {
            "id": gid("Opportunity", found[O_ID]),
            "title": found[O_TITLE],
            "amount": _amount(found[O_AMOUNT], found[O_CURRENCY]),
            "account": {"name": account[A_NAME]} if account else None,
        }
    }


# --- the limit ---------------------------------------------------------------------------------------
# One SQL statement per request that builds the whole of `data` as JSON text; Python only checks the token
# and wraps the text in {"data": …, "extensions": …}. Money and quantities are formatted, and global ids
# encoded, by the statement. SQLite has no base64 function: `b64id(type, id)` is a Python function
# registered on the limit's connections (deterministic), called by the statement once per id. That is
# fair: it is the same work (one base64 encoding per id, in C, plus one Python call) that GraphQL does,
# and it is charged to the statement's time.

#: Currencies by minor-unit digits other than 2 (babel's CLDR data, as money_text uses).
_DIGITS = defaultdict(list)
for _code in sorted(list_currencies()):
    if get_currency_precision(_code) != 2:
        _DIGITS[get_currency_precision(_code)].append(_code)


def _digits_sql(currency: str) -> str:
    """SQL: the currency's minor-unit digits (2 unless CLDR says otherwise)."""
    whens = " ".join(
        f"WHEN {currency} IN ({', '.join(repr(c) for c in codes)}) THEN {d}" for d, codes in sorted(_DIGITS.items())
    )
    return f"(CASE {whens} ELSE 2 END)"


def _scale(column) -> int:
    return column.type.scale


def _sqlite_sign(v: str) -> str:
    return f"(CASE WHEN {v} < 0 THEN '-' ELSE '' END)"


def sqlite_money(v: str, digits: str, scale: int) -> str:
    """SQL (SQLite): a money value stored as an integer of 10**-scale, as text at `digits` decimals
    (values are stored at their currency's precision, so this is exact, as Decimal.quantize is)."""
    unit = 10**scale
    return (
        f"({_sqlite_sign(v)} || (abs({v}) / {unit}) || CASE WHEN {digits} = 0 THEN '' "
        f"ELSE '.' || substr(printf('%0{scale}d', abs({v}) % {unit}), 1, {digits}) END)"
    )


def sqlite_plain(v: str, scale: int) -> str:
    """SQL (SQLite): a scaled integer as text without trailing zeros (quantity_text)."""
    unit = 10**scale
    return (
        f"({_sqlite_sign(v)} || (abs({v}) / {unit}) || CASE WHEN abs({v}) % {unit} = 0 THEN '' "
        f"ELSE '.' || rtrim(printf('%0{scale}d', abs({v}) % {unit}), '0') END)"
    )


def pg_money(v: str, digits: str, scale: int) -> str:
    return f"round({v}, {digits})::text"


def pg_plain(v: str, scale: int) -> str:
    return f"trim_scale({v})::text"


def pg_gid(type_name: str, ident: str) -> str:
    # base64 breaks lines after 76 characters; a "Type:id" is far shorter
    return f"encode(convert_to('{type_name}:' || {ident}, 'UTF8'), 'base64')"


def sqlite_gid(type_name: str, ident: str) -> str:
    return f"b64id('{type_name}', {ident})"


@dataclass(frozen=True)
class Dialect:
    obj: str  # json_object / json_build_object
    money: object
    plain: object
    gid: object
    agg: object  # (element, order) -> SQL of a JSON array of the rows, in order, '[]' when none
    text: str  # how the JSON comes back as text


SQLITE = Dialect(
    "json_object",
    sqlite_money,
    sqlite_plain,
    sqlite_gid,
    # SQLite 3.40 has no ORDER BY in aggregates: the rows come ordered from a subquery, and the array keeps
    # their order. json_object passes straight into json_group_array (its JSON subtype is kept).
    lambda element, order: f"json_group_array({element})",
    "",
)
POSTGRES = Dialect(
    "json_build_object",
    pg_money,
    pg_plain,
    pg_gid,
    lambda element, order: f"coalesce(json_agg({element} ORDER BY {order}), '[]')",
    "::text",
)


def limit_page_sql(d: Dialect) -> str:
    """The nested page as one statement: 100 opportunities, newest first (the (created_at, id) index), each
    with its account, its first DEFAULT_PAGE quotes by id, and their lines by (sequence, id)."""
    ms, qs = _scale(_o.c.amount), _scale(_q.c.total)
    ls_q, ls_p, ls_t = _scale(_ql.c.quantity), _scale(_ql.c.unit_price), _scale(_ql.c.total)
    line = (
        f"{d.obj}('id', {d.gid('QuoteLine', 'l.id')}, 'description', l.description, "
        f"'quantity', {d.plain('l.quantity', ls_q)}, 'unitPrice', {d.plain('l.unit_price', ls_p)}, "
        f"'total', {d.money('l.total', 'q.digits', ls_t)})"
    )
    lines = (
        f"(SELECT {d.agg(line, 'l.sequence, l.id')} FROM (SELECT id, description, quantity, unit_price, total, sequence "
        f"FROM quote_lines WHERE quote_id = q.id ORDER BY sequence, id) l)"
    )
    quote = (
        f"{d.obj}('id', {d.gid('Quote', 'q.id')}, 'number', q.number, "
        f"'total', {d.money('q.total', 'q.digits', qs)}, 'lines', {lines})"
    )
    quotes = (
        f"(SELECT {d.agg(quote, 'q.id')} FROM (SELECT id, number, total, {_digits_sql('currency')} AS digits "
        f"FROM quotes WHERE opportunity_id = o.id ORDER BY id LIMIT {DEFAULT_PAGE}) q)"
    )
    account = (
        f"(SELECT {d.obj}('id', {d.gid('Account', 'a.id')}, 'name', a.name) FROM accounts a WHERE a.id = o.account_id)"
    )
    amount = (
        f"CASE WHEN o.currency IS NULL THEN {d.plain('o.amount', ms)} "
        f"ELSE {d.money('o.amount', _digits_sql('o.currency'), ms)} END"
    )
    node = (
        f"{d.obj}('node', {d.obj}('id', {d.gid('Opportunity', 'o.id')}, 'title', o.title, 'amount', {amount}, "
        f"'account', {account}, 'quotes', {quotes}))"
    )
    edges = d.agg(node, "o.created_at DESC, o.id DESC")
    return (
        f"SELECT ({d.obj}('opportunities', {d.obj}('edges', {edges}))){d.text} FROM (SELECT id, title, amount, "
        f"currency, account_id, created_at FROM opportunities ORDER BY created_at DESC, id DESC LIMIT :first) o"
    )


def limit_node_sql(d: Dialect) -> str:
    """One opportunity by id with its account's name, as one statement."""
    ms = _scale(_o.c.amount)
    amount = (
        f"CASE WHEN o.currency IS NULL THEN {d.plain('o.amount', ms)} "
        f"ELSE {d.money('o.amount', _digits_sql('o.currency'), ms)} END"
    )
    account = f"(SELECT {d.obj}('name', a.name) FROM accounts a WHERE a.id = o.account_id)"
    node = f"{d.obj}('id', {d.gid('Opportunity', 'o.id')}, 'title', o.title, 'amount', {amount}, 'account', {account})"
    return f"SELECT ({d.obj}('node', (SELECT {node} FROM opportunities o WHERE o.id = :id))){d.text}"


def _b64id(type_name: str, ident: int) -> str:
    return base64.b64encode(f"{type_name}:{ident}".encode()).decode()


def limit_engine(url: str):
    """The limit's engine: the store's kind (create_engine, its pools sized as the gateway's), whose
    connections run each statement on its own (SQLite's driver and psycopg in autocommit: no BEGIN, no
    ROLLBACK), with b64id registered on SQLite's."""
    engine = create_engine(url, **pools(Settings()))

    @event.listens_for(engine, "connect")
    def _prepare(dbapi_connection, _record):
        if engine.dialect.name == "sqlite":
            dbapi_connection.create_function("b64id", 2, _b64id, deterministic=True)
        else:
            dbapi_connection.autocommit = True

    return engine


class Limit:
    """The two requests, each one statement that returns `data` as JSON text, run on the raw driver."""

    def __init__(self, engine):
        self.engine = engine
        sqlite = engine.dialect.name == "sqlite"
        dialect = SQLITE if sqlite else POSTGRES
        self.page_sql, self.node_sql = limit_page_sql(dialect), limit_node_sql(dialect)
        if not sqlite:  # psycopg's placeholders
            self.page_sql = self.page_sql.replace(":first", "%(first)s")
            self.node_sql = self.node_sql.replace(":id", "%(id)s")

    def _one(self, statement: str, params: dict) -> bytes:
        raw = self.engine.raw_connection()  # a pooled connection
        try:
            cursor = raw.driver_connection.cursor()
            try:
                return cursor.execute(statement, params).fetchone()[0].encode()
            finally:
                cursor.close()
        finally:
            raw.close()

    def page(self, first: int) -> bytes:
        return self._one(self.page_sql, {"first": first})

    def node(self, ident: int) -> bytes:
        return self._one(self.node_sql, {"id": ident})


@contextmanager
def read_transaction(engine):
    """Reads as the gateway's loader does them (read_options: BEGIN DEFERRED on SQLite, autocommit on PostgreSQL)."""
    with engine.connect() as conn:
        conn = conn.execution_options(**read_options(engine))
        conn.begin()
        yield conn


def create_floor_app(url: str) -> Starlette:
    """POST /floor/page {"first": 100} and POST /floor/node {"id": "<global id>"}, and the same under /limit/
    (one statement builds the JSON), bearer token required."""
    engine = create_engine(url, **pools(Settings()))  # sized as the gateway's
    auth = Authenticator(TokenLookup(engine))

    # GraphQL reports each query's cost (schema/core/cost.py); the floor and the limit send the same numbers,
    # worked out once
    schema = build_schema()._schema
    costs = {
        kind: orjson.dumps(
            {"requestedQueryCost": operation_cost(schema, parse(query), None, {}), "maximumAvailable": None}
        )
        for kind, query in (("page", PAGE_QUERY), ("node", node_query(NODE_ID)))
    }
    limit = Limit(limit_engine(url))

    def floor(build):
        def run(arg) -> bytes:
            with read_transaction(engine) as conn:
                return orjson.dumps(build(conn, arg))

        return run

    #: route → (what builds `data` as JSON bytes, which query's cost)
    answers = {
        "/floor/page": (floor(floor_page), "page"),
        "/floor/node": (floor(floor_node), "node"),
        "/limit/page": (limit.page, "page"),
        "/limit/node": (limit.node, "node"),
    }

    def answer(token: str | None, path: str, arg) -> bytes | None:
        if auth.user(token) is None:
            return None
        build, kind = answers[path]
        return b'{"data":' + build(arg) + b',"extensions":{"cost":' + costs[kind] + b"}}"

    def node_arg(body) -> int:
        type_name, _, ident = base64.b64decode(body["id"]).decode().partition(":")
        return int(ident) if type_name == "Opportunity" else -1

    async def serve(request: Request) -> Response:
        body = orjson.loads(await request.body())
        arg = int(body.get("first", PAGE)) if request.url.path.endswith("/page") else node_arg(body)
        token = bearer(request.headers.get("authorization"))
        data = await anyio.to_thread.run_sync(answer, token, request.url.path, arg)
        if data is None:
            return JSONResponse({"error": "a valid bearer token is required"}, status_code=401)
        return Response(data, media_type="application/json")

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    app = Starlette(
        routes=[
            *(Route(path, serve, methods=["POST"]) for path in answers),
            Route("/healthz", healthz),
        ]
    )
    app.state.engine = engine
    app.state.limit_engine, app.state.limit = limit.engine, limit
    return app


# --- requests ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Call:
    """One request: where it goes and what it sends."""

    path: str
    body: bytes


@dataclass(frozen=True)
class Scenario:
    name: str  # "nested page" / "by id"
    graphql: Call
    floor: Call
    limit: Call
    postgraphile: Call

    def call(self, side: str) -> Call:
        return getattr(self, side)


#: The sides measured, in the order they take turns: GraphQL, the hand-written floor, the one-statement limit,
#: and (PostgreSQL over HTTP, when its folder is installed) PostGraphile.
SIDES = ("graphql", "floor", "limit", "postgraphile")


def scenarios() -> list[Scenario]:
    node_body = orjson.dumps({"id": global_id("Opportunity", NODE_ID)})
    return [
        Scenario(
            "nested page (1,400 objects)",
            Call("/graphql", orjson.dumps({"query": PAGE_QUERY})),
            Call("/floor/page", orjson.dumps({"first": PAGE})),
            Call("/limit/page", orjson.dumps({"first": PAGE})),
            Call("/graphql", orjson.dumps({"query": POSTGRAPHILE_PAGE_QUERY})),
        ),
        Scenario(
            "by id",
            Call("/graphql", orjson.dumps({"query": node_query(NODE_ID)})),
            Call("/floor/node", node_body),
            Call("/limit/node", node_body),
            Call("/graphql", orjson.dumps({"query": POSTGRAPHILE_NODE_QUERY % NODE_ID})),
        ),
    ]


def same_json(a: bytes, b: bytes) -> bool:
    """Equal data with the same keys in the same order (orjson keeps a parsed object's key order)."""
    return orjson.dumps(orjson.loads(a)["data"]) == orjson.dumps(orjson.loads(b)["data"])


def headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


@contextmanager
def captured_sql(engine):
    statements: list[str] = []

    def on_execute(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)


def count_objects(data: dict) -> int:
    edges = data["opportunities"]["edges"]
    quotes = [q for e in edges for q in e["node"]["quotes"]]
    return (
        len(edges) + sum(1 for e in edges if e["node"]["account"]) + len(quotes) + sum(len(q["lines"]) for q in quotes)
    )


@dataclass
class Check:
    scenario: str
    statements: list[str]
    same_bytes: bool
    size: int
    limit_sql: str


async def verify_in_process(gql_app, floor_app, token: str) -> list[Check]:
    """Equal data on all three sides; fails loudly otherwise. (GraphQL answers with one compiled
    statement per root field, the floor with its own SELECTs: the statements are reported, not compared.)"""
    checks = []
    async with asgi_client(gql_app) as g, asgi_client(floor_app) as f:
        for sc in scenarios():
            for client, call in ((g, sc.graphql), (f, sc.floor), (f, sc.limit)):  # warm all (compiled SQL)
                response = await client.post(call.path, content=call.body, headers=headers(token))
                assert response.status_code == 200, (call.path, response.status_code, response.text[:500])
            lim = await f.post(sc.limit.path, content=sc.limit.body, headers=headers(token))
            limit_sql = (
                floor_app.state.limit.page_sql if sc.name.startswith("nested") else floor_app.state.limit.node_sql
            )
            with captured_sql(gql_app.state.engine) as gql_sql:
                gql = await g.post(sc.graphql.path, content=sc.graphql.body, headers=headers(token))
            flo = await f.post(sc.floor.path, content=sc.floor.body, headers=headers(token))
            gql_body, floor_body = orjson.loads(gql.content), orjson.loads(flo.content)
            assert "errors" not in gql_body, gql_body.get("errors")
            assert gql_body == floor_body, f"{sc.name}: the floor's JSON differs from GraphQL's"
            assert same_json(gql.content, lim.content), f"{sc.name}: the limit's JSON differs from GraphQL's"
            if sc.name.startswith("nested"):
                objects = count_objects(gql_body["data"])
                assert objects == PAGE * (2 + QUOTES_PER_OPPORTUNITY * (1 + LINES_PER_QUOTE)), objects
            checks.append(Check(sc.name, gql_sql, gql.content == flo.content, len(gql.content), limit_sql))
    return checks


# --- in-process measurement --------------------------------------------------------------------------


def asgi_client(app) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench")


@dataclass
class Run:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int = 0

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def percentile(sorted_values: list[float], pct: float) -> float:
    return sorted_values[max(0, math.ceil(pct / 100 * len(sorted_values)) - 1)]


def run_of(latencies: list[float], seconds: float, errors: int = 0) -> Run:
    ordered = sorted(latencies)
    return Run(len(ordered), seconds, statistics.median(ordered) * 1e3, percentile(ordered, 99) * 1e3, errors)


async def sequential(client: httpx.AsyncClient, call: Call, token: str, n: int, warmup: int) -> Run:
    hdrs = headers(token)
    for _ in range(warmup):
        response = await client.post(call.path, content=call.body, headers=hdrs)
        assert response.status_code == 200, response.text[:300]
    latencies, errors = [], 0
    started = time.perf_counter()
    for _ in range(n):
        t0 = time.perf_counter()
        response = await client.post(call.path, content=call.body, headers=hdrs)
        latencies.append(time.perf_counter() - t0)
        errors += response.status_code != 200
    return run_of(latencies, time.perf_counter() - started, errors)


@dataclass
class Measured:
    setting: str  # "in-process" / "http"
    scenario: str
    runs: dict[str, list[Run]] = field(default_factory=dict)  # side → one Run per repeat
    connections: dict[str, list[int]] = field(default_factory=dict)  # side → new PostgreSQL connections per run

    def add(self, side: str, run: Run, opened: int | None = None) -> None:
        self.runs.setdefault(side, []).append(run)
        if opened is not None:
            self.connections.setdefault(side, []).append(opened)


def median_of(runs: list[Run], attr: str) -> float:
    return statistics.median(getattr(r, attr) for r in runs)


async def measure_in_process(gql_app, floor_app, token: str, n: int, repeats: int) -> list[Measured]:
    out = []
    async with asgi_client(gql_app) as g, asgi_client(floor_app) as f:
        for sc in scenarios():
            m = Measured("in-process", sc.name)
            for r in range(repeats):  # interleaved, so drifting machine load hits every side alike
                print(f"  in-process · {sc.name} · repeat {r + 1}/{repeats}", flush=True)
                m.add("graphql", await sequential(g, sc.graphql, token, n, WARMUP_REQUESTS))
                m.add("floor", await sequential(f, sc.floor, token, n, WARMUP_REQUESTS))
                m.add("limit", await sequential(f, sc.limit, token, n, WARMUP_REQUESTS))
            out.append(m)
    return out


# --- over HTTP ---------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A uvicorn subprocess on a loopback port; stopped (by its own pid) on the way out."""

    def __init__(self, name: str, argv: list[str], port: int, env: dict[str, str], log_path: str):
        self.name, self.port = name, port
        self.base = f"http://127.0.0.1:{port}"
        self.health_path, self.health_body = "/healthz", None  # PostGraphile: a POST of a query
        self.log_path = log_path
        self._log = open(log_path, "wb")
        self.proc = subprocess.Popen(
            argv, env=env, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL
        )

    def wait_ready(self) -> None:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} server exited ({self.proc.returncode}): {self.log_tail()}")
            try:
                if self.health_body is None:
                    response = httpx.get(self.base + self.health_path, timeout=1)
                else:
                    hdrs = {"Content-Type": "application/json"}
                    response = httpx.post(
                        self.base + self.health_path, content=self.health_body, headers=hdrs, timeout=1
                    )
                if response.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.name} server not ready after {SERVER_START_TIMEOUT_S:.0f} s: {self.log_tail()}")

    def log_tail(self) -> str:
        self._log.flush()
        with open(self.log_path, "rb") as fh:
            return fh.read()[-2000:].decode(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def start_servers(url: str, workdir: str, jwt_secret: str | None) -> dict[str, Server]:
    """side → its server: GraphQL, the floor and the limit (one process), and PostGraphile if jwt_secret."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALESFLOW_")}
    env.update(SALESFLOW_LOG_LEVEL="warning", PYTHONUNBUFFERED="1", SALESFLOW_MAX_COST="0")  # see (a) in the docstring
    # This interpreter's package, i.e. this checkout: a `salesflow` on PATH may belong to another one.
    cli = [sys.executable, "-m", "salesflow.gateway.cli"]
    gport, fport = free_port(), free_port()
    gql = Server(
        "graphql",
        [*cli, "serve", "--database-url", url, "--port", str(gport), "--workers", "1", "--no-ide"],
        gport,
        env,
        os.path.join(workdir, "graphql-server.log"),
    )
    bare = Server(
        "floor and limit",
        [sys.executable, os.path.abspath(__file__), "--serve-floor", "--db-url", url, "--port", str(fport)],
        fport,
        env,
        os.path.join(workdir, "floor-server.log"),
    )
    servers = {"graphql": gql, "floor": bare, "limit": bare}
    if jwt_secret is not None:
        servers["postgraphile"] = start_postgraphile(url, free_port(), jwt_secret, workdir, env)
    return servers


def verify_http(servers: dict[str, Server], tokens: dict[str, str]) -> None:
    with httpx.Client(timeout=30) as client:
        for sc in scenarios():
            bodies = {}
            for side, server in servers.items():
                call = sc.call(side)
                response = client.post(server.base + call.path, content=call.body, headers=headers(tokens[side]))
                assert response.status_code == 200, (side, response.status_code, response.text[:300])
                bodies[side] = response.content
            assert orjson.loads(bodies["graphql"]) == orjson.loads(bodies["floor"]), (
                f"{sc.name}: floor differs over HTTP"
            )
            assert same_json(bodies["graphql"], bodies["limit"]), f"{sc.name}: the limit differs over HTTP"
            if "postgraphile" in bodies:
                check_postgraphile(bodies["graphql"], bodies["postgraphile"], sc.name)


WRK_SCRIPT = """\
wrk.method = "POST"
wrk.body = %s
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer %s"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCH %%d %%d %%d %%d %%d %%d\\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def lua_string(data: bytes) -> str:
    return '"' + "".join(c if c.isalnum() or c in " {}():,._-!/=+" else f"\\{ord(c):03d}" for c in data.decode()) + '"'


def run_wrk(base: str, call: Call, token: str, connections: int, duration: float, workdir: str) -> Run:
    script = os.path.join(workdir, f"wrk-{abs(hash((call.path, call.body)))}.lua")
    with open(script, "w", encoding="utf-8") as fh:
        fh.write(WRK_SCRIPT % (lua_string(call.body), token))
    argv = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "30s",
        "-s",
        script,
        base + call.path,
    ]
    out = subprocess.run(argv, capture_output=True, text=True, check=True).stdout
    line = next((ln for ln in out.splitlines() if ln.startswith("BENCH ")), None)
    if line is None:
        raise RuntimeError(f"no summary from wrk:\n{out}")
    requests, duration_us, p50_us, p99_us, status_errors, socket_errors = map(int, line.split()[1:])
    return Run(requests, duration_us / 1e6, p50_us / 1e3, p99_us / 1e3, status_errors + socket_errors)


async def _python_load(base: str, call: Call, token: str, connections: int, duration: float) -> Run:
    latencies: list[float] = []
    errors = 0
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        hdrs = headers(token)
        deadline = time.perf_counter() + duration

        async def worker():
            nonlocal errors
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                response = await client.post(call.path, content=call.body, headers=hdrs)
                latencies.append(time.perf_counter() - t0)
                errors += response.status_code != 200

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.perf_counter() - started
    return run_of(latencies, elapsed, errors)


def run_python_load(base: str, call: Call, token: str, connections: int, duration: float, workdir: str) -> Run:
    return asyncio.run(_python_load(base, call, token, connections, duration))


def measure_http(
    url: str, token: str, client: str, connections: int, duration: float, repeats: int, workdir: str
) -> list[Measured]:
    load = run_wrk if client == "wrk" else run_python_load
    postgres = url.startswith("postgresql")
    why_not = postgraphile_ready() if postgres else "PostgreSQL only"
    secret = None
    tokens = {side: token for side in SIDES}
    if why_not is None:
        prepare_postgraphile(url)
        secret = base64.b64encode(os.urandom(32)).decode()
        claims = {"aud": "postgraphile", "sub": "bench", "user_id": 1, "exp": int(time.time()) + 86400}
        tokens["postgraphile"] = jwt_hs256(claims, secret)
    else:
        print(f"  PostGraphile skipped: {why_not}", flush=True)
    servers = start_servers(url, workdir, secret)
    count = ConnectionCount(url) if postgres else None
    try:
        for server in set(servers.values()):
            server.wait_ready()
        verify_http(servers, tokens)
        out = []
        for sc in scenarios():
            m = Measured("http", sc.name)
            for side, server in servers.items():  # warm-up, not recorded
                load(server.base, sc.call(side), tokens[side], connections, HTTP_WARMUP_S, workdir)
            for r in range(repeats):
                print(f"  http · {sc.name} · repeat {r + 1}/{repeats}", flush=True)
                for side, server in servers.items():
                    before = count() if count else None
                    run = load(server.base, sc.call(side), tokens[side], connections, duration, workdir)
                    m.add(side, run, None if count is None else count() - before)
            out.append(m)
        return out
    finally:
        if count:
            count.close()
        for server in set(servers.values()):
            server.stop()


# --- PostGraphile (PostgreSQL only) ------------------------------------------------------------------
# PostGraphile v4 serves the same database from benchmarks/postgraphile/ (npm ci there), with JWT auth on:
# every request carries a token signed with --jwt-secret, which PostGraphile verifies and turns into
# `jwt.claims.*` settings in a transaction around the query. Its schema names things its own way; the
# queries below ask for the same records and fields, and check_postgraphile() proves the answers hold them.

POSTGRAPHILE_DIR = os.path.join(_HERE, "postgraphile")
POSTGRAPHILE_BIN = os.path.join(POSTGRAPHILE_DIR, "node_modules", ".bin", "postgraphile")
#: The composite type PostGraphile's --jwt-token-identifier names (created in the benchmark's database only).
JWT_TYPE = "public.bench_jwt_token"

POSTGRAPHILE_PAGE_QUERY = (
    "{ allOpportunities(first: %d, orderBy: [CREATED_AT_DESC, ID_DESC]) { nodes { id title amount currency "
    "accountByAccountId { id name } quotesByOpportunityId(first: %d, orderBy: ID_ASC) { nodes { id number total "
    "quoteLinesByQuoteId(orderBy: [SEQUENCE_ASC, ID_ASC]) { nodes { id description quantity unitPrice total } } "
    "} } } } }" % (PAGE, DEFAULT_PAGE)
)
POSTGRAPHILE_NODE_QUERY = (
    "{ opportunityById(id: %d) { id title amount currency accountByAccountId { name } } }"  # % the row id
)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt_hs256(claims: dict, secret: str) -> str:
    """A JSON Web Token signed with HMAC-SHA256 (RFC 7519), as PostGraphile's --jwt-secret verifies."""
    signing_input = _b64url(orjson.dumps({"alg": "HS256", "typ": "JWT"})) + "." + _b64url(orjson.dumps(claims))
    signature = hmac.new(secret.encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + _b64url(signature)


def postgraphile_ready() -> str | None:
    """Why PostGraphile cannot run here, or None."""
    if not shutil.which("node"):
        return "node is not installed"
    if not os.path.exists(POSTGRAPHILE_BIN):
        return f"PostGraphile is not installed: (cd {os.path.relpath(POSTGRAPHILE_DIR)} && npm ci)"
    return None


def prepare_postgraphile(url: str) -> None:
    """What PostGraphile's JWT option needs and salesflow does not have: a JWT composite type."""
    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            exists = conn.exec_driver_sql("SELECT to_regtype(%(t)s) IS NOT NULL", {"t": JWT_TYPE}).scalar_one()
            if not exists:
                conn.exec_driver_sql(f"CREATE TYPE {JWT_TYPE} AS (sub text, user_id integer, exp bigint)")
    finally:
        engine.dispose()


def start_postgraphile(url: str, port: int, secret: str, workdir: str, env: dict) -> Server:
    plain = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    argv = [
        POSTGRAPHILE_BIN,
        "--connection", plain,
        "--schema", "public",
        "--host", "127.0.0.1",
        "--port", str(port),
        "--jwt-secret", secret,
        "--jwt-token-identifier", JWT_TYPE,
        "--disable-query-log",
    ]  # fmt: skip
    server = Server("postgraphile", argv, port, env, os.path.join(workdir, "postgraphile.log"))
    server.health_path, server.health_body = "/graphql", orjson.dumps({"query": "{ __typename }"})
    return server


def _ident(global_id_text: str) -> int:
    return int(base64.b64decode(global_id_text).decode().partition(":")[2])


def _records_of_ours(data: dict, scenario: str):
    if scenario.startswith("by id"):
        n = data["node"]
        return (_ident(n["id"]), n["title"], Decimal(n["amount"]), n["account"]["name"])
    return [
        (
            _ident(n["id"]),
            n["title"],
            Decimal(n["amount"]),
            (_ident(n["account"]["id"]), n["account"]["name"]),
            [
                (
                    _ident(q["id"]),
                    q["number"],
                    Decimal(q["total"]),
                    [
                        (
                            _ident(ln["id"]),
                            ln["description"],
                            *map(Decimal, (ln["quantity"], ln["unitPrice"], ln["total"])),
                        )
                        for ln in q["lines"]
                    ],
                )
                for q in n["quotes"]
            ],
        )
        for n in (e["node"] for e in data["opportunities"]["edges"])
    ]


def _records_of_postgraphile(data: dict, scenario: str):
    if scenario.startswith("by id"):
        n = data["opportunityById"]
        return (n["id"], n["title"], Decimal(n["amount"]), n["accountByAccountId"]["name"])
    return [
        (
            n["id"],
            n["title"],
            Decimal(n["amount"]),
            (n["accountByAccountId"]["id"], n["accountByAccountId"]["name"]),
            [
                (
                    q["id"],
                    q["number"],
                    Decimal(q["total"]),
                    [
                        (ln["id"], ln["description"], *map(Decimal, (ln["quantity"], ln["unitPrice"], ln["total"])))
                        for ln in q["quoteLinesByQuoteId"]["nodes"]
                    ],
                )
                for q in n["quotesByOpportunityId"]["nodes"]
            ],
        )
        for n in data["allOpportunities"]["nodes"]
    ]


def check_postgraphile(ours: bytes, theirs: bytes, scenario: str) -> None:
    """PostGraphile's answer holds the same records, fields and values (numbers compared as Decimals)."""
    body = orjson.loads(theirs)
    assert "errors" not in body, body["errors"]
    a, b = _records_of_ours(orjson.loads(ours)["data"], scenario), _records_of_postgraphile(body["data"], scenario)
    assert a == b, f"{scenario}: PostGraphile's records differ from salesflow's"


class ConnectionCount:
    """New PostgreSQL sessions on the benchmark's database (pg_stat_database.sessions), read by one
    connection of its own, so it adds none."""

    def __init__(self, url: str):
        self.conn = psycopg.connect(
            make_url(url).set(drivername="postgresql").render_as_string(hide_password=False), autocommit=True
        )

    def __call__(self) -> int:
        time.sleep(1.5)  # a backend reports its start with its next statistics flush (≥ 1 s apart)
        return self.conn.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()").fetchone()[
            0
        ]

    def close(self) -> None:
        self.conn.close()


# --- where the time goes -----------------------------------------------------------------------------


@dataclass
class Layers:
    samples: int
    rows: list[tuple[str, float | None, float | None]]  # what, GraphQL ms, floor ms (medians)


async def measure_layers(gql_app, floor_app, token: str, n: int = 40) -> Layers:
    """The nested page taken apart, without a profiler: each part timed in turn, interleaved, n times."""
    from salesflow.domain.access import default_policy
    from salesflow.schema.core.context import RequestContext, Stores
    from salesflow.statemachine.engine import utcnow
    from salesflow.statemachine.users import authenticate

    g_engine, f_engine = gql_app.state.engine, floor_app.state.engine
    stores = Stores(writer=lambda: SqlUnitOfWork(g_engine), reader=lambda: SqlUnitOfWork(g_engine, read_only=True))
    with stores.reader() as uow:
        user = authenticate(uow, token, utcnow()).user
    policy, schema = default_policy(), gql_app.state.schema
    in_cursor = [0.0]
    starts: list[float] = []

    def before(*_a):
        starts.append(time.perf_counter())

    def after(*_a):
        in_cursor[0] += time.perf_counter() - starts.pop()

    def graphql_direct():
        ctx = RequestContext(stores=stores, policy=policy, user=user)
        try:
            result = schema.execute_sync(PAGE_QUERY, context_value=ctx)
        finally:
            ctx.loader.close()
        assert not result.errors, result.errors
        return result.data

    def floor_direct():
        with read_transaction(f_engine) as conn:
            return floor_page(conn, PAGE)

    def floor_fetch():
        with read_transaction(f_engine) as conn:
            return fetch_page(conn, PAGE)

    async def timed(key, func, *, cursor=False, hop=True):
        """func on a worker thread, as the gateway and the floor run it (the hop costs some µs)."""
        in_cursor[0] = 0.0
        t0 = time.perf_counter()
        out = await anyio.to_thread.run_sync(func) if hop else func()
        samples[key].append(time.perf_counter() - t0)
        if cursor:
            samples[key + " sqlite"].append(in_cursor[0])
        return out

    samples: dict[str, list[float]] = defaultdict(list)
    sc = scenarios()[0]
    hdrs = headers(token)
    for engine in (g_engine, f_engine):
        event.listen(engine, "before_cursor_execute", before)
        event.listen(engine, "after_cursor_execute", after)
    try:
        async with asgi_client(gql_app) as g, asgi_client(floor_app) as f:
            for i in range(n + 5):
                t0 = time.perf_counter()
                assert (await g.post(sc.graphql.path, content=sc.graphql.body, headers=hdrs)).status_code == 200
                samples["g request"].append(time.perf_counter() - t0)
                data = await timed("g handler", graphql_direct, cursor=True)
                await timed("g json", lambda d=data: orjson.dumps({"data": d}), hop=False)
                t0 = time.perf_counter()
                assert (await f.post(sc.floor.path, content=sc.floor.body, headers=hdrs)).status_code == 200
                samples["f request"].append(time.perf_counter() - t0)
                data = await timed("f handler", floor_direct, cursor=True)
                await timed("f json", lambda d=data: orjson.dumps({"data": d}), hop=False)
                await timed("f fetch", floor_fetch)
                if i < 5:  # warm-up rounds
                    for values in samples.values():
                        values.clear()
    finally:
        for engine in (g_engine, f_engine):
            event.remove(engine, "before_cursor_execute", before)
            event.remove(engine, "after_cursor_execute", after)
    ms = {k: statistics.median(v) * 1e3 for k, v in samples.items()}

    def paired(a: str, *minus: str) -> float:
        """Median over the rounds of a − minus…, each round against itself (drifting load cancels out)."""
        return statistics.median(x - sum(samples[m][i] for m in minus) for i, x in enumerate(samples[a])) * 1e3

    rows = [
        ("whole request in-process (httpx → ASGI app → body)", ms["g request"], ms["f request"]),
        ("handler alone, on a worker thread: `schema.execute_sync` / `floor_page`", ms["g handler"], ms["f handler"]),
        (
            "  of which the database running the statements (inside cursor.execute)",
            ms["g handler sqlite"],
            ms["f handler sqlite"],
        ),
        (
            "the same statements run and fetched with SQLAlchemy Core (rows with Decimals, datetimes)",
            None,
            ms["f fetch"],
        ),
        ("JSON encoding (orjson)", ms["g json"], ms["f json"]),
        (
            "→ over the Core fetch: GraphQL execution + loader/unit of work, or the floor's dicts (handler − fetch)",
            paired("g handler", "f fetch"),
            paired("f handler", "f fetch"),
        ),
        (
            "→ around the handler: HTTP/ASGI, view, auth, thread hop (request − handler − JSON)",
            paired("g request", "g handler", "g json"),
            paired("f request", "f handler", "f json"),
        ),
    ]
    return Layers(n, rows)


SALESFLOW_DIR = os.path.dirname(os.path.abspath(salesflow.__file__)) + os.sep
IDLE = "idle: the event loop waiting in epoll while the worker thread runs"
BUILTIN = "builtins"  # C functions other than the driver, orjson and decimal: charged to their callers

#: (label, test on (file name, function name)), first match wins: own time grouped by library.
GROUPS = [
    ("benchmark harness", lambda f, fn: f.startswith(_HERE + os.sep)),
    (IDLE, lambda f, fn: f == "~" and "poll" in fn and "epoll" in fn),
    ("sqlite3 driver (C: execute, fetch)", lambda f, fn: f == "~" and "sqlite3" in fn),
    ("orjson", lambda f, fn: f == "~" and "orjson" in fn),
    ("decimal (C: quantize, scaleb, …)", lambda f, fn: f == "~" and "decimal" in fn),
    (BUILTIN, lambda f, fn: f == "~"),
    ("salesflow schema (resolvers, loader, scalars, fast path)", lambda f, fn: f.startswith(SALESFLOW_DIR + "schema")),
    ("salesflow store (unit of work, mapping, column types)", lambda f, fn: f.startswith(SALESFLOW_DIR + "adapters")),
    ("salesflow gateway (view, auth)", lambda f, fn: f.startswith(SALESFLOW_DIR + "gateway")),
    ("salesflow domain/statemachine", lambda f, fn: f.startswith(SALESFLOW_DIR)),
    ("graphql-core (parse, validate, execute)", lambda f, fn: f"{os.sep}graphql{os.sep}" in f),
    ("strawberry", lambda f, fn: f"{os.sep}strawberry{os.sep}" in f),
    ("SQLAlchemy Core", lambda f, fn: f"{os.sep}sqlalchemy{os.sep}" in f),
    (
        "httpx/httpcore (the benchmark's client)",
        lambda f, fn: f"{os.sep}httpx{os.sep}" in f or f"{os.sep}httpcore{os.sep}" in f,
    ),
    ("starlette", lambda f, fn: f"{os.sep}starlette{os.sep}" in f),
    ("anyio/asyncio", lambda f, fn: any(f"{os.sep}{m}{os.sep}" in f for m in ("anyio", "asyncio"))),
    ("babel", lambda f, fn: f"{os.sep}babel{os.sep}" in f),
]
OTHER = "other Python (stdlib: typing, enum, dataclasses, …)"


def group_of(filename: str, func_name: str) -> str:
    for label, test in GROUPS:
        if test(filename, func_name):
            return label
    return OTHER


def own_time_by_group(stats: pstats.Stats) -> dict[str, float]:
    """Own time per library; a plain builtin's (isinstance, getattr, dict.get …) goes to its callers'."""
    out: dict[str, float] = defaultdict(float)
    for (filename, _line, func), (_cc, _nc, tt, _ct, callers) in stats.stats.items():
        label = group_of(filename, func)
        if label == BUILTIN:
            weights = {c: v[2] for c, v in callers.items()}
            total = sum(weights.values())
            if total > 0:
                for (c_file, _c_line, c_func), w in weights.items():
                    caller = group_of(c_file, c_func)
                    out[OTHER if caller == BUILTIN else caller] += tt * w / total
                continue
            label = OTHER
        out[label] += tt
    return out


@dataclass
class Profile:
    name: str
    requests: int
    wall_s: float
    groups: list[tuple[str, float]]  # label, ms per request of own time, largest first
    top_cumulative: list[tuple]
    top_own: list[tuple]


def _short(filename: str) -> str:
    if filename.startswith(_HERE + os.sep):
        return "benchmarks/" + filename[len(_HERE) + 1 :]
    if filename.startswith(SALESFLOW_DIR):
        return "salesflow/" + filename[len(SALESFLOW_DIR) :]
    for marker in ("site-packages" + os.sep, "lib" + os.sep + "python3"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


#: Up to Python 3.11 a cProfile.Profile sees only the thread that enabled it; from 3.12 (sys.monitoring) it
#: sees every thread.
PER_THREAD_PROFILER = sys.version_info < (3, 12)


async def _profiled(app, call: Call, token: str, n: int) -> tuple[pstats.Stats, float]:
    async with asgi_client(app) as client:
        hdrs = headers(token)
        for _ in range(5):  # warm-up, not profiled
            assert (await client.post(call.path, content=call.body, headers=hdrs)).status_code == 200
        loop_profiler = cProfile.Profile()
        worker_profiler = cProfile.Profile() if PER_THREAD_PROFILER else None
        original = anyio.to_thread.run_sync
        if worker_profiler is not None:

            async def profiled_hop(func, *args, **kwargs):
                def run():
                    worker_profiler.enable()
                    try:
                        return func(*args)
                    finally:
                        worker_profiler.disable()

                return await original(run, **kwargs)

            anyio.to_thread.run_sync = profiled_hop
        try:
            started = time.perf_counter()
            loop_profiler.enable()
            for _ in range(n):
                response = await client.post(call.path, content=call.body, headers=hdrs)
                assert response.status_code == 200
            loop_profiler.disable()
            wall = time.perf_counter() - started
        finally:
            anyio.to_thread.run_sync = original
        stats = pstats.Stats(loop_profiler)
        if worker_profiler is not None:
            stats.add(worker_profiler)
        return stats, wall


def profile_requests(name: str, app, call: Call, token: str, n: int, top: int) -> Profile:
    """cProfile n in-process requests: the event loop's thread (client, Starlette, strawberry's view) and
    the worker threads the gateway hops to (auth, `schema.execute_sync`), merged.

    The work stays on the worker thread, as in production: run inline on the event loop's thread instead,
    the same execution measured about 1.5× slower on the 2-core development VM."""
    stats, wall = asyncio.run(_profiled(app, call, token, n))
    groups = sorted(((label, s / n * 1e3) for label, s in own_time_by_group(stats).items()), key=lambda g: -g[1])
    rows = [
        (ct, tt, nc, _short(filename), line, func)
        for (filename, line, func), (_cc, nc, tt, ct, _callers) in stats.stats.items()
        if group_of(filename, func) != IDLE
    ]
    return Profile(
        name, n, wall, groups, sorted(rows, reverse=True)[:top], sorted(rows, key=lambda r: r[1], reverse=True)[:top]
    )


def write_profiles(path: str, profiles: list[Profile]) -> None:
    def table(title: str, p: Profile, chosen: list[tuple]) -> str:
        lines = [title, f"{'cum ms/req':>10} {'own ms/req':>10} {'calls/req':>10}  function"]
        lines += [
            f"{ct / p.requests * 1e3:10.3f} {tt / p.requests * 1e3:10.3f} {nc / p.requests:10.1f}  "
            f"{fname}:{line}({func})"
            for ct, tt, nc, fname, line, func in chosen
        ]
        return "\n".join(lines)

    with open(path, "w", encoding="utf-8") as fh:
        fh.write(
            f"salesflow GraphQL benchmark profile ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
            f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs)\n"
        )
        fh.write(
            "In-process requests (httpx over ASGI, sequential) under cProfile: the event loop's thread and the\n"
            "worker threads the gateway hops to, merged. Times include the profiler's overhead, which inflates\n"
            "many small calls (graphql-core, resolvers) more than a few long ones (SQLite). The event loop's\n"
            f"wait in epoll while the worker runs is listed as '{IDLE}' and left out of the percentages.\n"
        )
        for p in profiles:
            total = sum(ms for label, ms in p.groups if label != IDLE)
            fh.write(
                f"\n{'=' * 100}\n{p.name}: {p.requests} requests, {p.wall_s / p.requests * 1e3:.1f} ms/request "
                f"under the profiler\n\nOwn time by library (builtins such as isinstance/getattr charged to "
                f"their callers), ms per request:\n"
            )
            for label, ms in p.groups:
                share = "" if label == IDLE else f"{ms / total * 100:5.1f} %"
                fh.write(f"{ms:10.2f}  {share:>7}  {label}\n")
            fh.write(f"\n{table(f'Top {len(p.top_cumulative)} by cumulative time', p, p.top_cumulative)}\n\n")
            fh.write(f"{table(f'Top {len(p.top_own)} by own time (tottime)', p, p.top_own)}\n")


# --- report ------------------------------------------------------------------------------------------


def report(
    measured: list[Measured],
    checks: list[Check],
    layers: Layers | None,
    profiles: list[Profile],
    profile_path: str,
    *,
    db: str,
    db_state: str,
    requests: int,
    duration: float,
    connections: int,
    repeats: int,
    client: str,
    http_note: str,
    load_start: tuple[float, float, float],
) -> None:
    print("\n## Checks (before timing)")
    for c in checks:
        print(
            f"- {c.scenario}: GraphQL `data` == floor JSON ({'byte-identical' if c.same_bytes else 'equal'}, "
            f"{c.size:,} bytes) == the limit's (same keys in the same order); the same {len(c.statements)} SQL "
            "statements on GraphQL's side and the floor's:"
        )
        for s in c.statements:
            print(f"    {s[:150]}{' …' if len(s) > 150 else ''}")
        print(f"  the limit's one statement ({len(c.limit_sql):,} characters): {c.limit_sql[:300]} …")
    print(f"\n## Results (median of {repeats} repeats)")
    print(f"database: {db} ({db_state}); in-process: {requests} sequential requests after {WARMUP_REQUESTS} warm-up;")
    print(
        f"http: {http_note or f'{client}, {connections} connections, {duration:g} s per run, 1 uvicorn worker per server'}"
    )
    print(f"load average (1, 5, 15 min): at the start {load_start}, at the end {os.getloadavg()}\n")
    print("| setting | query | side | req/s | p50 ms | p99 ms | p99 ÷ p50 | new PG connections per run |")
    print("|---|---|---|---:|---:|---:|---:|---:|")
    for m in measured:
        for side, runs in m.runs.items():
            opened = m.connections.get(side)
            print(
                f"| {m.setting} | {m.scenario} | {side} | {median_of(runs, 'rps'):,.1f} | {median_of(runs, 'p50_ms'):.2f} "
                f"| {median_of(runs, 'p99_ms'):.2f} | {median_of(runs, 'p99_ms') / median_of(runs, 'p50_ms'):.2f} "
                f"| {'—' if opened is None else ', '.join(map(str, opened))} |"
            )
    print("\n### Against the targets (ratios of medians from this run)\n")
    print("| setting | query | figure | value | target |")
    print("|---|---|---|---:|---|")

    def row(m: Measured, figure: str, value: float, target: str, ok: bool | None) -> None:
        verdict = "" if ok is None else (" PASS" if ok else " FAIL")
        print(f"| {m.setting} | {m.scenario} | {figure} | {value:.2f}× | {target}{verdict} |")

    for m in measured:
        med = {side: {k: median_of(runs, k) for k in ("rps", "p50_ms", "p99_ms")} for side, runs in m.runs.items()}
        g, f, lim = med["graphql"], med["floor"], med["limit"]
        nested = m.scenario.startswith("nested")
        if m.setting == "in-process":
            row(m, "GraphQL p50 ÷ limit p50", g["p50_ms"] / lim["p50_ms"], "≤ 2×", g["p50_ms"] / lim["p50_ms"] <= 2)
        else:
            ratio = g["rps"] / lim["rps"]
            row(m, "GraphQL req/s ÷ limit req/s", ratio, "≥ 0.5×", ratio >= 0.5)
        row(m, "GraphQL p99 ÷ p50", g["p99_ms"] / g["p50_ms"], "≤ 3×", g["p99_ms"] / g["p50_ms"] <= 3)
        limit_for_floor = TARGETS[m.setting] if nested else None
        ratio = f["rps"] / g["rps"]
        row(
            m,
            "floor req/s ÷ GraphQL req/s",
            ratio,
            f"≤ {limit_for_floor:g}×" if nested else "—",
            ratio <= limit_for_floor if nested else None,
        )
        if "postgraphile" in med:
            pgl = med["postgraphile"]
            row(m, "salesflow req/s ÷ PostGraphile req/s", g["rps"] / pgl["rps"], "≥ 1×", g["rps"] >= pgl["rps"])
            row(m, "salesflow p50 ÷ PostGraphile p50", g["p50_ms"] / pgl["p50_ms"], "—", None)
            row(m, "limit req/s ÷ PostGraphile req/s", lim["rps"] / pgl["rps"], "—", None)
    errors = sum(r.errors for m in measured for runs in m.runs.values() for r in runs)
    print(f"\nper-repeat req/s by side; errors in all runs: {errors}")
    for m in measured:
        sides = " | ".join(f"{side} {' '.join(f'{r.rps:.1f}' for r in runs)}" for side, runs in m.runs.items())
        print(f"  {m.setting:<10} {m.scenario:<28} {sides}")
    print("\nNoise: a 2-core VM shared with the load generator (and, over HTTP, with both servers); repeats of")
    print("the same run differ by several percent, more on p99. Compare ratios, and runs made on the same host.")
    if layers:
        print(
            f"\n## Where a nested-page request goes (in-process, no profiler; medians of {layers.samples} "
            f"interleaved rounds, ms;\nthe → rows are medians of per-round differences, so the rows do not add "
            f"up exactly)\n"
        )
        print("| part | GraphQL | floor |")
        print("|---|---:|---:|")
        for what, g, f in layers.rows:
            print(f"| {what} | {'—' if g is None else f'{g:.2f}'} | {'—' if f is None else f'{f:.2f}'} |")
    for p in profiles:
        total = sum(ms for label, ms in p.groups if label != IDLE)
        print(
            f"\n## Profile: {p.name}, {p.requests} in-process requests under cProfile "
            f"({p.wall_s / p.requests * 1e3:.1f} ms/request with the profiler) → {profile_path}"
        )
        print("own time by library (builtins charged to their callers):")
        for label, ms in p.groups:
            if label != IDLE and ms / total >= 0.005:
                print(f"  {ms:8.2f} ms  {ms / total * 100:5.1f} %  {label}")
        print("top 12 by own time:")
        for _ct, tt, nc, fname, line, func in p.top_own[:12]:
            print(f"  {tt / p.requests * 1e3:8.2f} ms  {nc / p.requests:8.0f} calls  {fname}:{line}({func})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--db",
        default=DEFAULT_DB,
        help=f"the cached SQLite benchmark database, seeded if absent (default {DEFAULT_DB})",
    )
    parser.add_argument(
        "--requests",
        "-n",
        type=int,
        default=DEFAULT_REQUESTS,
        help=f"timed in-process requests per run (default {DEFAULT_REQUESTS})",
    )
    parser.add_argument(
        "--duration",
        "-d",
        type=float,
        default=DEFAULT_DURATION,
        help=f"seconds per HTTP run (default {DEFAULT_DURATION:g})",
    )
    parser.add_argument(
        "--connections",
        "-c",
        type=int,
        default=DEFAULT_CONNECTIONS,
        help=f"concurrent HTTP connections (default {DEFAULT_CONNECTIONS})",
    )
    parser.add_argument(
        "--repeats",
        "-r",
        type=int,
        default=DEFAULT_REPEATS,
        help=f"repeats of every measurement; medians are reported (default {DEFAULT_REPEATS})",
    )
    parser.add_argument(
        "--database-url",
        help="run on this PostgreSQL database instead of the SQLite file (it must exist; seeded if empty)",
    )
    parser.add_argument("--skip-http", action="store_true", help="in-process only: start no servers")
    parser.add_argument(
        "--client",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="HTTP load generator: wrk if installed (auto), or the asyncio httpx client",
    )
    parser.add_argument(
        "--profile-out",
        default=DEFAULT_PROFILE_OUT,
        help=f"where the cProfile report goes (default {DEFAULT_PROFILE_OUT}); '' for none",
    )
    parser.add_argument(
        "--profile-requests",
        type=int,
        default=DEFAULT_PROFILE_REQUESTS,
        help=f"nested-page requests profiled (default {DEFAULT_PROFILE_REQUESTS})",
    )
    parser.add_argument("--serve-floor", action="store_true", help=argparse.SUPPRESS)  # the floor's server
    parser.add_argument("--db-url", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.serve_floor:
        import uvicorn

        uvicorn.run(
            create_floor_app(args.db_url or sqlite_url(args.db)),
            host="127.0.0.1",
            port=args.port,
            log_level="warning",
            lifespan="off",
        )
        return 0
    if min(args.requests, args.repeats, args.connections) < 1 or args.duration <= 0:
        parser.error("--requests, --repeats and --connections must be at least 1, --duration above 0")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind: the servers are stopped

    started = time.perf_counter()
    load_start = os.getloadavg()
    if args.database_url:
        url = normalise_url(args.database_url)
        db, db_state = prepare_postgres(url)
        db = describe(url)
    else:
        db, db_state = prepare_database(args.db)
        url = sqlite_url(db)
    token = bench_token(url)
    workdir = tempfile.mkdtemp(prefix="salesflow-bench-graphql-")
    try:
        gql_app = create_app(Settings(database_url=url, max_cost=0))
        floor_app = create_floor_app(url)
        print("checking that GraphQL and the floor send the same SQL and return the same JSON …", flush=True)
        checks = asyncio.run(verify_in_process(gql_app, floor_app, token))
        print(f"in-process: {args.repeats} × {args.requests} requests per scenario and side …", flush=True)
        measured = asyncio.run(measure_in_process(gql_app, floor_app, token, args.requests, args.repeats))
        print("timing the parts of a nested-page request …", flush=True)
        layers = asyncio.run(measure_layers(gql_app, floor_app, token))
        client, http_note = args.client, ""
        if client == "auto":
            client = "wrk" if shutil.which("wrk") else "python"
        if client == "wrk" and not shutil.which("wrk"):
            parser.error("--client wrk: wrk is not installed (apt-get install -y wrk)")
        if args.skip_http:
            http_note = "skipped (--skip-http)"
        else:
            print(f"over HTTP ({client}, {args.connections} connections, {args.duration:g} s runs) …", flush=True)
            measured += measure_http(url, token, client, args.connections, args.duration, args.repeats, workdir)
        profiles = []
        if args.profile_out:
            print(
                f"profiling {args.profile_requests} nested-page and {args.profile_requests * 10} by-id requests …",
                flush=True,
            )
            nested, by_id = scenarios()
            profiles = [
                profile_requests("GraphQL nested page", gql_app, nested.graphql, token, args.profile_requests, 40),
                profile_requests("GraphQL by id", gql_app, by_id.graphql, token, args.profile_requests * 10, 25),
            ]
            write_profiles(args.profile_out, profiles)
        gql_app.state.engine.dispose()
        floor_app.state.engine.dispose()
        floor_app.state.limit_engine.dispose()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report(
        measured,
        checks,
        layers,
        profiles,
        args.profile_out,
        db=db,
        db_state=db_state,
        requests=args.requests,
        duration=args.duration,
        connections=args.connections,
        repeats=args.repeats,
        client=client,
        http_note=http_note,
        load_start=load_start,
    )
    print(f"\n(total {time.perf_counter() - started:.0f} s; Python {sys.version.split()[0]}, {os.cpu_count()} CPUs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
