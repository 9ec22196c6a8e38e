#!/usr/bin/env python
"""Lifecycle benchmark: full lead-to-paid lifecycles per second, and the cost of an allowed-actions check.

    python benchmarks/lifecycle.py [--sqlite-only] [--postgres-url URL] [--lifecycles N] [--repeats R]
                                   [--profile]

1. Lifecycles/s: one lifecycle is the seed story of `salesflow.gateway.demo.run_story` (lead → contacted →
   converted → proforma → sent → revised with a discount → sent → accepted into an order → two deliveries →
   both invoices issued → one paid; 14 operations, each its own transaction), played by the lean copy below
   with unique names so it can repeat on one database, and printing nothing. R repeats of N lifecycles,
   single process; reported: median lifecycles/s over the repeats, and min/max.
   SQLite: a fresh file database in a temporary directory. PostgreSQL: a fresh database created on the
   server of --postgres-url (or $SALESFLOW_BENCH_POSTGRES_URL, or $SALESFLOW_TEST_POSTGRES_URL), which is
   only used as the admin connection, and dropped at the end.
2. µs per allowed-actions check: one document of each type, loaded from that database inside an open unit
   of work, in a state where its lifecycle has guarded routes; `LIFECYCLES[kind].allowed(doc, ctx)` timed
   with timeit; reported: median µs per check over the timeit repeats. The SQL statements one check issues
   are counted: a guard that may query the store (quote `opportunity_not_lost`, unless the opportunity
   is already loaded) runs against the real database through that open unit of work.

Targets: ≥ 100 lifecycles/s on SQLite per process; < 50 µs per allowed-actions check.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import os
import pstats
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

from sqlalchemy import event, text
from sqlalchemy.engine import make_url

import salesflow
from salesflow.adapters.sql import SqlUnitOfWork, create_engine, install
from salesflow.gateway.demo import STORY_LINES, with_furniture_discount
from salesflow.statemachine import LIFECYCLES, invoice, lead, order, quote
from salesflow.statemachine.engine import Context, utcnow

TARGET_LIFECYCLES_PER_S = 100.0  # on SQLite, one process
TARGET_CHECK_US = 50.0  # per allowed-actions check
DEFAULT_LIFECYCLES = 20
DEFAULT_REPEATS = 5
WARMUP_LIFECYCLES = 2
#: Stop starting new repeats on a backend once its lifecycle runs have taken this long (seconds).
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


@dataclass
class LifecycleResult:
    per_second: list[float]
    lifecycles: int
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(self.per_second)


def time_lifecycles(uow, n: int, repeats: int) -> LifecycleResult:
    for _ in range(WARMUP_LIFECYCLES):
        lifecycle(uow)
    rates, spent, note = [], 0.0, ""
    for r in range(repeats):
        if spent > LIFECYCLE_BUDGET_S:
            note = f"stopped after {r} of {repeats} repeats ({spent:.0f} s budget)"
            break
        start = time.perf_counter()
        for _ in range(n):
            lifecycle(uow)
        elapsed = time.perf_counter() - start
        spent += elapsed
        rates.append(n / elapsed)
    return LifecycleResult(rates, n, note)


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


def bench_engine(name: str, engine, n: int, repeats: int) -> BackendResult:
    uow = SqlUnitOfWork(engine)
    result = BackendResult(name)
    print(f"[{name}] {WARMUP_LIFECYCLES} warm-up + {repeats} × {n} lifecycles …", flush=True)
    result.lifecycles = time_lifecycles(uow, n, repeats)
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
    print("\n1. Full lifecycles per second (lead → paid invoice, 14 operations/transactions, single process)")
    print(f"   {'backend':<11} {'median/s':>9} {'min/s':>8} {'max/s':>8} {'ms/lifecycle':>13}  target")
    for res in results:
        if res.skipped:
            print(f"   {res.name:<11} skipped: {res.skipped}")
            continue
        lc = res.lifecycles
        if res.name == "sqlite":
            target = f"≥ {TARGET_LIFECYCLES_PER_S:.0f}/s  {verdict(lc.median >= TARGET_LIFECYCLES_PER_S)}"
        else:
            target = "(no target)"
        print(
            f"   {res.name:<11} {lc.median:9.1f} {min(lc.per_second):8.1f} {max(lc.per_second):8.1f} "
            f"{1e3 / lc.median:13.2f}  {target}"
        )
        print(
            f"   {'':<11} {len(lc.per_second)} repeats × {lc.lifecycles} lifecycles{'; ' + lc.note if lc.note else ''}"
        )
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
    with sqlite_database() as engine:
        results.append(bench_engine("sqlite", engine, args.lifecycles, args.repeats))
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
            with postgres_database(url) as engine:
                connected = True
                results.append(bench_engine("postgresql", engine, args.lifecycles, args.repeats))
        except Exception as exc:  # server down, no right to create a database, …: skip, but not a bench failure
            if connected:
                raise
            results.append(BackendResult("postgresql", skipped=f"{type(exc).__name__}: {str(exc).splitlines()[0]}"))
    report(results)
    if args.profile:
        profile_sqlite(args.lifecycles)
    print(f"\n(total {time.perf_counter() - started:.1f} s; Python {sys.version.split()[0]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
