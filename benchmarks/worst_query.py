#!/usr/bin/env python
"""The worst queries we could build, before and after the limits: wall time and peak RSS of the server.

    python benchmarks/worst_query.py [--db PATH] [--repeats R] [--rss-cap-mb MB] [--wall-cap S]
                                     [--only NAME,…] [--skip-calibration] [--json OUT]

1. Seed (once, cached; about 4.6 GB, 1-2 minutes) a SQLite file (default <tmp>/salesflow-bench-worst.db)
   shaped so the cost model's assumptions are all met at once, and so are the store's worst legal
   records: 100 accounts with 100 opportunities each (10,000); the 100 newest quotes with 1,000 lines
   each (MAX_LINES) of short descriptions; 1,000 "heavy" quotes, 100 on each of 10 opportunities, with
   1,000 lines whose descriptions are as long as one request may write them (lines are given whole, so
   the 1 MiB body limit binds before the 2,000-character limit: 983 characters each); 40,000 quotes,
   100 on each of 400 opportunities, whose terms are the longest allowed (20,000 characters) of a
   character stored in 4 bytes (80 KB); one quote whose only line has a 5 MB description (only a
   direct INSERT can write that now); and one opportunity with 5,000 transitions in its history.
   Before measuring, a heavy quote and a long-terms quote are written through a real server with the
   default limits on a scratch database, to prove the API accepts them.
2. For each mode, every query runs on a fresh `salesflow serve` (one uvicorn process), so memory a
   query leaves behind is not charged to the next:
   - before: every limit off (`--max-cost 0 --query-timeout 0 --max-response-bytes 0 --max-read-bytes 0`:
     no price, no deadline, no answer or read budget; what the store reads lazily it reads lazily in
     both modes, so the old store's figures for queries that ask for no lines are not reproduced);
   - after: the defaults (SALESFLOW_MAX_COST, SALESFLOW_QUERY_TIMEOUT).
   Each query is sent once per repeat, over HTTP, and measured: wall time, the answer (status,
   size, error code, `extensions.cost`), the server's peak RSS during the query (VmHWM), its RSS
   once the answer is in (what it keeps), and the slowest `/healthz` answer meanwhile. A server
   that passes --rss-cap-mb or whose query passes --wall-cap is killed: that is reported as what it
   is, the query never finishing. With --repeats R the table gives the medians of R runs (modes and
   queries interleaved).
3. Calibration (the data behind the default budget): with the limit off, queries of two shapes at
   growing cost, to show time and memory per unit of cost. A page of quotes with all their lines
   fills the cost model's assumptions exactly (1,000 lines each): its cost is the values it answers,
   and `lines xN` with the largest N under the default budget is a query at the budget. Accounts ›
   opportunities › account › opportunities, each list with `first: 100`: its cost against the
   values it answers.

The server runs this checkout's code (`python -m salesflow.gateway.cli`, from the venv running this script).
"""

from __future__ import annotations

import os
import sys

# benchmarks/graphql.py would shadow the graphql-core package: take this folder off the path first.
_HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:] = [p for p in sys.path if os.path.abspath(p or os.curdir) != _HERE]

import argparse
import base64
import functools
import json
import random
import signal
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx
from graphql import parse
from sqlalchemy import func as sql_func
from sqlalchemy import select

from salesflow.adapters.sql import SqlUnitOfWork, create_engine, install
from salesflow.adapters.sql import tables as t
from salesflow.domain.lines import MAX_LINES
from salesflow.domain.money import document_totals, line_amounts
from salesflow.domain.normalize import company_key
from salesflow.domain.query import MAX_CHILDREN, MAX_PAGE
from salesflow.domain.text import MAX_LENGTH
from salesflow.gateway.limits import DEFAULT_MAX_BODY_BYTES
from salesflow.schema.core.cost import DEFAULT_MAX_COST, operation_cost
from salesflow.schema.schema import build_schema
from salesflow.statemachine.users import create_token

ACCOUNTS = 100
OPPORTUNITIES_PER_ACCOUNT = 100
# The quotes, in id order (also the order they were created in), and the opportunities they are on:
#   1                          one line of BIG_TEXT_BYTES                      opportunity 1
#   heavy (1,000)              1,000 lines of the longest descriptions         100 on each of opportunities 2..11
#   long terms (40,000)        no lines; terms of 20,000 four-byte characters  100 on each of opportunities 12..411
#   page (100), the newest     1,000 lines of short descriptions               one on each of opportunities 412..511
HEAVY_OPPORTUNITIES = 10
HEAVY_QUOTES = HEAVY_OPPORTUNITIES * MAX_CHILDREN
TERMS_OPPORTUNITIES = 400
TERMS_QUOTES = TERMS_OPPORTUNITIES * MAX_CHILDREN
PAGE_QUOTES = 100
FIRST_HEAVY_OPPORTUNITY = 2
FIRST_TERMS_OPPORTUNITY = FIRST_HEAVY_OPPORTUNITY + HEAVY_OPPORTUNITIES
FIRST_PAGE_OPPORTUNITY = FIRST_TERMS_OPPORTUNITY + TERMS_OPPORTUNITIES
FIRST_TERMS_QUOTE = 2 + HEAVY_QUOTES
FIRST_PAGE_QUOTE = FIRST_TERMS_QUOTE + TERMS_QUOTES
LAST_QUOTE = FIRST_PAGE_QUOTE + PAGE_QUOTES - 1
#: The longest terms a quote may have, in the character UTF-8 and Python both store in 4 bytes (80 KB).
LONG_TERMS = "\N{GRINNING FACE}" * MAX_LENGTH["terms"]
BIG_TEXT_BYTES = 5 * 1024 * 1024  # quote 1's only line (opportunity 1)
HISTORY = 5_000  # transitions of opportunity 1
CURRENCY = "EUR"
SEED = 20261122
DEFAULT_DB = os.path.join(tempfile.gettempdir(), "salesflow-bench-worst.db")
CLI = [sys.executable, "-m", "salesflow.gateway.cli"]
START_TIMEOUT_S = 60.0
LINE_FIELDS = "id description quantity unitPrice discountPercent taxRate netAmount taxAmount total"

#: A heavy line as a client would send it: the smallest numbers, so the description gets all the room.
HEAVY_LINE = {"quantity": "1", "unitPrice": "1", "taxRate": "19"}
CREATE_QUOTE = (
    "mutation($i: ConvertOpportunityToQuoteInput!) { convertOpportunityToQuote(input: $i) "
    "{ quote { id lines { id } } errors { code message } } }"
)

EXPECTED_ROWS = {
    "accounts": ACCOUNTS,
    "opportunities": ACCOUNTS * OPPORTUNITIES_PER_ACCOUNT,
    "quotes": LAST_QUOTE,
    "quote_lines": 1 + (HEAVY_QUOTES + PAGE_QUOTES) * MAX_LINES,
    "activities": HISTORY,
}


def gid(type_name: str, ident: int) -> str:
    return base64.b64encode(f"{type_name}:{ident}".encode()).decode()


def sqlite_url(path: str) -> str:
    return f"sqlite:///{os.path.abspath(path)}"


# --- the heaviest legal line ---------------------------------------------------------------------------


def heavy_quote_body(opportunity: str, description_chars: int) -> bytes:
    """The request that writes a quote of MAX_LINES heavy lines, as compact JSON."""
    line = {"description": heavy_description(description_chars), **HEAVY_LINE}
    variables = {"i": {"opportunityId": opportunity, "kind": "PROFORMA", "lines": [line] * MAX_LINES}}
    return json.dumps({"query": CREATE_QUOTE, "variables": variables}, separators=(",", ":")).encode()


def heavy_description(chars: int) -> str:
    phrase = "Heavy line, as long as one request may write a thousand of them. "
    return (phrase * (chars // len(phrase) + 1))[:chars]


def heavy_description_chars() -> int:
    """The longest description each of a document's MAX_LINES lines can have: one request writes them all
    (lines are given whole), so the body limit binds before the text limit does."""
    sample = gid("Opportunity", 2)
    empty = len(heavy_quote_body(sample, 0))
    chars = min(MAX_LENGTH["description"], (DEFAULT_MAX_BODY_BYTES - empty) // MAX_LINES)
    assert len(heavy_quote_body(sample, chars)) <= DEFAULT_MAX_BODY_BYTES
    return chars


# --- seeding -----------------------------------------------------------------------------------------


def row_counts(engine) -> dict[str, int]:
    """The seeded rows; of the activities, the opportunities' (each run adds a user's and a token's)."""
    with engine.connect() as conn:
        counts = {}
        for name in EXPECTED_ROWS:
            table = t.metadata.tables[name]
            query = select(sql_func.count()).select_from(table)
            if name == "activities":
                query = query.where(table.c.document_type == "opportunity")
            counts[name] = conn.execute(query).scalar_one()
        return counts


@functools.cache
def _amounts(qty: str, price: str, disc: str, tax: str):
    return line_amounts(Decimal(qty), Decimal(price), Decimal(disc), Decimal(tax), CURRENCY)


def _line(quote_id: int, line_id: int, sequence: int, description: str, amounts: tuple[str, str, str, str]) -> dict:
    qty, price, disc, tax = amounts
    a = _amounts(*amounts)
    return {
        "id": line_id,
        "quote_id": quote_id,
        "sequence": sequence,
        "description": description,
        "product_code": None,
        "quantity": Decimal(qty),
        "unit_price": Decimal(price),
        "discount_percent": Decimal(disc),
        "tax_rate": Decimal(tax),
        "subtotal": a.gross,
        "discount_amount": a.discount,
        "net_amount": a.net,
        "tax_amount": a.tax,
        "total": a.total,
    }


def _random_amounts(rng: random.Random) -> tuple[str, str, str, str]:
    return (
        rng.choice(["1", "2", "6.5", "12"]),
        rng.choice(["19.99", "85.00", "489.90"]),
        rng.choice(["0", "5", "7.5"]),
        rng.choice(["7", "19"]),
    )


@dataclass
class _Priced:  # what document_totals reads
    subtotal: Decimal
    discount_amount: Decimal
    tax_amount: Decimal


def _quote_lines(q: int, first_line_id: int, rng: random.Random, heavy_text: str) -> list[dict]:
    """Quote q's lines (see the table of quotes at the top)."""
    if q == 1:
        return [_line(q, first_line_id, 1, "x" * BIG_TEXT_BYTES, _random_amounts(rng))]
    if FIRST_TERMS_QUOTE <= q < FIRST_PAGE_QUOTE:
        return []
    heavy = q < FIRST_TERMS_QUOTE
    heavy_amounts = (HEAVY_LINE["quantity"], HEAVY_LINE["unitPrice"], "0", HEAVY_LINE["taxRate"])
    return [
        _line(
            q,
            first_line_id + i,
            i + 1,
            heavy_text if heavy else f"Line {i + 1} of quote {q}: " + "widget " * 12,
            heavy_amounts if heavy else _random_amounts(rng),
        )
        for i in range(MAX_LINES)
    ]


def _quote_opportunity(q: int) -> int:
    if q == 1:
        return 1
    if q < FIRST_TERMS_QUOTE:
        return FIRST_HEAVY_OPPORTUNITY + (q - 2) // MAX_CHILDREN
    if q < FIRST_PAGE_QUOTE:
        return FIRST_TERMS_OPPORTUNITY + (q - FIRST_TERMS_QUOTE) // MAX_CHILDREN
    return FIRST_PAGE_OPPORTUNITY + (q - FIRST_PAGE_QUOTE)


def seed(path: str) -> float:
    """Write the database to path (through path.partial, renamed when complete); returns seconds."""
    started = time.perf_counter()
    partial = path + ".partial"
    for leftover in (partial, partial + "-wal", partial + "-shm"):
        if os.path.exists(leftover):
            os.remove(leftover)
    engine = install(sqlite_url(partial))
    rng = random.Random(SEED)
    base = datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    heavy_text = heavy_description(heavy_description_chars())
    try:
        with engine.begin() as conn:
            stage_id, probability = conn.execute(
                select(t.stages.c.id, t.stages.c.probability).where(t.stages.c.active).order_by(t.stages.c.sequence)
            ).first()
            accounts, opportunities = [], []
            for a in range(1, ACCOUNTS + 1):
                name = f"Worst Account {a:03d} GmbH"
                accounts.append(
                    {
                        "id": a,
                        "name": name,
                        "name_key": company_key(name),
                        "email": None,
                        "phone": None,
                        "website": None,
                        "owner_id": None,
                        "version": 1,
                        "created_at": base,
                        "updated_at": base,
                    }
                )
                for k in range(OPPORTUNITIES_PER_ACCOUNT):
                    o = (a - 1) * OPPORTUNITIES_PER_ACCOUNT + k + 1
                    stamp = base + timedelta(minutes=o)
                    opportunities.append(
                        {
                            "id": o,
                            "title": f"Deal {o:05d}",
                            "stage_id": stage_id,
                            "probability": probability,
                            "amount": Decimal("1000.00"),
                            "currency": CURRENCY,
                            "account_id": a,
                            "contact_id": None,
                            "lead_id": None,
                            "lost_reason": None,
                            "expected_close": date(2026, 12, 1),
                            "live_orders": 0,
                            "status": "open",
                            "owner_id": None,
                            "version": 1,
                            "created_at": stamp,
                            "updated_at": stamp,
                        }
                    )
            conn.execute(t.accounts.insert(), accounts)
            conn.execute(t.opportunities.insert(), opportunities)

            quotes, lines = [], []
            line_id = 0
            last = LAST_QUOTE
            for q in range(1, last + 1):  # in id order, which is also the order they were created in
                rows = _quote_lines(q, line_id + 1, rng, heavy_text)
                line_id += len(rows)
                lines += rows
                totals = document_totals(
                    [_Priced(r["subtotal"], r["discount_amount"], r["tax_amount"]) for r in rows], CURRENCY
                )
                stamp = base + timedelta(days=30, minutes=q)
                quotes.append(
                    {
                        "id": q,
                        "number": f"Q/2026/{q:05d}",
                        "revision": 0,
                        "kind": "proforma",
                        "opportunity_id": _quote_opportunity(q),
                        "valid_until": date(2026, 12, 31),
                        "start_date": None,
                        "end_date": None,
                        "terms": LONG_TERMS if FIRST_TERMS_QUOTE <= q < FIRST_PAGE_QUOTE else None,
                        "previous_revision_id": None,
                        "is_latest": True,
                        "currency": CURRENCY,
                        "subtotal": totals.subtotal,
                        "discount_total": totals.discount_total,
                        "tax_total": totals.tax_total,
                        "total": totals.total,
                        "status": "draft",
                        "owner_id": None,
                        "version": 1,
                        "created_at": stamp,
                        "updated_at": stamp,
                    }
                )
                if len(lines) >= 20_000 or len(quotes) >= 1_000 or q == last:  # in batches, to hold little
                    conn.execute(t.quotes.insert(), quotes)
                    if lines:
                        conn.execute(t.quote_lines.insert(), lines)
                    quotes, lines = [], []
            conn.execute(
                t.number_sequences.delete().where(
                    (t.number_sequences.c.series_code == "quote") & (t.number_sequences.c.year == 2026)
                )
            )
            conn.execute(t.number_sequences.insert().values(series_code="quote", year=2026, next_number=last + 1))
            # an opportunity moved back and forth between two stages, thousands of times
            conn.execute(
                t.activities.insert(),
                [
                    {
                        "document_type": "opportunity",
                        "document_id": 1,
                        "trigger": "move_stage",
                        "from_state": "open",
                        "to_state": "open",
                        "actor_id": None,
                        "at": base + timedelta(hours=i),
                        "reason": f"move {i}",
                        "txid": None,
                    }
                    for i in range(HISTORY)
                ],
            )
        counts = row_counts(engine)
        raw = engine.raw_connection()
        try:
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()
    finally:
        engine.dispose()
    if counts != EXPECTED_ROWS:
        raise RuntimeError(f"seeded {counts}, expected {EXPECTED_ROWS}")
    for leftover in (partial + "-wal", partial + "-shm"):
        if os.path.exists(leftover):
            os.remove(leftover)
    os.replace(partial, path)
    return time.perf_counter() - started


def prepare_database(path: str) -> str:
    if os.path.exists(path):
        engine = install(sqlite_url(path))
        try:
            counts = row_counts(engine)
        finally:
            engine.dispose()
        if counts != EXPECTED_ROWS:
            raise SystemExit(f"{path} is not this benchmark's database ({counts}); delete it or pass another --db")
        return "reused"
    print(f"seeding {path} (first run only: about 4.6 GB, 1-2 minutes) …", flush=True)
    return f"seeded in {seed(path):.1f} s"


def bench_token(url: str) -> str:
    engine = create_engine(url)
    try:
        return create_token(SqlUnitOfWork(engine), "worst", "admin", "worst-query benchmark")[1]
    finally:
        engine.dispose()


def prove_the_seed_is_legal(workdir: str) -> str:
    """Write a heavy quote and a long-terms quote through a real server with the default limits, on a
    scratch database: the benchmark database's quotes are what any client may write."""
    url = sqlite_url(os.path.join(workdir, "scratch.db"))
    install(url).dispose()
    token = bench_token(url)
    server = Server(url, [], workdir).start()
    try:
        with httpx.Client(base_url=server.base, timeout=60, trust_env=False) as http:
            auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

            def written(body: bytes) -> dict:
                answer = http.post("/graphql", content=body, headers=auth).json()
                payload = (answer.get("data") or {}).get("convertOpportunityToQuote") or {}
                if answer.get("errors") or payload.get("errors") or not payload.get("quote"):
                    raise RuntimeError(f"the API refused a quote the benchmark seeds: {str(answer)[:500]}")
                return payload["quote"]

            made = http.post(
                "/graphql",
                json={
                    "query": "mutation($i: CreateOpportunityInput!) { createOpportunity(input: $i) "
                    "{ opportunity { id } errors { code message } } }",
                    "variables": {"i": {"title": "Heavy", "currency": CURRENCY}},
                },
                headers=auth,
            ).json()
            opportunity = made["data"]["createOpportunity"]["opportunity"]["id"]
            chars = heavy_description_chars()
            body = heavy_quote_body(opportunity, chars)
            if len(written(body)["lines"]) != MAX_LINES:
                raise RuntimeError("the heavy quote was not written whole")
            too_big = http.post("/graphql", content=heavy_quote_body(opportunity, chars + 1), headers=auth)
            if too_big.status_code != 413:
                raise RuntimeError(f"a body over the limit was answered {too_big.status_code}, not 413")
            variables = {"i": {"opportunityId": opportunity, "kind": "PROFORMA", "terms": LONG_TERMS}}
            written(json.dumps({"query": CREATE_QUOTE, "variables": variables}).encode())
    finally:
        server.stop()
    return (
        f"written through the API with the default limits: a quote of {MAX_LINES:,} lines of {chars:,}-character "
        f"descriptions ({len(body):,}-byte request; one more character per line is refused, 413) and a quote "
        f"whose terms are {len(LONG_TERMS):,} four-byte characters"
    )


# --- the worst queries ---------------------------------------------------------------------------------


@dataclass
class Query:
    name: str
    what: str
    text: str
    variables: dict = field(default_factory=dict)


def _nested(depth: int, first: str = "") -> str:
    """opportunities { id title account { opportunities { … } } }, `depth` lists deep."""
    inner = "id title"
    for _ in range(depth - 1):
        inner = f"id title account {{ opportunities{first} {{ {inner} }} }}"
    return f"opportunities{first} {{ {inner} }}"


def _lines_page(quotes: int) -> str:
    return f"quotes(first: {quotes}) {{ edges {{ node {{ number lines {{ {LINE_FIELDS} }} }} }} }}"


_SCHEMA = None


def cost(query: Query) -> int:
    global _SCHEMA
    if _SCHEMA is None:
        _SCHEMA = build_schema()._schema
    return operation_cost(_SCHEMA, parse(query.text), None, query.variables)


def quotes_at_budget() -> int:
    """The most quotes a page with all the fields of all their lines may hold under the default budget."""
    n = 1
    while cost(Query("", "", "{ " + _lines_page(n + 1) + " }")) <= DEFAULT_MAX_COST:
        n += 1
    return n


def _asked_terms(opportunities: int) -> Query:
    ids = [gid("Opportunity", FIRST_TERMS_OPPORTUNITY + i) for i in range(opportunities)]
    return Query(
        "asked_terms",
        f"`nodes({opportunities} opportunities) {{ ... on Opportunity {{ quotes(first: 100) {{ terms }} }} }}`, the "
        "most under the default budget: the terms of "
        f"{opportunities * MAX_CHILDREN:,} quotes, 80 KB each",
        "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Opportunity "
        f"{{ quotes(first: {MAX_CHILDREN}) {{ terms }} }} }} }}",
        {"ids": ids},
    )


def opportunities_at_budget() -> int:
    """The most long-terms opportunities whose quotes' terms one query may ask for under the default budget."""
    n = 1
    while n < min(TERMS_OPPORTUNITIES, MAX_PAGE) and cost(_asked_terms(n + 1)) <= DEFAULT_MAX_COST:
        n += 1
    return n


def worst_queries() -> list[Query]:
    accounts = [gid("Account", a) for a in range(1, ACCOUNTS + 1)]
    at_budget = quotes_at_budget()
    heavy_counts = " ".join(
        f'h{k}: quotes(first: {MAX_CHILDREN}, filter: {{opportunityId: "{gid("Opportunity", FIRST_HEAVY_OPPORTUNITY + k)}"}}) '
        "{ totalCount }"
        for k in range(HEAVY_OPPORTUNITIES)
    )
    return [
        Query(
            "nested_nodes",
            "nodes(100 accounts) › opportunities › account › opportunities › account › "
            "opportunities, no `first` (20 each)",
            f"query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on Account {{ {_nested(3)} }} }} }}",
            {"ids": accounts},
        ),
        Query("lines_page", "a page of 100 quotes with all their lines (1,000 each)", "{ " + _lines_page(100) + " }"),
        Query(
            "aliased_lines",
            "15 aliases of that page",
            "{ " + " ".join(f"a{i}: {_lines_page(100)}" for i in range(15)) + " }",
        ),
        Query(
            "budget_lines",
            f"the largest such page under the default budget: {at_budget} quotes with all their lines",
            "{ " + _lines_page(at_budget) + " }",
        ),
        Query(
            "unasked_lines",
            "`{ quotes(first: 100) { totalCount } }`: no line asked for, but the page's quotes load theirs",
            "{ quotes(first: 100) { totalCount } }",
        ),
        Query(
            "unasked_heavy",
            f"{HEAVY_OPPORTUNITIES} aliases of `quotes(first: 100, filter: {{opportunityId}}) {{ totalCount }}`, "
            f"one per opportunity with 100 heavy quotes: {HEAVY_QUOTES * MAX_LINES:,} lines of about 1 KB loaded",
            "{ " + heavy_counts + " }",
        ),
        Query(
            "unasked_terms",
            f"{TERMS_OPPORTUNITIES // MAX_PAGE} aliases of `nodes(100 opportunities) {{ ... on Opportunity "
            "{ quotes(first: 100) { id } } }`: no terms asked for, but each of the "
            f"{TERMS_QUOTES:,} quotes loads its 80 KB of terms",
            "query("
            + ", ".join(f"$o{k}: [ID!]!" for k in range(TERMS_OPPORTUNITIES // MAX_PAGE))
            + ") { "
            + " ".join(
                f"t{k}: nodes(ids: $o{k}) {{ ... on Opportunity {{ quotes(first: {MAX_CHILDREN}) {{ id }} }} }}"
                for k in range(TERMS_OPPORTUNITIES // MAX_PAGE)
            )
            + " }",
            {
                f"o{k}": [gid("Opportunity", FIRST_TERMS_OPPORTUNITY + k * MAX_PAGE + i) for i in range(MAX_PAGE)]
                for k in range(TERMS_OPPORTUNITIES // MAX_PAGE)
            },
        ),
        _asked_terms(opportunities_at_budget()),
        Query(
            "big_text",
            "`node(id) { id }` of the quote whose only line holds 5 MB (written by a direct INSERT)",
            "query($id: ID!) { node(id: $id) { id } }",
            {"id": gid("Quote", 1)},
        ),
    ]


def calibration_queries() -> list[Query]:
    """Two shapes at growing cost, for the budget: lines-heavy and nesting-heavy."""
    out = []
    for k in sorted({1, 5, 10, quotes_at_budget(), 50}):
        out.append(Query(f"lines x{k}", f"{k} quotes with all their lines", "{ " + _lines_page(k) + " }"))
    for n in (1, 5, 10):
        out.append(
            Query(
                f"nested x{n}",
                f"nodes({n} accounts) › opportunities(first: 100) › account › opportunities(first: 100)",
                f"query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on Account {{ {_nested(2, '(first: 100)')} }} }} }}",
                {"ids": [gid("Account", a) for a in range(1, n + 1)]},
            )
        )
    return out


# --- the server ----------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _status(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of a process, in kB."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("VmRSS:", "VmHWM:")):
                name, value = line.split(":", 1)
                out[name] = int(value.split()[0])
    return out


class Server:
    """`salesflow serve` in its own process group (one uvicorn process: the worker is the process)."""

    def __init__(self, url: str, args: list[str], workdir: str):
        self.url, self.args, self.workdir = url, args, workdir
        self.process: subprocess.Popen | None = None

    def start(self) -> Server:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if not k.startswith("SALESFLOW_")}
        with open(os.path.join(self.workdir, f"serve-{self.port}.log"), "wb") as log:
            self.process = subprocess.Popen(
                CLI
                + [
                    "serve",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(self.port),
                    "--database-url",
                    self.url,
                    "--no-ide",
                    *self.args,
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
                cwd=self.workdir,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"salesflow serve exited with {self.process.returncode}")
            try:
                if httpx.get(self.base + "/readyz", timeout=2, trust_env=False).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("salesflow serve did not start")

    @property
    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def reset_peak(self) -> None:
        with open(f"/proc/{self.process.pid}/clear_refs", "w") as f:
            f.write("5")  # resets VmHWM to the current RSS (Linux ≥ 4.0)

    def memory(self) -> dict[str, int]:
        return _status(self.process.pid)

    def stop(self) -> None:
        if self.process is None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.process.wait(timeout=10)
                break
            except subprocess.TimeoutExpired:
                continue
        self.process = None


# --- measuring -----------------------------------------------------------------------------------------


@dataclass
class Result:
    mode: str
    query: str
    outcome: str  # answered | refused | timed out | killed (memory cap) | abandoned (wall cap)
    seconds: float
    status: int | None = None
    response_bytes: int = 0
    error_code: str | None = None
    cost: int | None = None
    values: int | None = None  # values in the answer's data (objects, scalars, list items)
    rss_before_mb: float = 0.0
    peak_rss_mb: float = 0.0
    rss_after_mb: float = 0.0  # once the answer is in: what the server keeps
    slowest_healthz_ms: float = 0.0


def count_values(data) -> int:
    if isinstance(data, dict):
        return sum(1 + (count_values(v) if isinstance(v, (dict, list)) else 0) for v in data.values())
    if isinstance(data, list):
        return sum(count_values(v) if isinstance(v, (dict, list)) else 1 for v in data)
    return 0


#: Run in its own process, so that reading a large answer here never delays a probe: asks /healthz every
#: 50 ms until its stdin closes, then prints the slowest answer in seconds.
PROBE = """
import sys, threading, time, httpx
done = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
slowest = 0.0
with httpx.Client(base_url=sys.argv[1], timeout=30, trust_env=False) as http:
    http.get("/healthz")
    print("ready", flush=True)
    while not done.is_set():
        started = time.perf_counter()
        try:
            http.get("/healthz")
        except httpx.TransportError:
            break
        slowest = max(slowest, time.perf_counter() - started)
        done.wait(0.05)
print(slowest, flush=True)
"""


class Watch(threading.Thread):
    """While a query runs: kill the server above the RSS cap; a separate process times /healthz."""

    def __init__(self, server: Server, rss_cap_kb: int):
        super().__init__(daemon=True)
        self.server, self.rss_cap_kb = server, rss_cap_kb
        self.done = threading.Event()
        self.killed = False
        self.slowest_healthz = 0.0
        self.prober = subprocess.Popen(
            [sys.executable, "-c", PROBE, server.base], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.prober.stdout.readline()  # "ready": its connection is open

    def run(self) -> None:
        while not self.done.is_set() and self.server.alive:
            try:
                if self.server.memory().get("VmRSS", 0) > self.rss_cap_kb:
                    self.killed = True
                    os.killpg(self.server.process.pid, signal.SIGKILL)
                    return
            except OSError:
                return
            self.done.wait(0.05)

    def stop(self) -> None:
        self.done.set()
        self.join(timeout=5)
        out, _ = self.prober.communicate("", timeout=60)
        lines = out.split()
        self.slowest_healthz = float(lines[-1]) if lines else 0.0


def measure(server: Server, mode: str, query: Query, token: str, wall_cap: float, rss_cap_mb: int) -> Result:
    server.reset_peak()
    before = server.memory()["VmRSS"]
    watch = Watch(server, rss_cap_mb * 1024)
    watch.start()
    body, status = bytearray(), None
    started = time.perf_counter()
    outcome = "answered"
    try:
        with (
            httpx.Client(timeout=wall_cap, trust_env=False) as http,
            http.stream(
                "POST",
                server.base + "/graphql",
                json={"query": query.text, "variables": query.variables},
                headers={"Authorization": f"Bearer {token}"},
            ) as response,
        ):
            status = response.status_code
            for chunk in response.iter_bytes():
                body += chunk
    except httpx.TimeoutException:
        outcome = "abandoned (wall cap)"
    except httpx.TransportError:
        outcome = "killed (memory cap)" if watch.killed else "connection lost"
    seconds = time.perf_counter() - started
    memory = server.memory() if server.alive else {}
    watch.stop()
    if watch.killed:
        outcome = "killed (memory cap)"
    result = Result(
        mode=mode,
        query=query.name,
        outcome=outcome,
        seconds=round(seconds, 3),
        status=status,
        response_bytes=len(body),
        rss_before_mb=round(before / 1024, 1),
        peak_rss_mb=round(memory.get("VmHWM", rss_cap_mb * 1024) / 1024, 1),
        rss_after_mb=round(memory.get("VmRSS", 0) / 1024, 1),
        slowest_healthz_ms=round(watch.slowest_healthz * 1000, 1),
    )
    if outcome == "answered" and body:
        answer = json.loads(body)
        errors = answer.get("errors") or []
        result.error_code = (errors[0].get("extensions") or {}).get("code") if errors else None
        result.cost = ((answer.get("extensions") or {}).get("cost") or {}).get("requestedQueryCost")
        if result.cost is None and errors:
            result.cost = (errors[0].get("extensions") or {}).get("cost")
        result.values = count_values(answer.get("data")) if answer.get("data") else 0
        if answer.get("data") is None and errors:
            result.outcome = "timed out" if result.error_code == "TIMEOUT" else "refused"
    return result


def run_query(
    mode: str, args: list[str], url: str, token: str, query: Query, workdir: str, wall_cap: float, rss_cap_mb: int
) -> Result:
    """One query on a fresh server, so what an earlier query left in its memory is not charged to this one."""
    server = Server(url, args, workdir).start()
    try:
        print(f"  {mode:<12} {query.name:<16} …", end="", flush=True)
        result = measure(server, mode, query, token, wall_cap, rss_cap_mb)
        if result.cost is None:  # a TIMEOUT or a killed server says nothing of it: what the limit computes
            result.cost = cost(query)
        print(
            f" {result.outcome}{f' ({result.error_code})' if result.error_code else ''}, {result.seconds:.2f} s, "
            f"peak RSS {result.peak_rss_mb:.0f} MB",
            flush=True,
        )
        return result
    finally:
        server.stop()


def medians(results: list[Result]) -> list[Result]:
    """One row per (mode, query), in first-seen order: medians of the numbers, the outcomes counted."""
    groups: dict[tuple[str, str], list[Result]] = {}
    for r in results:
        groups.setdefault((r.mode, r.query), []).append(r)
    out = []
    for (mode, query), runs in groups.items():
        counts = Counter(r.outcome for r in runs)
        outcome = ", ".join(o if n == len(runs) else f"{o} ×{n}" for o, n in counts.items())

        def med(name: str, runs=runs):
            values = [getattr(r, name) for r in runs if getattr(r, name) is not None]
            return statistics.median(values) if values else None

        codes = {r.error_code for r in runs} - {None}
        out.append(
            Result(
                mode=mode,
                query=query,
                outcome=outcome,
                seconds=med("seconds"),
                status=runs[0].status,
                response_bytes=med("response_bytes"),
                error_code=", ".join(sorted(codes)) or None,
                cost=runs[0].cost if runs[0].cost is not None else next((r.cost for r in runs if r.cost), None),
                values=med("values"),
                rss_before_mb=med("rss_before_mb"),
                peak_rss_mb=med("peak_rss_mb"),
                rss_after_mb=med("rss_after_mb"),
                slowest_healthz_ms=med("slowest_healthz_ms"),
            )
        )
    return out


def table(results: list[Result]) -> str:
    head = (
        "| mode | query | outcome | s | error code | cost | values | response MB | RSS before MB "
        "| peak RSS MB | RSS after MB | slowest /healthz ms |\n|" + "---|" * 2 + "---|" + "---:|" * 9
    )
    rows = [
        f"| {r.mode} | {r.query} | {r.outcome} | {r.seconds:.2f} | {r.error_code or ''} "
        f"| {f'{r.cost:,}' if r.cost is not None else ''} | {f'{r.values:,.0f}' if r.values is not None else ''} "
        f"| {r.response_bytes / 1e6:.1f} | {r.rss_before_mb:.0f} | {r.peak_rss_mb:.0f} | {r.rss_after_mb:.0f} "
        f"| {r.slowest_healthz_ms:.0f} |"
        for r in results
    ]
    return "\n".join([head, *rows])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--repeats", type=int, default=3, help="runs of every query; medians reported (default 3)")
    parser.add_argument("--rss-cap-mb", type=int, default=6000, help="kill the server above this RSS (default 6000)")
    parser.add_argument("--wall-cap", type=float, default=60.0, help="give up on a query after this long (default 60)")
    parser.add_argument("--only", help="comma-separated query names (default: all)")
    parser.add_argument("--skip-calibration", action="store_true")
    parser.add_argument("--json", help="also write every run's results as JSON to this file")
    args = parser.parse_args(argv)

    started = time.perf_counter()
    load_at_start = os.getloadavg()
    state = prepare_database(args.db)
    url = sqlite_url(args.db)
    token = bench_token(url)
    print(f"database {args.db} ({state}); cost limit after: {DEFAULT_MAX_COST:,}", flush=True)
    queries = worst_queries()
    if args.only:
        wanted = set(args.only.split(","))
        queries = [q for q in queries if q.name in wanted]
    calibration_set = [] if args.skip_calibration else calibration_queries()
    no_limits = ["--max-cost", "0", "--query-timeout", "0", "--max-response-bytes", "0", "--max-read-bytes", "0"]
    modes = [("before", no_limits), ("after", [])]
    results: list[Result] = []
    calibration: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="salesflow-worst-") as workdir:
        legal = prove_the_seed_is_legal(workdir)
        print(legal, flush=True)
        for repeat in range(1, args.repeats + 1):
            print(f"repeat {repeat}/{args.repeats}", flush=True)
            for mode, mode_args in modes:
                for query in queries:
                    results.append(
                        run_query(mode, mode_args, url, token, query, workdir, args.wall_cap, args.rss_cap_mb)
                    )
            for query in calibration_set:
                calibration.append(
                    run_query("calibration", modes[0][1], url, token, query, workdir, args.wall_cap, args.rss_cap_mb)
                )
    load_at_end = os.getloadavg()
    print(
        f"\n{datetime.now(UTC):%Y-%m-%d %H:%M} UTC; {os.cpu_count()} CPUs; load average (1, 5, 15 min) "
        f"{' '.join(f'{x:.2f}' for x in load_at_start)} at the start, {' '.join(f'{x:.2f}' for x in load_at_end)} "
        f"at the end; {time.perf_counter() - started:.0f} s in all; {legal}."
    )
    print(f"\n## The worst queries, before (every limit off) and after (the defaults), medians of {args.repeats}\n")
    for q in queries:
        print(f"- `{q.name}`: {q.what}")
    print("\n" + table(medians(results)))
    print(
        "\n(cost: the answer's `extensions.cost`, or for an answer without one — a TIMEOUT, a killed server — what "
        "schema/core/cost.py computes; RSS after: the server's RSS once the answer is in)"
    )
    if calibration:
        print(f"\n## Calibration: time and memory by cost (limit off), medians of {args.repeats}\n")
        print(table(medians(calibration)))
    print("\n## Every run\n\n" + table(results + calibration))
    if args.json:
        with open(args.json, "w") as f:
            json.dump([asdict(r) for r in results + calibration], f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
