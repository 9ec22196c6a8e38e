#!/usr/bin/env python
"""Lifecycle benchmark: full lead-to-paid lifecycles per second against the raw driver, and the cost of an
allowed-actions check.

    python benchmarks/lifecycle.py [--sqlite-only] [--postgres-url URL] [--lifecycles N] [--repeats R]
                                   [--profile]

1. Lifecycles/s, salesflow against the raw driver. One lifecycle is the seed story of
   `salesflow.gateway.demo.run_story` (lead → contacted → converted → proforma → sent → revised with a
   discount → sent → accepted into an order → two deliveries → both invoices issued → one paid; 14
   operations, each its own transaction), played by the lean copy below with unique names so it can repeat
   on one database, and printing nothing.
   The limit is the same database work without our Python: every DB-API call salesflow makes while it plays
   N lifecycles is captured (SQLAlchemy's `before_cursor_execute`, with its parameters, and the `commit`
   and `rollback` events where a transaction ends; on SQLite the `BEGIN IMMEDIATE` is itself a statement,
   on PostgreSQL psycopg begins implicitly before the first statement, on both sides alike), then replayed
   on the driver's own connection (`sqlite3`, `psycopg`) against a second database installed the same way
   and kept in the same state: same statements with the same parameters, every result read, the same
   transactions and commits. Ids: each replay runs on a database in the state the captured run started
   from (both fresh, then fed the same statements), so the database hands out the same ids, numbers and
   sequence values, and the captured parameters that carry them are right as they stand: no remapping.
   Between the two, the same lifecycles' Core statements (SQLAlchemy's `before_execute`) are run again by
   SQLAlchemy alone on a third database kept in the same state: what SQLAlchemy costs, without salesflow.
   After the runs each replica is compared with salesflow's database: the row count of every table, and
   the content of every table the lifecycles wrote (without `txid`, the PostgreSQL transaction id), must
   be equal. R repeats, salesflow, Core and raw in turn; reported: median lifecycles/s of each, and the
   medians of the per-repeat ratios (time ÷ raw time), with the load average before and after.
   SQLite: fresh file databases in a temporary directory. PostgreSQL: fresh databases created on the
   server of --postgres-url (or $SALESFLOW_BENCH_POSTGRES_URL, or $SALESFLOW_TEST_POSTGRES_URL), which is
   only used as the admin connection, and dropped at the end.
2. µs per allowed-actions check: one document of each type, loaded from that database inside an open unit
   of work, in a state where its lifecycle has guarded routes; `LIFECYCLES[kind].allowed(doc, ctx)` timed
   with timeit; reported: median µs per check over the timeit repeats. The SQL statements one check issues
   are counted: a guard that may query the store (quote `opportunity_not_lost`, unless the opportunity
   is already loaded) runs against the real database through that open unit of work.

Targets: salesflow time ≤ 2× the raw driver's for the same lifecycles; < 50 µs per allowed-actions check.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import os
import pstats
import re
import shutil
import signal
import statistics
import sys
import tempfile
import time
import timeit
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.engine.interfaces import ExecuteStyle

import salesflow
from salesflow.adapters.sql import SqlUnitOfWork, create_engine, install
from salesflow.gateway.demo import STORY_LINES, with_furniture_discount
from salesflow.statemachine import LIFECYCLES, invoice, lead, order, quote
from salesflow.statemachine.engine import Context, utcnow

TARGET_RATIO = 2.0  # salesflow time ÷ the raw driver's, for the same lifecycles
TARGET_CHECK_US = 50.0  # per allowed-actions check
DEFAULT_LIFECYCLES = 50
DEFAULT_REPEATS = 7
WARMUP_LIFECYCLES = 2
#: Stop starting new repeats on a backend once its lifecycle runs (salesflow and raw) have taken this long (s).
LIFECYCLE_BUDGET_S = 30.0
#: timeit repeats per document (each of ≥ 0.2 s, as timeit's autorange picks the call count).
CHECK_REPEATS = 5
CONNECT_TIMEOUT_S = 5

_serial = itertools.count(1)


# --- the story ---------------------------------------------------------------------------------------


def _new_lead(uow):
    """A lead whose company, email and phone are unique, so converting it finds no duplicates."""
    n = next(_serial)
    return lead.create_lead(
        uow,
        f"Office fit-out #{n}",
        contact_name=f"Sara Ahmadi {n}",
        company_name=f"Parsian Trading {n} Ltd",
        email=f"sara.{n}@parsian{n}.example",
        phone=f"+98 21 {n:08d}",
        source="trade fair",
    )


def _sent_quote(uow):
    """Lead → contacted → converted → proforma with three lines → sent. Returns (lead, conversion, quote)."""
    new_lead = _new_lead(uow)
    lead.mark_lead_contacted(uow, new_lead.id)
    conv = lead.convert_lead(uow, new_lead.id, currency="EUR")
    valid_until = utcnow().date() + timedelta(days=30)
    draft = quote.convert_opportunity_to_quote(
        uow, conv.opportunity.id, "proforma", valid_until=valid_until, lines=STORY_LINES
    )
    quote.send_quote(uow, draft.id)
    return new_lead, conv, draft


def lifecycle(uow) -> dict:
    """One full lifecycle, the same operations as run_story: … → two invoices issued → one paid."""
    _, conv, draft = _sent_quote(uow)
    revised, old = quote.revise_quote(uow, draft.id)
    revised = quote.update_quote(
        uow,
        revised.id,
        lines=with_furniture_discount(revised.lines),
    )
    quote.send_quote(uow, revised.id)
    accepted = order.convert_quote_to_order(uow, revised.id)
    so = accepted.order
    desks, chairs, install_hours = so.lines
    first = order.record_delivery(
        uow, so.id, [dict(order_line_id=desks.id, quantity="12"), dict(order_line_id=chairs.id, quantity="5")]
    )
    second = order.record_delivery(
        uow, so.id, [dict(order_line_id=chairs.id, quantity="7"), dict(order_line_id=install_hours.id, quantity="6.5")]
    )
    issued = [invoice.issue_invoice(uow, stage.invoice.id) for stage in (first, second)]
    _, paid = invoice.record_payment(uow, issued[0].id, issued[0].total, reference="bank transfer 4711")
    assert paid.status == "paid" and issued[1].status == "issued", (paid.status, issued[1].status)
    return dict(opportunity=accepted.opportunity, order=so, invoices=[paid, issued[1]])


# --- measurements ------------------------------------------------------------------------------------


#: Where a captured transaction begins and ends (statements are tuples).
BEGIN, COMMIT, ROLLBACK = "BEGIN", "COMMIT", "ROLLBACK"


@dataclass
class Captured:
    """What salesflow asked for while it played some lifecycles, at two levels.

    `driver`: every DB-API call, (statement, parameters, executemany), and COMMIT/ROLLBACK where a
    transaction ended. `core`: every SQLAlchemy Core statement, (statement, parameters), between
    BEGIN and COMMIT/ROLLBACK. `checkouts`: pool checkouts (no pre-ping: a checkout polls the socket
    without a round trip, adapters/sql/engine.py).
    """

    driver: list = field(default_factory=list)
    core: list = field(default_factory=list)
    checkouts: int = 0


class Recorder:
    """Captures what an engine is asked to do (Captured), through SQLAlchemy's public events."""

    def __init__(self, engine: Engine):
        self.engine, self.captured = engine, Captured()
        self._listeners = [
            (engine, "before_cursor_execute", self._driver),
            (engine, "before_execute", self._core),
            (engine, "begin", lambda _conn: self.captured.core.append(BEGIN)),
            (engine, "commit", lambda _conn: self._end(COMMIT)),
            (engine, "rollback", lambda _conn: self._end(ROLLBACK)),
            (engine.pool, "checkout", self._checkout),
        ]
        for target, name, fn in self._listeners:
            event.listen(target, name, fn)

    def _driver(self, _conn, _cursor, statement, parameters, context, executemany) -> None:
        # insertmanyvalues batches (a multi-row INSERT … RETURNING) are flagged executemany, but each
        # batch is one cursor.execute of the rewritten statement: replay the call the driver got.
        many = executemany and context.execute_style is ExecuteStyle.EXECUTEMANY
        self.captured.driver.append((statement, parameters, many))

    def _core(self, _conn, statement, multiparams, params, _options) -> None:
        if isinstance(statement, str):
            # Only the engine's `begin` hook sends text (SQLite's BEGIN IMMEDIATE): the replica's
            # own hook sends it again when the Core replay begins. Anything else is a surprise.
            if not statement.startswith("BEGIN"):
                raise AssertionError(f"unexpected text statement in a lifecycle: {statement!r}")
            return
        self.captured.core.append((statement, multiparams or params))

    def _end(self, how: str) -> None:
        self.captured.driver.append(how)
        self.captured.core.append(how)

    def _checkout(self, *_args) -> None:
        self.captured.checkouts += 1

    def take(self) -> Captured:
        """What was captured since the last take."""
        captured, self.captured = self.captured, Captured()
        return captured

    def close(self) -> None:
        for target, name, fn in self._listeners:
            event.remove(target, name, fn)


def raw_connection(engine: Engine):
    """The driver's own connection (sqlite3 / psycopg), detached from the engine's pool.

    It is made by the engine's connect hook, so it is set up as salesflow's are (SQLite: WAL, foreign keys,
    synchronous=NORMAL, busy timeout); only SQLite's progress handler, our deadline check in Python, is
    taken off. On PostgreSQL it is psycopg's plain connection, not in autocommit: psycopg sends BEGIN
    before a transaction's first statement, as it does under SQLAlchemy.
    """
    fairy = engine.raw_connection()
    connection = fairy.driver_connection
    fairy.detach()  # ours now: the pool will neither reset nor reuse it
    if engine.dialect.name == "sqlite":
        connection.set_progress_handler(None, 0)
    return connection


def replay(connection, ops: list) -> None:
    """Make the captured driver calls on the driver connection, reading every result as the application does."""
    cursor = connection.cursor()
    for op in ops:
        if op is COMMIT:
            connection.commit()
        elif op is ROLLBACK:
            connection.rollback()
        else:
            statement, parameters, many = op
            if many:
                cursor.executemany(statement, parameters)
            else:
                cursor.execute(statement, parameters)
                if cursor.description is not None:
                    cursor.fetchall()
    cursor.close()


def replay_core(engine: Engine, ops: list) -> None:
    """Run the captured Core statements through SQLAlchemy alone: a pooled connection and a transaction
    per captured one (the engine's hooks run, as for salesflow), every result read into rows."""
    connection = None
    for op in ops:
        if op is BEGIN:
            connection = engine.connect()
            connection.begin()
        elif op is COMMIT or op is ROLLBACK:
            connection.commit() if op is COMMIT else connection.rollback()
            connection.close()
            connection = None
        else:
            result = connection.execute(*op)
            if result.returns_rows:
                result.all()


_WRITES = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)
#: Set by the database from its own state, not from a parameter: PostgreSQL's transaction id.
NOT_COMPARED = frozenset({"txid"})


def written_tables(ops: list) -> set[str]:
    """The tables the captured statements insert into, update or delete from."""
    return {m.group(1) for op in ops if isinstance(op, tuple) and (m := _WRITES.match(op[0]))}


@dataclass
class Verification:
    tables: int
    rows: int  # in all tables, on each side
    compared: list[str]  # the written tables whose content was compared
    differences: list[str]

    @property
    def ok(self) -> bool:
        return not self.differences


def verify(ours: Engine, theirs: Engine, written: set[str]) -> Verification:
    """Did the replay do the same work? Row counts of every table, and the written tables' rows, compared."""
    names = sorted(inspect(ours).get_table_names())
    differences = []
    if names != sorted(inspect(theirs).get_table_names()):
        differences.append("the two databases have different tables")
    total = 0
    with ours.connect() as a, theirs.connect() as b:
        for name in names:
            count = f'SELECT count(*) FROM "{name}"'
            mine, replayed = a.execute(text(count)).scalar_one(), b.execute(text(count)).scalar_one()
            total += mine
            if mine != replayed:
                differences.append(f"{name}: {mine} rows, {replayed} after the replay")
        for name in sorted(written):
            if _rows(a, name) != _rows(b, name):
                differences.append(f"{name}: the rows differ")
    return Verification(len(names), total, sorted(written), differences)


def _rows(connection, table: str) -> list[tuple]:
    result = connection.execute(text(f'SELECT * FROM "{table}"'))
    keep = [i for i, column in enumerate(result.keys()) if column not in NOT_COMPARED]
    return sorted((tuple(row[i] for i in keep) for row in result), key=repr)


@dataclass
class LifecycleResult:
    per_second: list[float]  # salesflow, per repeat
    core_per_second: list[float]  # SQLAlchemy Core alone, running the same repeat's statements
    raw_per_second: list[float]  # the raw driver, replaying the same repeat's DB-API calls
    lifecycles: int
    statements: float  # DB-API calls per lifecycle (executes and executemanys)
    commits: float  # per lifecycle
    checkouts: float  # pool checkouts per lifecycle
    load: tuple[tuple[float, ...], tuple[float, ...]]  # os.getloadavg() before and after
    verifications: dict[str, Verification] = field(default_factory=dict)  # replica -> its comparison
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.per_second)

    @property
    def core_median(self) -> float:
        return statistics.median(self.core_per_second)

    @property
    def raw_median(self) -> float:
        return statistics.median(self.raw_per_second)

    @staticmethod
    def _ratios(slow: list[float], fast: list[float]) -> list[float]:
        """Time ÷ time, per repeat (the runs of one repeat follow each other)."""
        return [f / s for s, f in zip(slow, fast, strict=True)]

    @property
    def ratios(self) -> list[float]:
        """salesflow time ÷ raw time, per repeat: the target's figure."""
        return self._ratios(self.per_second, self.raw_per_second)

    @property
    def ratio(self) -> float:
        return statistics.median(self.ratios)

    @property
    def core_ratio(self) -> float:
        """SQLAlchemy Core time ÷ raw time, median over the repeats."""
        return statistics.median(self._ratios(self.core_per_second, self.raw_per_second))

    @property
    def own_ms(self) -> float:
        """salesflow's own Python a lifecycle (ms): its time less Core's running the same statements, median."""
        n = self.lifecycles
        return statistics.median(
            (n / s - n / c) / n * 1e3 for s, c in zip(self.per_second, self.core_per_second, strict=True)
        )

    @property
    def floor_ratio(self) -> float:
        """The best salesflow ÷ raw could be if running its statements cost no more than the raw driver does:
        (own Python + raw time) ÷ raw time, median over the repeats."""
        return statistics.median(
            (1 / s - 1 / c + 1 / r) / (1 / r)
            for s, c, r in zip(self.per_second, self.core_per_second, self.raw_per_second, strict=True)
        )


def _timed(run) -> float:
    start = time.perf_counter()
    run()
    return time.perf_counter() - start


def time_lifecycles(uow, core: Engine, replica: Engine, n: int, repeats: int) -> LifecycleResult:
    """R repeats of: N lifecycles through salesflow (captured), their Core statements run by SQLAlchemy
    alone on `core`, and their DB-API calls replayed by the driver on `replica` (three databases installed
    alike, so each starts every repeat in the same state)."""
    engine = uow.engine
    recorder = Recorder(engine)
    raw = raw_connection(replica)
    load_before = os.getloadavg()
    try:
        for _ in range(WARMUP_LIFECYCLES):
            lifecycle(uow)
        captured = recorder.take()
        replay_core(core, captured.core)  # the replicas follow, so all three are in the same state
        replay(raw, captured.driver)
        written = written_tables(captured.driver)
        rates, core_rates, raw_rates, spent, note = [], [], [], 0.0, ""
        statements = commits = checkouts = 0
        for r in range(repeats):
            if spent > LIFECYCLE_BUDGET_S:
                note = f"stopped after {r} of {repeats} repeats ({spent:.0f} s budget)"
                break
            elapsed = _timed(lambda: [lifecycle(uow) for _ in range(n)])
            captured = recorder.take()
            core_elapsed = _timed(lambda: replay_core(core, captured.core))  # noqa: B023 (called at once)
            raw_elapsed = _timed(lambda: replay(raw, captured.driver))  # noqa: B023
            spent += elapsed + core_elapsed + raw_elapsed
            rates.append(n / elapsed)
            core_rates.append(n / core_elapsed)
            raw_rates.append(n / raw_elapsed)
            statements += sum(1 for op in captured.driver if isinstance(op, tuple))
            commits += captured.driver.count(COMMIT)
            checkouts += captured.checkouts
            written |= written_tables(captured.driver)
    finally:
        recorder.close()
        raw.close()
    done = len(rates) * n
    return LifecycleResult(
        rates,
        core_rates,
        raw_rates,
        n,
        statements / done,
        commits / done,
        checkouts / done,
        (load_before, os.getloadavg()),
        {"SQLAlchemy Core": verify(engine, core, written), "raw driver": verify(engine, replica, written)},
        note,
    )


@dataclass
class CheckResult:
    kind: str
    state: str
    guards: list[str]
    store_guards: list[str]
    allowed: list[str]
    queries: int
    us: float
    us_min: float
    us_max: float
    iterations: int


def documents_for_checks(uow) -> dict[str, tuple[str, int]]:
    """kind -> (repository, id) of a document in a state whose lifecycle has (guarded) routes."""
    fresh_lead = _new_lead(uow)  # new: mark_contacted, convert, disqualify
    _, _, sent = _sent_quote(uow)  # sent: accept (latest, unexpired,
    #                                                              opportunity_not_lost → store), revise, …
    _, _, to_accept = _sent_quote(uow)
    accepted = order.convert_quote_to_order(uow, to_accept.id)  # order open: deliver ×2 guards, cancel
    full = lifecycle(uow)  # opportunity won with a live order:
    #                                                              reopen (no_live_order: the live order count);
    #                                                              invoice issued, unpaid: pay ×2, void
    return {
        "lead": ("leads", fresh_lead.id),
        "opportunity": ("opportunities", full["opportunity"].id),
        "quote": ("quotes", sent.id),
        "order": ("orders", accepted.order.id),
        "invoice": ("invoices", full["invoices"][1].id),
    }


@contextmanager
def count_statements(engine):
    counter = [0]

    def on_execute(*_args):
        counter[0] += 1

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield counter
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)


def time_checks(engine, uow, docs: dict[str, tuple[str, int]]) -> list[CheckResult]:
    results = []
    with uow:
        ctx = Context(uow)
        for kind, (repo, ident) in docs.items():
            doc = getattr(uow, repo).get(ident)
            lc = LIFECYCLES[kind]
            lc.allowed(doc, ctx)  # loads lazy relationships (lines) once, as any caller would
            with count_statements(engine) as counter:
                allowed = lc.allowed(doc, ctx)
            guards = list(
                dict.fromkeys(
                    g for t in lc._by_source.get(doc.status, ()) for r in lc._table[(t, doc.status)] for g in r.guards
                )
            )
            store_guards = []
            for g in guards:  # which guards go to the database
                with count_statements(engine) as guard_counter:
                    g.check(doc, ctx)
                if guard_counter[0]:
                    store_guards.append(g.name)
            timer = timeit.Timer(lambda: lc.allowed(doc, ctx))
            number, _ = timer.autorange()  # enough calls for ≥ 0.2 s per timed repeat
            per_check = [t / number * 1e6 for t in timer.repeat(repeat=CHECK_REPEATS, number=number)]
            results.append(
                CheckResult(
                    kind,
                    str(doc.status),
                    [g.name for g in guards],
                    store_guards,
                    allowed,
                    counter[0],
                    statistics.median(per_check),
                    min(per_check),
                    max(per_check),
                    number,
                )
            )
        uow.rollback()
    return results


# --- backends ----------------------------------------------------------------------------------------


@dataclass
class BackendResult:
    name: str
    lifecycles: LifecycleResult | None = None
    checks: list[CheckResult] = field(default_factory=list)
    skipped: str = ""


def bench_engine(name: str, engine: Engine, core: Engine, replica: Engine, n: int, repeats: int) -> BackendResult:
    """Lifecycles on engine, run again by SQLAlchemy Core alone on core and by the raw driver on replica
    (databases installed alike); then the checks on engine."""
    uow = SqlUnitOfWork(engine)
    result = BackendResult(name)
    print(
        f"[{name}] {WARMUP_LIFECYCLES} warm-up + {repeats} × {n} lifecycles, each repeat run again by Core and raw …",
        flush=True,
    )
    result.lifecycles = time_lifecycles(uow, core, replica, n, repeats)
    print(f"[{name}] allowed-actions checks …", flush=True)
    result.checks = time_checks(engine, uow, documents_for_checks(uow))
    return result


@contextmanager
def sqlite_database():
    tmp = tempfile.mkdtemp(prefix="salesflow-bench-")
    engine = None
    try:
        engine = install(f"sqlite:///{os.path.join(tmp, 'bench.db')}")
        yield engine
    finally:
        if engine is not None:
            engine.dispose()
        shutil.rmtree(tmp, ignore_errors=True)


@contextmanager
def postgres_database(admin_url: str):
    """A fresh database on admin_url's server, migrated; dropped (WITH FORCE) on the way out."""
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
    name = f"salesflow_bench_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    engine = None
    created = False
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        created = True
        url = make_url(admin_url).set(database=name)
        url = url.update_query_dict({"connect_timeout": str(CONNECT_TIMEOUT_S)})
        engine = install(url.render_as_string(hide_password=False))
        yield engine
    finally:
        if engine is not None:
            engine.dispose()
        if created:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- profile -----------------------------------------------------------------------------------------

SALESFLOW_DIR = os.path.dirname(os.path.abspath(salesflow.__file__)) + os.sep
BENCH_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
PROFILE_PATHS = (SALESFLOW_DIR, f"{os.sep}sqlalchemy{os.sep}", f"{os.sep}transitions{os.sep}")


def profile_sqlite(n: int, top: int = 10) -> None:
    """cProfile n lifecycles on a fresh SQLite file; print the top functions by cumulative time."""
    with sqlite_database() as engine:
        uow = SqlUnitOfWork(engine)
        for _ in range(WARMUP_LIFECYCLES):
            lifecycle(uow)
        prof = cProfile.Profile()
        start = time.perf_counter()
        prof.enable()
        for _ in range(n):
            lifecycle(uow)
        prof.disable()
        wall = time.perf_counter() - start
    stats = pstats.Stats(prof, stream=io.StringIO())
    rows = []
    for (filename, line, func), (_cc, nc, tt, ct, _callers) in stats.stats.items():
        if any(p in filename for p in PROFILE_PATHS) and not filename.startswith(BENCH_DIR):
            rows.append((ct, tt, nc, _short(filename), line, func))
    rows.sort(reverse=True)
    print(
        f"\nProfile: {n} lifecycles on SQLite under cProfile, {wall:.2f} s wall "
        f"({n / wall:.1f}/s with profiler overhead)"
    )
    print(f"  top {top} salesflow/sqlalchemy/transitions functions by cumulative time (per lifecycle):")
    print(f"  {'cum ms':>8} {'own ms':>8} {'calls':>7}  function")
    for ct, tt, nc, fname, line, func in rows[:top]:
        print(f"  {ct / n * 1e3:8.2f} {tt / n * 1e3:8.2f} {nc / n:7.0f}  {fname}:{line}({func})")
    own = sorted(rows, key=lambda r: r[1], reverse=True)[:top]
    print(f"  top {top} by own time (per lifecycle):")
    for ct, tt, nc, fname, line, func in own:
        print(f"  {ct / n * 1e3:8.2f} {tt / n * 1e3:8.2f} {nc / n:7.0f}  {fname}:{line}({func})")


def _short(filename: str) -> str:
    if filename.startswith(SALESFLOW_DIR):
        return "salesflow/" + filename[len(SALESFLOW_DIR) :]
    for marker in (f"{os.sep}sqlalchemy{os.sep}", f"{os.sep}transitions{os.sep}"):
        if marker in filename:
            return marker.strip(os.sep) + "/" + filename.split(marker, 1)[1]
    return filename


# --- report ------------------------------------------------------------------------------------------


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(results: list[BackendResult]) -> None:
    print(
        "\n1. Full lifecycles per second (lead → paid invoice, 14 operations/transactions, single process):\n"
        "   salesflow; the same Core statements run by SQLAlchemy alone; the same DB-API calls replayed by the\n"
        "   raw driver (the limit). Ratios are time ÷ raw time, medians of the per-repeat ratios."
    )
    print(
        f"   {'backend':<11} {'salesflow/s':>11} {'Core/s':>8} {'raw/s':>8} {'ms':>6} {'Core ms':>8} {'raw ms':>7} "
        f"{'Core÷raw':>9} {'salesflow÷raw':>14} {'min–max':>11}  target"
    )
    for res in results:
        if res.skipped:
            print(f"   {res.name:<11} skipped: {res.skipped}")
            continue
        lc = res.lifecycles
        spread = f"{min(lc.ratios):.2f}–{max(lc.ratios):.2f}"
        print(
            f"   {res.name:<11} {lc.median:11.1f} {lc.core_median:8.1f} {lc.raw_median:8.1f} {1e3 / lc.median:6.2f} "
            f"{1e3 / lc.core_median:8.2f} {1e3 / lc.raw_median:7.2f} {lc.core_ratio:8.2f}× {lc.ratio:13.2f}× "
            f"{spread:>11}  ≤ {TARGET_RATIO:g}×  {verdict(lc.ratio <= TARGET_RATIO)}"
        )
        (before, after) = lc.load
        print(
            f"   {'':<11} {len(lc.per_second)} repeats × {lc.lifecycles} lifecycles, salesflow, Core, raw in turn; "
            f"load average {before[0]:.2f} before, {after[0]:.2f} after{'; ' + lc.note if lc.note else ''}"
        )
        print(
            f"   {'':<11} per lifecycle: {lc.statements:.0f} statements, {lc.commits:.0f} commits, "
            f"{lc.checkouts:.0f} pool checkouts"
        )
        print(
            f"   {'':<11} salesflow's own Python (its time less Core's): {lc.own_ms:.2f} ms a lifecycle; even if its "
            f"statements ran at the raw driver's cost, salesflow÷raw would be {lc.floor_ratio:.2f}×"
        )
        for label, rates in (("salesflow", lc.per_second), ("Core", lc.core_per_second), ("raw", lc.raw_per_second)):
            print(f"   {'':<11} per repeat, {label}/s: {', '.join(f'{r:.1f}' for r in rates)}")
        for replica, v in lc.verifications.items():
            if v.ok:
                print(
                    f"   {'':<11} {replica} did the same work: row counts of all {v.tables} tables equal "
                    f"({v.rows} rows), and the rows of the {len(v.compared)} tables written"
                )
            else:
                print(f"   {'':<11} {replica} did NOT do the same work: {'; '.join(v.differences)}")
    print(
        f"\n2. µs per allowed-actions check, LIFECYCLES[kind].allowed(doc, ctx), median of {CHECK_REPEATS} timeit "
        f"repeats (min–max), target < {TARGET_CHECK_US:.0f} µs"
    )
    for res in results:
        if res.skipped:
            continue
        print(f"   [{res.name}]")
        print(
            f"   {'document':<12} {'state':<10} {'µs/check':>9} {'min–max':>15} {'SQL/check':>9}  target  "
            f"guards evaluated → allowed"
        )
        for c in res.checks:
            spread = f"{c.us_min:.1f}–{c.us_max:.1f}"
            guards = ", ".join(g + ("*" if g in c.store_guards else "") for g in c.guards) or "-"
            print(
                f"   {c.kind:<12} {c.state:<10} {c.us:9.2f} {spread:>15} {c.queries:9d}  "
                f"{verdict(c.us < TARGET_CHECK_US)}    {guards} → {', '.join(c.allowed) or '-'}"
            )
        store = [c for c in res.checks if c.store_guards]
        if store:
            print(
                f"   * guards that query the store: {'; '.join(f'{c.kind} ' + ', '.join(c.store_guards) for c in store)}"
                f". Measured with a real unit of work open on the {res.name} database:"
            )
            print(
                "     those checks include the SQL round trips (SQL/check), each after the unit of work writes its pending changes."
            )


def postgres_url(cli_value: str | None) -> str | None:
    return cli_value or os.environ.get("SALESFLOW_BENCH_POSTGRES_URL") or os.environ.get("SALESFLOW_TEST_POSTGRES_URL")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    parser.add_argument(
        "--postgres-url",
        help="admin URL of a PostgreSQL server (a bench database is created "
        "and dropped there); default $SALESFLOW_BENCH_POSTGRES_URL or $SALESFLOW_TEST_POSTGRES_URL",
    )
    parser.add_argument(
        "--lifecycles",
        "-n",
        type=int,
        default=DEFAULT_LIFECYCLES,
        help=f"lifecycles per repeat (default {DEFAULT_LIFECYCLES})",
    )
    parser.add_argument(
        "--repeats", "-r", type=int, default=DEFAULT_REPEATS, help=f"repeats per backend (default {DEFAULT_REPEATS})"
    )
    parser.add_argument(
        "--profile", action="store_true", help="also cProfile N lifecycles on SQLite and print the top 10 functions"
    )
    args = parser.parse_args(argv)
    if args.lifecycles < 1 or args.repeats < 1:
        parser.error("--lifecycles and --repeats must be at least 1")
    # On SIGTERM, unwind normally so the temporary databases are removed.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))

    started = time.perf_counter()
    results = []
    with sqlite_database() as engine, sqlite_database() as core, sqlite_database() as replica:
        results.append(bench_engine("sqlite", engine, core, replica, args.lifecycles, args.repeats))
    if args.sqlite_only:
        results.append(BackendResult("postgresql", skipped="--sqlite-only"))
    elif not (url := postgres_url(args.postgres_url)):
        results.append(
            BackendResult(
                "postgresql", skipped="no --postgres-url, $SALESFLOW_BENCH_POSTGRES_URL or $SALESFLOW_TEST_POSTGRES_URL"
            )
        )
    else:
        connected = False
        try:
            with postgres_database(url) as engine, postgres_database(url) as core, postgres_database(url) as replica:
                connected = True
                results.append(bench_engine("postgresql", engine, core, replica, args.lifecycles, args.repeats))
        except Exception as exc:  # server down, no right to create a database, …: skip, but not a bench failure
            if connected:
                raise
            results.append(BackendResult("postgresql", skipped=f"{type(exc).__name__}: {str(exc).splitlines()[0]}"))
    report(results)
    failed = [
        f"{res.name}: {replica}"
        for res in results
        if res.lifecycles is not None
        for replica, v in res.lifecycles.verifications.items()
        if not v.ok
    ]
    if args.profile:
        profile_sqlite(args.lifecycles)
    print(f"\n(total {time.perf_counter() - started:.1f} s; Python {sys.version.split()[0]})")
    if failed:
        print(f"a replay did not do the same work as salesflow ({', '.join(failed)}): its figures are void")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
