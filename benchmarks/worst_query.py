#!/usr/bin/env python
"""The worst queries we could build, before and after the cost limit: wall time and peak RSS of the server.

    python benchmarks/worst_query.py [--db PATH] [--rss-cap-mb MB] [--wall-cap S] [--only NAME,…]
                                     [--skip-calibration] [--json OUT]

1. Seed (once, cached) a SQLite file (default <tmp>/salesflow-bench-worst.db) shaped so the cost
   model's assumptions are all met at once: 100 accounts with 100 opportunities each (10,000), the
   100 newest quotes with 1,000 lines each (100,000 lines, MAX_LINES), one quote whose only line has
   a 5 MB description, and one opportunity with 5,000 transitions in its history.
2. For each mode, run `salesflow serve` (one uvicorn process) on that file:
   - before: `--max-cost 0 --query-timeout 0` (no cost limit, no deadline);
   - after: the defaults (SALESFLOW_MAX_COST, SALESFLOW_QUERY_TIMEOUT).
   Send each worst query once, over HTTP, and measure: wall time, the answer (status, size, error
   code, `extensions.cost`), the server's peak RSS during the query (VmHWM, reset before each query
   through /proc/<pid>/clear_refs) and the slowest `/healthz` answer while it ran. A server that
   passes --rss-cap-mb or whose query passes --wall-cap is killed (and restarted for the next query):
   that is reported as what it is, the query never finishing.
3. Calibration (the data behind the default budget): with the limit off, queries of two shapes at
   growing cost, to show time and memory per unit of cost. A page of quotes with all their lines
   fills the cost model's assumptions exactly (1,000 lines each): its cost is the values it answers,
   and `lines x19` is a query at the default budget. Accounts › opportunities › account ›
   opportunities holds 100 opportunities per account where the model assumes a default page (20)
   until those lists take `first`: compare its cost with the values it answers.

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
import json
import random
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import httpx
from sqlalchemy import func as sql_func
from sqlalchemy import select

from salesflow.adapters.sql import SqlUnitOfWork, create_engine, install
from salesflow.adapters.sql import tables as t
from salesflow.domain.lines import MAX_LINES
from salesflow.domain.money import document_totals, line_amounts
from salesflow.domain.normalize import company_key
from salesflow.schema.core.cost import DEFAULT_MAX_COST
from salesflow.statemachine.users import create_token

ACCOUNTS = 100
OPPORTUNITIES_PER_ACCOUNT = 100
LINE_QUOTES = 100  # the newest quotes, MAX_LINES lines each
BIG_TEXT_BYTES = 5 * 1024 * 1024
HISTORY = 5_000
CURRENCY = "EUR"
SEED = 20261122
DEFAULT_DB = os.path.join(tempfile.gettempdir(), "salesflow-bench-worst.db")
CLI = [sys.executable, "-m", "salesflow.gateway.cli"]
START_TIMEOUT_S = 60.0
LINE_FIELDS = "id description quantity unitPrice discountPercent taxRate netAmount taxAmount total"

EXPECTED_ROWS = {
    "accounts": ACCOUNTS,
    "opportunities": ACCOUNTS * OPPORTUNITIES_PER_ACCOUNT,
    "quotes": LINE_QUOTES + 1,
    "quote_lines": LINE_QUOTES * MAX_LINES + 1,
    "activities": HISTORY,
}


def gid(type_name: str, ident: int) -> str:
    return base64.b64encode(f"{type_name}:{ident}".encode()).decode()


def sqlite_url(path: str) -> str:
    return f"sqlite:///{os.path.abspath(path)}"


# --- seeding -----------------------------------------------------------------------------------------


def row_counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            name: conn.execute(select(sql_func.count()).select_from(t.metadata.tables[name])).scalar_one()
            for name in EXPECTED_ROWS
        }


def _line(quote_id: int, line_id: int, sequence: int, description: str, rng: random.Random) -> dict:
    qty, price, disc, tax = (
        rng.choice(["1", "2", "6.5", "12"]),
        rng.choice(["19.99", "85.00", "489.90"]),
        rng.choice(["0", "5", "7.5"]),
        rng.choice(["7", "19"]),
    )
    a = line_amounts(Decimal(qty), Decimal(price), Decimal(disc), Decimal(tax), CURRENCY)
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


@dataclass
class _Priced:  # what document_totals reads
    subtotal: Decimal
    discount_amount: Decimal
    tax_amount: Decimal


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
            # quote 1: one line with a 5 MB description; quotes 2..101: MAX_LINES lines each, the newest
            for q in range(1, LINE_QUOTES + 2):
                priced, count = [], 1 if q == 1 else MAX_LINES
                for seq in range(1, count + 1):
                    line_id += 1
                    text = "x" * BIG_TEXT_BYTES if q == 1 else f"Line {seq} of quote {q}: " + "widget " * 12
                    row = _line(q, line_id, seq, text, rng)
                    lines.append(row)
                    priced.append(_Priced(row["subtotal"], row["discount_amount"], row["tax_amount"]))
                totals = document_totals(priced, CURRENCY)
                stamp = base + timedelta(days=30, minutes=q)
                quotes.append(
                    {
                        "id": q,
                        "number": f"Q/2026/{q:05d}",
                        "revision": 0,
                        "kind": "proforma",
                        "opportunity_id": q,
                        "valid_until": date(2026, 12, 31),
                        "start_date": None,
                        "end_date": None,
                        "terms": None,
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
                if len(lines) >= 20_000:  # in batches: 100,000 lines at once would hold a lot of memory
                    conn.execute(t.quotes.insert(), quotes)
                    conn.execute(t.quote_lines.insert(), lines)
                    quotes, lines = [], []
            if quotes:
                conn.execute(t.quotes.insert(), quotes)
            if lines:
                conn.execute(t.quote_lines.insert(), lines)
            conn.execute(
                t.number_sequences.delete().where(
                    (t.number_sequences.c.series_code == "quote") & (t.number_sequences.c.year == 2026)
                )
            )
            conn.execute(
                t.number_sequences.insert().values(series_code="quote", year=2026, next_number=LINE_QUOTES + 2)
            )
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
    print(f"seeding {path} (first run only) …", flush=True)
    return f"seeded in {seed(path):.1f} s"


def bench_token(url: str) -> str:
    engine = create_engine(url)
    try:
        return create_token(SqlUnitOfWork(engine), "worst", "admin", "worst-query benchmark")[1]
    finally:
        engine.dispose()


# --- the worst queries ---------------------------------------------------------------------------------


@dataclass
class Query:
    name: str
    what: str
    text: str
    variables: dict = field(default_factory=dict)


def _nested(depth: int) -> str:
    """opportunities { id title account { opportunities { … } } }, `depth` lists deep."""
    inner = "id title"
    for _ in range(depth - 1):
        inner = f"id title account {{ opportunities {{ {inner} }} }}"
    return f"opportunities {{ {inner} }}"


def worst_queries() -> list[Query]:
    accounts = [gid("Account", a) for a in range(1, ACCOUNTS + 1)]
    lines_page = f"quotes(first: 100) {{ edges {{ node {{ number lines {{ {LINE_FIELDS} }} }} }} }}"
    history = "node(id: $id) { ... on Opportunity { history { at trigger fromState toState reason actor { name } } } }"
    return [
        Query(
            "nested_nodes",
            "nodes(100 accounts) › opportunities › account › opportunities › account › "
            "opportunities, no `first` anywhere",
            f"query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on Account {{ {_nested(3)} }} }} }}",
            {"ids": accounts},
        ),
        Query("lines_page", "a page of 100 quotes with all their lines (1,000 each)", "{ " + lines_page + " }"),
        Query(
            "aliased_lines", "15 aliases of that page", "{ " + " ".join(f"a{i}: {lines_page}" for i in range(15)) + " }"
        ),
        Query(
            "history",
            "15 aliases of an unpaginated history of 5,000 transitions",
            "query($id: ID!) { " + " ".join(f"h{i}: {history}" for i in range(15)) + " }",
            {"id": gid("Opportunity", 1)},
        ),
        Query(
            "big_text_repeated",
            "nodes(ids: the quote with a 5 MB line, 100 times) { lines { description } }",
            "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Quote { lines { description } } } }",
            {"ids": [gid("Quote", 1)] * 100},
        ),
    ]


def calibration_queries() -> list[Query]:
    """Two shapes at growing cost, for the budget: lines-heavy and nesting-heavy."""
    out = []
    for k in (1, 5, 10, 19, 50):  # 19 quotes of 1,000 lines: just under the default budget
        out.append(
            Query(
                f"lines x{k}",
                f"{k} quotes with all their lines",
                f"{{ quotes(first: {k}) {{ edges {{ node {{ number lines {{ {LINE_FIELDS} }} }} }} }} }}",
            )
        )
    for n in (1, 5, 10):
        out.append(
            Query(
                f"nested x{n}",
                f"nodes({n} accounts) › opportunities › account › opportunities",
                f"query($ids: [ID!]!) {{ nodes(ids: $ids) {{ ... on Account {{ {_nested(2)} }} }} }}",
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
    outcome: str  # answered | refused | killed (memory) | abandoned (wall cap)
    seconds: float
    status: int | None = None
    response_bytes: int = 0
    error_code: str | None = None
    cost: int | None = None
    values: int | None = None  # values in the answer's data (objects, scalars, list items)
    rss_before_mb: float = 0.0
    peak_rss_mb: float = 0.0
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
    peak = server.memory().get("VmHWM", 0) if server.alive else rss_cap_mb * 1024
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
        peak_rss_mb=round(peak / 1024, 1),
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
            result.outcome = "refused"
    return result


def run_mode(
    mode: str,
    args: list[str],
    url: str,
    token: str,
    queries: list[Query],
    workdir: str,
    wall_cap: float,
    rss_cap_mb: int,
) -> list[Result]:
    results = []
    server = Server(url, args, workdir).start()
    try:
        for query in queries:
            if not server.alive:
                server = Server(url, args, workdir).start()
            print(f"  {mode:<12} {query.name:<18} …", end="", flush=True)
            result = measure(server, mode, query, token, wall_cap, rss_cap_mb)
            print(f" {result.outcome}, {result.seconds:.2f} s, peak RSS {result.peak_rss_mb:.0f} MB", flush=True)
            results.append(result)
            if result.outcome != "answered" and result.outcome != "refused":
                server.stop()  # the request may still be running in there: start afresh
    finally:
        server.stop()
    return results


def table(results: list[Result]) -> str:
    head = (
        "| mode | query | outcome | s | HTTP | error code | cost | values | response MB | RSS before MB "
        "| peak RSS MB | slowest /healthz ms |\n|" + "---|" * 12
    )
    rows = [
        f"| {r.mode} | {r.query} | {r.outcome} | {r.seconds:.2f} | {r.status or ''} | {r.error_code or ''} "
        f"| {r.cost if r.cost is not None else ''} | {r.values if r.values is not None else ''} "
        f"| {r.response_bytes / 1e6:.1f} | {r.rss_before_mb:.0f} | {r.peak_rss_mb:.0f} | {r.slowest_healthz_ms:.0f} |"
        for r in results
    ]
    return "\n".join([head, *rows])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=DEFAULT_DB)
    parser.add_argument("--rss-cap-mb", type=int, default=3000, help="kill the server above this RSS (default 3000)")
    parser.add_argument("--wall-cap", type=float, default=60.0, help="give up on a query after this long (default 60)")
    parser.add_argument("--only", help="comma-separated query names (default: all)")
    parser.add_argument("--skip-calibration", action="store_true")
    parser.add_argument("--json", help="also write the results as JSON to this file")
    args = parser.parse_args(argv)

    state = prepare_database(args.db)
    url = sqlite_url(args.db)
    token = bench_token(url)
    print(f"database {args.db} ({state}); cost limit after: {DEFAULT_MAX_COST}", flush=True)
    queries = worst_queries()
    if args.only:
        wanted = set(args.only.split(","))
        queries = [q for q in queries if q.name in wanted]
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="salesflow-worst-") as workdir:
        results += run_mode(
            "before",
            ["--max-cost", "0", "--query-timeout", "0"],
            url,
            token,
            queries,
            workdir,
            args.wall_cap,
            args.rss_cap_mb,
        )
        results += run_mode("after", [], url, token, queries, workdir, args.wall_cap, args.rss_cap_mb)
        calibration: list[Result] = []
        if not args.skip_calibration:
            calibration = run_mode(
                "calibration",
                ["--max-cost", "0", "--query-timeout", "0"],
                url,
                token,
                calibration_queries(),
                workdir,
                args.wall_cap,
                args.rss_cap_mb,
            )
    print("\n## The worst queries, before (no cost limit, no deadline) and after (the defaults)\n")
    for q in queries:
        print(f"- `{q.name}`: {q.what}")
    print("\n" + table(results))
    if calibration:
        print("\n## Calibration: time and memory by cost (limit off)\n\n" + table(calibration))
    if args.json:
        with open(args.json, "w") as f:
            json.dump([asdict(r) for r in results + calibration], f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
