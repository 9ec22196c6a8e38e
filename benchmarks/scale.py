#!/usr/bin/env python
"""Lists at scale: every list, ordering, count and search at 10,000 and at 1,000,000 rows, through `/graphql`.

    python benchmarks/scale.py                        # SQLite, and PostgreSQL if a URL is set
    python benchmarks/scale.py --sizes 10000 1000000 --repeats 15 --postgres-url postgresql://postgres@127.0.0.1:54329/postgres
    python benchmarks/scale.py --only opportunities   # one list's scenarios

1. Seed (once, cached): for each size, every listed table (leads, accounts, contacts, opportunities,
   quotes, orders, invoices) gets that many rows, written by one INSERT … SELECT per table over a
   recursive CTE (SQLite) or generate_series (PostgreSQL), after `install(url)`; the list indexes and
   the text indexes are dropped for the load and built again after it, as the migration defines them.
   SQLite files and PostgreSQL databases are named after the size and a digest of the migrations and
   of this seed, under --cache-dir (default /tmp/salesflow-scale) and as `salesflow_scale_<size>_<digest>`,
   and reused by the next run; a schema change seeds again.
   The rows: 20 sales reps own 5 % each and one new rep owns 5 rows; statuses and stages in fixed
   shares (one status of 10 % at least per list); titles and names are two words and the row number,
   the words drawn from Latin, Persian and Turkish words so that each "common" word is in 10 % of the
   rows, and the three "rare" words (Zanzibar, کیمیاگر, Çağlayan) are in exactly 5 rows at any size.
   Search keys are made by the SQL from keys domain/normalize.py made for each pair of words (checked
   against `search_key` on a sample of rows before anything is timed).
2. Scenarios, each one GraphQL request in-process (httpx over ASGI into `create_app`), timed as the
   median of --repeats after two warm-ups, the two sizes interleaved request by request:
   - every list × every field it can be ordered by × both directions, first page of 20;
   - the default order with `totalCount` (and `totalCountCapped`); a page after a cursor in the
     middle of the list; a single status; as a sales rep (owner filter) with 5 % of the rows and as
     one with 5 rows, also ordered by a second field;
   - search (with and without `totalCount`): a rare and a common word in Latin, Persian and Turkish
     text (leads, accounts, contacts, opportunities), a rare number in ASCII and Persian digits and a
     common one (quotes, orders, invoices), and terms of one and two characters (common, rare, in no
     record), which the index of each key's characters and pairs serves (migration 0019);
   - peak memory (tracemalloc) of `first: 10` and `first: 100` at each size.
3. A table per backend: p50 at each size, the ratio, and the verdict against 1.5×.

Only the ratios of one run mean something on a shared machine; the load is printed with them.
"""

from __future__ import annotations

import os
import sys

# benchmarks/graphql.py would shadow the graphql-core package strawberry imports: this folder comes
# first on sys.path when this file runs as a script, so it is taken off before anything is imported.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import argparse
import asyncio
import hashlib
import json
import statistics
import time
import tracemalloc
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from salesflow.adapters.sql import SqlUnitOfWork, create_engine, install
from salesflow.adapters.sql import tables as t
from salesflow.adapters.sql.mapping import SEARCHED, search_key_of
from salesflow.adapters.sql.migrate import MIGRATIONS
from salesflow.gateway.app import create_app
from salesflow.gateway.settings import Settings
from salesflow.schema.core.pages import OrderDirection, encode_cursor, list_key
from salesflow.statemachine.users import create_token

TARGET = 1.5
SEED_VERSION = "1"
BASE = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
REPS = 20
#: Latin, Persian and Turkish words; the first three of FIRST are the common ones (10 % of rows each)
FIRST = ["Solar", "پارس", "Yılmaz", "Nordwind", "آفتاب", "Güneş", "Atlas", "مهر", "Deniz", "Kappa"]
SECOND = ["Trading", "بازرگانی", "Ticaret", "Logistics", "صنعت", "Nakliyat", "Systems", "گستر", "Gıda", "Partners"]
RARE = "Zanzibar کیمیاگر Çağlayan"
#: (label, text) of the searches of lists with names
WORDS = [
    ("rare latin", "zanzibar"),
    ("rare persian", "كيمياگر"),  # typed with the Arabic kaf and yeh: folded to the Persian letters
    ("rare turkish", "ÇAĞLAYAN"),
    ("common latin", "solar"),
    ("common persian", "پارس"),
    ("common turkish", "yilmaz"),
    ("1 char", "s"),
    ("1 char in no record", "q"),
    ("2 chars", "ar"),
    ("2 chars in 5 rows", "nz"),
    ("2 chars in no record", "zq"),
]
#: the text lists and their searched text field; the document lists are searched by number
TEXT_LISTS = {"leads": "title", "accounts": "name", "contacts": "name", "opportunities": "title"}
DOC_LISTS = {"quotes": "Q", "orders": "SO", "invoices": "INV"}
LISTS = (*TEXT_LISTS, *DOC_LISTS)
TABLES = {name: t.metadata.tables[name] for name in LISTS}
#: list -> (a status of at most 10 % of rows, its GraphQL enum value)
RARE_STATUS = {
    "leads": "DISQUALIFIED",
    "opportunities": "LOST",
    "quotes": "REJECTED",
    "orders": "CANCELED",
    "invoices": "DRAFT",
}


# --- seeding -----------------------------------------------------------------------------------------


def digest() -> str:
    """Of the migrations and this seed: a cached database made by another schema is not reused."""
    h = hashlib.sha256(SEED_VERSION.encode())
    for path in sorted((MIGRATIONS / "versions").glob("*.py")):
        h.update(path.read_bytes())
    return h.hexdigest()[:10]


def vocabulary() -> list[tuple[int, str, str]]:
    """(k, title without its number, search key of the title without its number): k < 100 the pairs
    of words, k = 100 the rare title. A row's title is the pair's and its number, its key the pair's
    key, a space and its number (checked in `check_keys`)."""
    out = [(k, f"{FIRST[k % 10]} {SECOND[k // 10]}", "") for k in range(100)] + [(100, RARE, "")]
    return [(k, title, search_key_of(("name",), {"name": title}.get)) for k, title, _ in out]


def statuses(table) -> list[str]:
    """Ten statuses, one per row number mod 10 (the last is the rare one of RARE_STATUS)."""
    return {
        "leads": ["new"] * 5 + ["working"] * 3 + ["converted", "disqualified"],
        "opportunities": ["open"] * 7 + ["won", "won", "lost"],
        "quotes": ["draft"] * 4 + ["sent"] * 3 + ["accepted", "accepted", "rejected"],
        "orders": ["open"] * 4 + ["partially_delivered"] * 2 + ["delivered"] * 3 + ["canceled"],
        "invoices": ["issued"] * 5 + ["partially_paid", "paid", "paid", "paid", "draft"],
    }.get(table)


class Dialect:
    """The SQL that differs between the two databases while seeding."""

    def __init__(self, name: str):
        self.name = name

    def series(self, n: int) -> str:
        if self.name == "sqlite":
            return f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) "
        return ""

    def source(self, n: int) -> str:
        return "s" if self.name == "sqlite" else f"generate_series(1, {n}) AS s(i)"

    def stamp(self, seconds: str) -> str:
        if self.name == "sqlite":
            return f"printf('%s.000000', datetime({BASE} + ({seconds}), 'unixepoch'))"
        return f"to_timestamp({BASE} + ({seconds}))"

    def number(self, prefix: str) -> str:
        if self.name == "sqlite":
            return f"printf('{prefix}/2026/%07d', i)"
        return f"'{prefix}/2026/' || lpad(i::text, 7, '0')"

    def cat(self, *parts: str) -> str:
        return " || ".join(parts) if self.name == "sqlite" else "concat(" + ", ".join(parts) + ")"

    def money(self, expression: str) -> str:
        """An amount in whole units as the store keeps it (SQLite: scaled by 10^4)."""
        return f"(({expression}) * 10000)" if self.name == "sqlite" else f"(({expression})::numeric)"

    def quantity(self, value: int) -> str:
        """A quantity or percentage as the store keeps it (SQLite: scaled by 10^6)."""
        return str(value * 10**6) if self.name == "sqlite" else str(value)

    def big(self, expression: str) -> str:
        """An integer wide enough for a product of row numbers (PostgreSQL's integer is 32 bits)."""
        return expression if self.name == "sqlite" else f"({expression})::bigint"

    def boolean(self, value: bool) -> str:
        return ("1" if value else "0") if self.name == "sqlite" else ("true" if value else "false")


def row_sql(name: str, n: int, d: Dialect, owners: tuple[int, int]) -> str:
    """INSERT … SELECT of n rows of table `name`."""
    first_rep, new_rep = owners
    rare_every = max(n // 5, 1)
    k = f"(CASE WHEN i % {rare_every} = 1 THEN 100 ELSE (i * 7) % 100 END)"
    owner = f"(CASE WHEN i % {rare_every} = 2 THEN {new_rep} ELSE {first_rep} + i % {REPS} END)"
    created = d.stamp("i")
    updated = d.stamp(f"{n} + ({d.big('i')} * 7919) % {n}")
    words = f"(SELECT title FROM scale_vocabulary v WHERE v.k = {k})"
    keyed = f"(SELECT key FROM scale_vocabulary v WHERE v.k = {k})"
    title = d.cat(words, "' '", "i")
    key = d.cat(keyed, "' '", "i")
    status = statuses(name)
    status_sql = "(CASE i % 10 " + " ".join(f"WHEN {j} THEN '{s}'" for j, s in enumerate(status or [])) + " END)"
    amount = d.money(f"({d.big('i')} * 104729) % 1000003")
    common = f"{owner}, 1, {created}, {updated}"
    doc = f"{status_sql}, {owner}, 1, {created}, {updated}"
    select = {
        "accounts": (
            "id, name, name_key, email, owner_id, version, created_at, updated_at, search_key",
            f"i, {title}, {key}, {d.cat(repr('c'), 'i', repr('@example.com'))}, {common}, "
            + d.cat(key, "char(10)" if d.name == "sqlite" else "chr(10)", repr("c"), "i", repr("@example.com")),
        ),
        "contacts": (
            "id, name, account_id, owner_id, version, created_at, updated_at, search_key",
            f"i, {title}, i, {common}, {key}",
        ),
        "leads": (
            "id, title, status, owner_id, version, created_at, updated_at, search_key",
            f"i, {title}, {doc}, {key}",
        ),
        "opportunities": (
            "id, title, stage_id, probability, amount, currency, account_id, live_orders, status, owner_id, "
            "version, created_at, updated_at, search_key",
            f"i, {title}, (SELECT min(id) FROM stages) + i % 5, {d.quantity(10)}, {amount}, 'EUR', i, 0, {doc}, {key}",
        ),
        "quotes": (
            "id, number, revision, kind, opportunity_id, is_latest, currency, subtotal, discount_total, "
            "tax_total, total, status, owner_id, version, created_at, updated_at, search_key",
            f"i, {d.number('Q')}, 0, 'proforma', i, {d.boolean(True)}, 'EUR', {amount}, 0, 0, {amount}, {doc}, "
            f"lower({d.number('Q')})",
        ),
        "orders": (
            "id, number, invoicing_policy, opportunity_id, quote_id, account_id, currency, subtotal, "
            "discount_total, tax_total, total, status, owner_id, version, created_at, updated_at, search_key",
            f"i, {d.number('SO')}, 'per_delivery', i, i, i, 'EUR', {amount}, 0, 0, {amount}, {doc}, "
            f"lower({d.number('SO')})",
        ),
        "invoices": (
            "id, number, order_id, account_id, amount_paid, currency, subtotal, discount_total, tax_total, total, "
            "status, owner_id, version, created_at, updated_at, search_key",
            f"i, (CASE WHEN i % 10 = 9 THEN NULL ELSE {d.number('INV')} END), i, i, "
            f"(CASE WHEN i % 10 IN (6, 7, 8) THEN {amount} ELSE 0 END), 'EUR', {amount}, 0, 0, {amount}, {doc}, "
            f"(CASE WHEN i % 10 = 9 THEN '' ELSE lower({d.number('INV')}) END)",
        ),
    }[name]
    return f"{d.series(n)}INSERT INTO {name} ({select[0]}) SELECT {select[1]} FROM {d.source(n)}"


def sql(conn, statement: str):
    """Run a statement as written (through text(), so psycopg is handed `%` escaped)."""
    return conn.execute(text(statement))


def list_indexes(conn, dialect: str) -> list[tuple[str, str]]:
    """(name, DDL) of the indexes and text-index triggers on the listed tables, but the unique ones."""
    names = "', '".join(LISTS)
    if dialect == "sqlite":
        rows = sql(
            conn,
            f"SELECT name, sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND tbl_name IN ('{names}') "
            "AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' AND name NOT LIKE '%immutable%' "
            "AND name NOT LIKE '%undeletable%'",
        ).all()
    else:
        rows = sql(
            conn,
            f"SELECT indexname, indexdef FROM pg_indexes WHERE tablename IN ('{names}') "
            "AND indexdef NOT LIKE 'CREATE UNIQUE%'",
        ).all()
    return [(r[0], r[1]) for r in rows]


def seed(url: str, n: int) -> float:
    """Install and fill a database at url with n rows per list; returns the seconds it took."""
    started = time.perf_counter()
    engine = install(url)
    engine.dispose()  # SQLite: the migrations' connection has its temp store open (temp_store is set below)
    dialect = Dialect(engine.dialect.name)
    uow = SqlUnitOfWork(engine)
    create_token(uow, "bench", "admin", "scale benchmark")
    reps = [create_token(uow, f"rep{r:02d}", "sales_rep", "scale benchmark").user.id for r in range(REPS)]
    new_rep = create_token(uow, "newrep", "sales_rep", "scale benchmark").user.id
    assert reps == list(range(reps[0], reps[0] + REPS)), reps
    with engine.begin() as conn:
        if dialect.name == "postgresql":
            sql(conn, "SET LOCAL session_replication_role = replica")  # no FK triggers for the load
            sql(conn, "SET LOCAL maintenance_work_mem = '256MB'")  # index builds sort in memory
        else:
            sql(conn, "PRAGMA cache_size = -524288")  # 512 MiB: index builds sort in memory
            sql(conn, "PRAGMA temp_store = MEMORY")
        dropped = list_indexes(conn, dialect.name)
        for name, _ddl in dropped:
            kind = "TRIGGER" if " TRIGGER " in _ddl else "INDEX"
            sql(conn, f"DROP {kind} {name}")
        sql(conn, "CREATE TABLE scale_vocabulary (k INTEGER PRIMARY KEY, title TEXT, key TEXT)")
        conn.execute(
            text("INSERT INTO scale_vocabulary VALUES (:k, :title, :key)"),
            [{"k": k, "title": title, "key": key} for k, title, key in vocabulary()],
        )
        for name in ("accounts", "contacts", "leads", "opportunities", "quotes", "orders", "invoices"):
            step = time.perf_counter()
            sql(conn, row_sql(name, n, dialect, (reps[0], new_rep)))
            print(f"  {name}: {n:,} rows in {time.perf_counter() - step:.1f} s", flush=True)
        sql(conn, "DROP TABLE scale_vocabulary")
        step = time.perf_counter()
        for _name, ddl in dropped:
            sql(conn, ddl)
        if dialect.name == "sqlite":
            for table in (*TABLES.values(), t.users):
                for index in (t.search_index(table), t.short_search_index(table)):
                    sql(conn, f"INSERT INTO {index}({index}) VALUES ('rebuild')")
        else:
            for table in TABLES:
                sql(conn, f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), {n})")
        print(f"  {len(dropped)} indexes and triggers built again in {time.perf_counter() - step:.1f} s", flush=True)
    if dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            # No ANALYZE: the store never runs it, so SQLite plans here as it does in production.
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
    else:
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")
    check_keys(engine)
    engine.dispose()
    return time.perf_counter() - started


def check_keys(engine) -> None:
    """The search keys the SQL wrote are those the store would write (a sample of every table)."""
    with engine.connect() as conn:
        for name, table in TABLES.items():
            columns = SEARCHED[name]
            rows = conn.execute(
                table.select()
                .with_only_columns(table.c.id, *(table.c[c] for c in columns), table.c.search_key)
                .where(table.c.id.in_([1, 2, 3, 7, 10, 11, 99]))
            ).all()
            for row in rows:
                values = dict(zip(columns, row[1:-1]))
                expected = search_key_of(columns, values.get)
                assert row[-1] == expected, (name, row, expected)


@dataclass
class Store:
    """A seeded database of one size on one backend, and the app over it."""

    backend: str
    size: int
    url: str
    state: str
    app: object = None
    client: httpx.AsyncClient = None
    tokens: dict = field(default_factory=dict)
    middle: dict = field(default_factory=dict)  # list -> (created_at, id) of a row in the middle


def sqlite_store(cache_dir: Path, n: int) -> Store:
    path = cache_dir / f"sqlite-{n}-{digest()}.db"
    if path.exists():
        return Store("sqlite", n, f"sqlite:///{path}", "reused")
    partial = path.with_suffix(".partial")
    for leftover in cache_dir.glob(partial.name + "*"):
        leftover.unlink()
    print(f"seeding {path} …", flush=True)
    seconds = seed(f"sqlite:///{partial}", n)
    partial.rename(path)
    return Store("sqlite", n, f"sqlite:///{path}", f"seeded in {seconds:.0f} s")


def postgres_store(admin_url: str, n: int) -> Store:
    name = f"salesflow_scale_{n}_{digest()}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        with admin.connect() as conn:
            if conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}).first():
                return Store("postgresql", n, url, "reused")
            partial = name + "_partial"
            conn.execute(text(f'DROP DATABASE IF EXISTS "{partial}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{partial}"'))
        print(f"seeding PostgreSQL database {name} …", flush=True)
        seconds = seed(make_url(admin_url).set(database=partial).render_as_string(hide_password=False), n)
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{partial}" RENAME TO "{name}"'))
        return Store("postgresql", n, url, f"seeded in {seconds:.0f} s")
    finally:
        admin.dispose()


def open_store(store: Store) -> None:
    store.app = create_app(Settings(database_url=store.url, max_cost=0))
    store.client = httpx.AsyncClient(transport=httpx.ASGITransport(app=store.app), base_url="http://bench")
    engine = create_engine(store.url)
    uow = SqlUnitOfWork(engine)
    store.tokens = {
        "admin": create_token(uow, "bench", "admin").secret,
        "rep": create_token(uow, "rep01", "sales_rep").secret,
        "newrep": create_token(uow, "newrep", "sales_rep").secret,
    }
    with engine.connect() as conn:
        for name, table in TABLES.items():
            row = conn.execute(select(table.c.created_at, table.c.id).where(table.c.id == store.size // 2)).one()
            store.middle[name] = tuple(row)
    engine.dispose()


# --- scenarios ---------------------------------------------------------------------------------------


@dataclass
class Scenario:
    name: str
    list: str
    args: str  # the list's arguments, with {after} where a cursor goes
    who: str = "admin"
    count: bool = False
    cursor: bool = False

    def query(self, store: Store, first: int = 20) -> str:
        args = self.args
        if self.cursor:
            created, ident = store.middle[self.list]
            cursor = encode_cursor(list_key(self.list, "created_at", OrderDirection.DESC), created, ident)
            args += f', after: "{cursor}"'
        total = " totalCount totalCountCapped" if self.count else ""
        inner = f"first: {first}" + (f", {args}" if args else "")
        return f"{{ {self.list}({inner}) {{ edges {{ cursor node {{ id }} }} pageInfo {{ hasNextPage }}{total} }} }}"


def orderings(name: str) -> list[str]:
    table = TABLES[name]
    return [c for c in t.SORTABLE if c in table.c]


def scenarios(only: set[str] | None) -> list[Scenario]:
    out = []
    for name in LISTS:
        if only and name not in only:
            continue
        for key in orderings(name):
            for direction in ("ASC", "DESC"):
                out.append(
                    Scenario(
                        f"order {key} {direction.lower()}",
                        name,
                        f"orderBy: {{field: {key.upper()}, direction: {direction}}}",
                    )
                )
        out.append(Scenario("with totalCount", name, "", count=True))
        out.append(Scenario("page after the middle", name, "", cursor=True))
        if name in RARE_STATUS:
            out.append(
                Scenario(
                    f"status {RARE_STATUS[name].lower()} (10 %)", name, f"filter: {{status: [{RARE_STATUS[name]}]}}"
                )
            )
            out.append(Scenario("status + totalCount", name, f"filter: {{status: [{RARE_STATUS[name]}]}}", count=True))
        second = orderings(name)[-1]
        out.append(Scenario("rep (5 %)", name, "", who="rep"))
        out.append(
            Scenario(
                f"rep (5 %) by {second}", name, f"orderBy: {{field: {second.upper()}, direction: DESC}}", who="rep"
            )
        )
        out.append(Scenario("rep (5 rows) + totalCount", name, "", who="newrep", count=True))
        out.append(
            Scenario(
                f"rep (5 rows) by {second}",
                name,
                f"orderBy: {{field: {second.upper()}, direction: DESC}}",
                who="newrep",
            )
        )
        searches = (
            WORDS
            if name in TEXT_LISTS
            else [
                ("rare number", "0000123"),
                ("rare number, Persian digits", "۰۰۰۰۱۲۳"),
                ("common number", f"{DOC_LISTS[name]}/2026"),
                ("1 char", "1"),
                ("1 char in no record", "ж"),
                ("2 chars in no record", "zq"),
            ]
        )
        for label, word in searches:
            for count in (False, True):
                out.append(
                    Scenario(
                        f"search {label}" + (" + totalCount" if count else ""),
                        name,
                        f"filter: {{search: {json.dumps(word, ensure_ascii=False)}}}",
                        count=count,
                    )
                )
    return out


async def timed(store: Store, scenario: Scenario) -> tuple[float, dict]:
    body = json.dumps({"query": scenario.query(store)}).encode()
    headers = {"Authorization": f"Bearer {store.tokens[scenario.who]}", "Content-Type": "application/json"}
    started = time.perf_counter()
    response = await store.client.post("/graphql", content=body, headers=headers)
    seconds = time.perf_counter() - started
    answer = response.json()
    if response.status_code != 200 or "errors" in answer:
        raise SystemExit(f"{scenario.list} {scenario.name}: {response.status_code} {answer}")
    return seconds * 1000, answer["data"][scenario.list]


async def measure(stores: list[Store], scenario: Scenario, repeats: int) -> list[tuple[float, dict]]:
    """(p50 ms, last answer) per store: two warm-ups each, then the stores in turn, request by request."""
    times = [[] for _ in stores]
    answers = [None] * len(stores)
    for _ in range(2):
        for store in stores:
            await timed(store, scenario)
    for _ in range(repeats):
        for i, store in enumerate(stores):
            ms, answers[i] = await timed(store, scenario)
            times[i].append(ms)
    return [(statistics.median(ts), a) for ts, a in zip(times, answers)]


async def peak_memory(store: Store, first: int) -> float:
    """Peak traced memory (KiB) of one request for a page of `first` opportunities with their fields."""
    query = (
        f"{{ opportunities(first: {first}) {{ edges {{ node {{ id title amount currency status createdAt "
        "updatedAt } } } }"
    )
    headers = {"Authorization": f"Bearer {store.tokens['admin']}"}
    await store.client.post("/graphql", json={"query": query}, headers=headers)  # warm
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        response = await store.client.post("/graphql", json={"query": query}, headers=headers)
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        tracemalloc.stop()
    assert len(response.json()["data"]["opportunities"]["edges"]) == first
    return peak / 1024


def describe(answer: dict) -> str:
    found = len(answer["edges"])
    if "totalCount" in answer:
        return f"{answer['totalCount']}{'+' if answer['totalCountCapped'] else ''}"
    return f"{found}{'+' if answer['pageInfo']['hasNextPage'] else ''}"


async def run_backend(stores: list[Store], repeats: int, only: set[str] | None) -> list[tuple]:
    for store in stores:
        open_store(store)
    small, large = stores
    print(
        f"\n{small.backend}: {small.size:,} rows ({small.state}) against {large.size:,} ({large.state}); "
        f"load {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    header = f"{'list':<14} {'query':<38} {small.size:>9,} {large.size:>11,} {'ratio':>6}  {'found':>13}  verdict"
    print(header)
    print("-" * len(header))
    rows = []
    for scenario in scenarios(only):
        (p_small, a_small), (p_large, a_large) = await measure(stores, scenario, repeats)
        ratio = p_large / p_small
        verdict = "ok" if ratio <= TARGET else "OVER"
        found = f"{describe(a_small)}/{describe(a_large)}"
        print(
            f"{scenario.list:<14} {scenario.name:<38} {p_small:>7.2f}ms {p_large:>9.2f}ms {ratio:>5.2f}×  {found:>13}  {verdict}",
            flush=True,
        )
        rows.append((scenario.list, scenario.name, p_small, p_large, ratio))
    over = [r for r in rows if r[4] > TARGET]
    print(f"\n{len(rows) - len(over)} of {len(rows)} within {TARGET}×; load now {os.getloadavg()[0]:.1f}")
    for first in (10, 100):
        peaks = [await peak_memory(store, first) for store in stores]
        print(
            f"peak memory of one page of first: {first}: {peaks[0]:,.0f} KiB at {small.size:,} rows, "
            f"{peaks[1]:,.0f} KiB at {large.size:,}"
        )
    for store in stores:
        await store.client.aclose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs=2, default=[10_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--cache-dir", type=Path, default=Path("/tmp/salesflow-scale"))
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--postgres-only", action="store_true")
    parser.add_argument("--only", nargs="*", choices=LISTS, help="these lists only")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("SALESFLOW_BENCH_POSTGRES_URL") or os.environ.get("SALESFLOW_TEST_POSTGRES_URL"),
    )
    args = parser.parse_args()
    only = set(args.only) if args.only else None
    args.cache_dir.mkdir(parents=True, exist_ok=True)
    if not args.postgres_only:
        stores = [sqlite_store(args.cache_dir, n) for n in args.sizes]
        asyncio.run(run_backend(stores, args.repeats, only))
    if args.sqlite_only:
        return
    if not args.postgres_url:
        print("\nPostgreSQL skipped: no --postgres-url (or SALESFLOW_BENCH_POSTGRES_URL)")
        return
    stores = [postgres_store(args.postgres_url, n) for n in args.sizes]
    asyncio.run(run_backend(stores, args.repeats, only))


if __name__ == "__main__":
    main()
