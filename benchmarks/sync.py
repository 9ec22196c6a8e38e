#!/usr/bin/env python
"""Sync benchmark: invoices delivered per second by the outbox worker, and its peak memory as the count grows.

    python benchmarks/sync.py [--sizes 2000,20000] [--backends beancount,webhook] [--repeat 1]
                              [--database-url postgresql://…] [--beancount-recheck SECONDS]
                              [--tracemalloc] [--snapshot] [--profile N]

1. Setup (not measured), once per size N: a fresh database (`install(url)`: a SQLite file in a temporary
   directory, or a database created on the server of --database-url) holding N issued invoices, each with its
   outbox `push` entry, as `issue_invoice` leaves them. The account, opportunity and order come from the real
   operations (lead → converted → order of two lines, N units each, at 19 % and 7 % → one delivery of
   everything). The invoices are bulk-inserted with SQLAlchemy Core, chunk by chunk, the way the operations
   write them: a draft of one unit of each order line (amounts rounded cumulatively, as `invoice_quantities`
   does) with its lines, then issued with the next gapless number (INV/<year>/00001 …), its `create` and
   `issue` activities and its outbox entry; the order lines end fully invoiced and the number series goes on
   after N.
2. Measured, one case (backend, N) per fresh subprocess, on its own copy of that database: the real
   `SyncWorker` (a new unit of work per operation, as `salesflow sync` builds it) runs passes (`run_once`:
   enqueue, deliver the due jobs, pull payments) until all N jobs are delivered. Backends:
   - `beancount`: `BeancountBackend` on a fresh, empty ledger in a temporary directory (one new file per
     invoice, fsynced). Its full check of the whole ledger runs again when payments are pulled and the last
     one is `recheck_seconds` old (the backend's default unless `--beancount-recheck` sets it; 0: on every
     pull; more than the run lasts: only the first check, of the empty ledger, runs while measuring). The
     report says which value was used.
   - `webhook`: `WebhookBackend` posting to the reference `Receiver(keep_bodies=False)` that runs in its own
     process (started here with --serve-receiver), so neither its memory nor its CPU is charged to the worker's
     figures; it still shares the machine's cores.
   Reported per case: wall seconds of the pass loop, invoices/s (N ÷ seconds), the process's peak RSS
   (VmHWM, which includes the imports and the backend's start: see peak_rss_mb for why not ru_maxrss), its
   RSS just before the loop, RSS and invoices/s at every tenth of the loop, and
   with --tracemalloc the peak of Python allocations traced during the loop (a second, untimed run: tracing
   slows the worker down). Every case checks afterwards that all N jobs are done and that the backend got
   each invoice once (N ledger files; N distinct event ids at the receiver).
3. `--repeat R` runs every case R times (interleaved backends); the table gives medians, and the ratio
   peak RSS(largest N) ÷ peak RSS(smallest N) per backend: about 1.0 when memory stays flat.
4. `--snapshot` (with --tracemalloc) prints the 15 source lines whose traced memory grew most between 10 %
   and 100 % of the loop, and for beancount what one full check of the ledger costs at the end (seconds,
   peak RSS, the lines holding beancount's entries). `--profile N` runs N invoices per backend under
   cProfile and prints the top functions by cumulative and by own time (`--sizes ""`: only that).

The full figures (10,000 and 100,000 invoices) take about 30 minutes on a 2-core VM, so the default sizes
are smaller; README.md has the commands and the figures.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import resource
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import bindparam, func, select, text, update
from sqlalchemy.engine import make_url

import salesflow
from salesflow.adapters.sql import SqlUnitOfWork, create_engine, install
from salesflow.adapters.sql import tables as t
from salesflow.domain.money import ZERO, cumulative_amounts
from salesflow.domain.status import InvoiceStatus, OrderStatus
from salesflow.statemachine import lead, order
from salesflow.statemachine.accounting import SyncWorker
from salesflow.statemachine.engine import utcnow
from salesflow.statemachine.invoice import PAYMENT_TERM_DAYS

DEFAULT_SIZES = (2_000, 20_000)  # the full figures: --sizes 10000,100000 (see README.md)
BACKENDS = ("beancount", "webhook")
CHUNK = 5_000  # invoices per seeding transaction: memory stays flat while seeding too
CURRENCY = "EUR"
#: The two order lines every invoice takes one unit of: two tax rates, so each invoice posts to two
#: income and two tax accounts in the ledger. 489.90 × 19 % = 93.081: tax rounds differently per unit.
LINES = (
    dict(description="Standing desk", unit_price="489.90", tax_rate="19"),
    dict(description="Delivery and assembly", unit_price="45.50", tax_rate="7"),
)
#: A pass that delivers nothing this many times in a row means the worker is stuck (a backend failing):
#: the case stops and reports it rather than spin.
MAX_IDLE_PASSES = 50
WEBHOOK_SECRET_ENV = "SALESFLOW_BENCH_WEBHOOK_SECRET"
CONNECT_TIMEOUT_S = 5
MB = 1024 * 1024


# --- setup: a database of N issued invoices ------------------------------------------------------------


def seed(url: str, n: int) -> float:
    """Fill a freshly installed database with n issued invoices and their outbox entries; returns seconds."""
    started = time.perf_counter()
    engine = create_engine(url)
    try:
        uow = SqlUnitOfWork(engine)
        # The documents above the invoices come from the real operations: they are few.
        prospect = lead.create_lead(
            uow,
            "Sync benchmark",
            contact_name="Bea Benchmark",
            company_name="Benchmark Trading GmbH",
            email="bea@benchmark.example",
        )
        lead.mark_lead_contacted(uow, prospect.id)
        conv = lead.convert_lead(uow, prospect.id, currency=CURRENCY)
        so = order.create_order(
            uow, conv.opportunity.id, CURRENCY, [dict(quantity=str(n), **ln) for ln in LINES], invoicing_policy="manual"
        )  # manual: the delivery makes no invoice
        so = order.record_delivery(uow, so.id, [dict(order_line_id=ln.id, quantity=str(n)) for ln in so.lines]).order
        assert so.status == OrderStatus.DELIVERED, so.status
        with engine.begin() as conn:
            prefix, padding = conn.execute(
                select(t.number_series.c.prefix, t.number_series.c.padding).where(t.number_series.c.code == "invoice")
            ).one()
        for first in range(1, n + 1, CHUNK):
            with engine.begin() as conn:
                _seed_chunk(conn, so, range(first, min(first + CHUNK, n + 1)), prefix, padding)
        with engine.begin() as conn:
            # What N runs of convert_order_to_invoice leave on the order: every unit invoiced, one
            # version per run (the lines changed); and the invoice series goes on after N.
            conn.execute(
                update(t.order_lines)
                .where(t.order_lines.c.order_id == so.id)
                .values(invoiced_quantity=t.order_lines.c.quantity)
            )
            conn.execute(update(t.orders).where(t.orders.c.id == so.id).values(version=t.orders.c.version + n))
            year = utcnow().year
            conn.execute(
                t.number_sequences.delete().where(
                    (t.number_sequences.c.series_code == "invoice") & (t.number_sequences.c.year == year)
                )
            )
            conn.execute(t.number_sequences.insert().values(series_code="invoice", year=year, next_number=n + 1))
        check_seed(engine, n)
        if engine.dialect.name == "sqlite":
            raw = engine.raw_connection()  # outside any transaction: the WAL goes into the file, to be copied
            try:
                raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            finally:
                raw.close()
    finally:
        engine.dispose()
    return time.perf_counter() - started


def _seed_chunk(conn, so, numbers: range, prefix: str, padding: int) -> None:
    """Invoices number numbers[0]…numbers[-1] (1-based), written as convert_order_to_invoice and then
    issue_invoice would write them, in one transaction."""
    now = utcnow()
    today = now.date()
    drafts, lines = [], []
    for i in numbers:
        amounts = [
            (
                ln,
                cumulative_amounts(
                    Decimal(i - 1), Decimal(1), ln.unit_price, ln.discount_percent, ln.tax_rate, CURRENCY
                ),
            )
            for ln in so.lines
        ]
        subtotal = sum((a.gross for _, a in amounts), ZERO)
        discount = sum((a.discount for _, a in amounts), ZERO)
        tax = sum((a.tax for _, a in amounts), ZERO)
        drafts.append(
            dict(
                number=None,
                order_id=so.id,
                delivery_id=None,
                account_id=so.account_id,
                issue_date=None,
                due_date=None,
                amount_paid=ZERO,
                void_reason=None,
                currency=CURRENCY,
                subtotal=subtotal,
                discount_total=discount,
                tax_total=tax,
                total=subtotal - discount + tax,
                status=InvoiceStatus.DRAFT.value,
                owner_id=so.owner_id,
                version=1,
                created_at=now,
                updated_at=now,
            )
        )
        lines.append(
            [
                dict(
                    order_line_id=ln.id,
                    sequence=ln.sequence,
                    description=ln.description,
                    product_code=ln.product_code,
                    quantity=Decimal(1),
                    unit_price=ln.unit_price,
                    discount_percent=ln.discount_percent,
                    tax_rate=ln.tax_rate,
                    subtotal=a.gross,
                    discount_amount=a.discount,
                    net_amount=a.net,
                    tax_amount=a.tax,
                    total=a.total,
                )
                for ln, a in amounts
            ]
        )
    # Drafts first: the immutability triggers refuse lines for an invoice that is not a draft.
    ids = (
        conn.execute(t.invoices.insert().returning(t.invoices.c.id, sort_by_parameter_order=True), drafts)
        .scalars()
        .all()
    )
    conn.execute(
        t.invoice_lines.insert(),
        [dict(line, invoice_id=ident) for ident, its in zip(ids, lines, strict=True) for line in its],
    )
    conn.execute(
        update(t.invoices)
        .where(t.invoices.c.id == bindparam("_id"))
        .values(
            status=bindparam("status"),
            number=bindparam("number"),
            issue_date=bindparam("issue_date"),
            due_date=bindparam("due_date"),
            version=bindparam("version"),
            updated_at=bindparam("updated_at"),
        ),
        [
            dict(
                _id=ident,
                status=InvoiceStatus.ISSUED.value,
                number=f"{prefix}/{today.year}/{i:0{padding}d}",
                issue_date=today,
                due_date=today + timedelta(days=PAYMENT_TERM_DAYS),
                version=2,
                updated_at=now,
            )
            for ident, i in zip(ids, numbers, strict=True)
        ],
    )
    conn.execute(
        t.activities.insert(),
        [
            dict(
                document_type="invoice",
                document_id=ident,
                trigger=trigger,
                from_state=source,
                to_state=dest,
                actor_id=None,
                at=now,
                reason=None,
            )
            for ident in ids
            for trigger, source, dest in (("create", None, "draft"), ("issue", "draft", "issued"))
        ],
    )
    outbox = t.outbox.insert()
    if conn.dialect.name == "postgresql":  # as SqlOutbox writes it: the worker reads in (txid, id) order
        outbox = outbox.values(txid=text("pg_current_xact_id()::text::bigint"))
    conn.execute(outbox, [dict(invoice_id=ident, operation="push", created_at=now) for ident in ids])


def check_seed(engine, n: int) -> None:
    """The seeded invoices add up: lines net + tax = total, invoice totals = sums of their lines."""
    with engine.connect() as conn:
        counts = {
            name: conn.execute(select(func.count()).select_from(t.metadata.tables[name])).scalar_one()
            for name in ("invoices", "invoice_lines", "outbox")
        }
        assert counts == {"invoices": n, "invoice_lines": 2 * n, "outbox": n}, counts
        il, inv = t.invoice_lines, t.invoices
        bad_lines = conn.execute(
            select(func.count()).select_from(il).where(il.c.net_amount + il.c.tax_amount != il.c.total)
        ).scalar_one()
        sums = (
            select(
                il.c.invoice_id,
                func.sum(il.c.net_amount).label("net"),
                func.sum(il.c.tax_amount).label("tax"),
                func.sum(il.c.total).label("total"),
            )
            .group_by(il.c.invoice_id)
            .subquery()
        )
        bad_invoices = conn.execute(
            select(func.count())
            .select_from(inv.join(sums, sums.c.invoice_id == inv.c.id))
            .where(
                (inv.c.subtotal - inv.c.discount_total != sums.c.net)
                | (inv.c.tax_total != sums.c.tax)
                | (inv.c.total != sums.c.total)
                | (inv.c.status != "issued")
                | inv.c.number.is_(None)
            )
        ).scalar_one()
        invoiced = conn.execute(select(func.sum(il.c.quantity))).scalar_one()
        ordered = conn.execute(select(func.sum(t.order_lines.c.invoiced_quantity))).scalar_one()
    assert bad_lines == 0 and bad_invoices == 0, (bad_lines, bad_invoices)
    assert invoiced == ordered == 2 * n, (invoiced, ordered)


# --- databases: a seeded template per size, a copy per case --------------------------------------------


@dataclass
class Store:
    """Where the cases' databases live: SQLite files in a temporary folder, or databases on a server."""

    admin_url: str | None  # PostgreSQL: the connection that creates and drops databases
    folder: str = field(default_factory=lambda: tempfile.mkdtemp(prefix="salesflow-bench-sync-"))
    made: list[str] = field(default_factory=list)  # PostgreSQL databases to drop

    def _admin(self):
        return create_engine(
            self.admin_url, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": CONNECT_TIMEOUT_S}
        )

    def _pg_url(self, name: str) -> str:
        return make_url(self.admin_url).set(database=name).render_as_string(hide_password=False)

    def template(self, n: int) -> str:
        """A freshly installed, seeded database of n invoices; returns its URL."""
        if self.admin_url is None:
            url = f"sqlite:///{os.path.join(self.folder, f'template-{n}.db')}"
        else:
            name = f"salesflow_bench_sync_{os.getpid()}_{n}"
            self._create(f'CREATE DATABASE "{name}"', name)
            url = self._pg_url(name)
        install(url).dispose()
        return url

    def copy(self, template_url: str) -> str:
        """A copy of a template database for one case."""
        if self.admin_url is None:
            path = os.path.join(self.folder, f"case-{uuid.uuid4().hex[:8]}.db")
            shutil.copyfile(make_url(template_url).database, path)
            return f"sqlite:///{path}"
        name = f"salesflow_bench_sync_{os.getpid()}_{uuid.uuid4().hex[:8]}"
        self._create(f'CREATE DATABASE "{name}" TEMPLATE "{make_url(template_url).database}"', name)
        return self._pg_url(name)

    def drop(self, url: str) -> None:
        if self.admin_url is None:
            for suffix in ("", "-wal", "-shm"):
                try:
                    os.remove(make_url(url).database + suffix)
                except FileNotFoundError:
                    pass
            return
        name = make_url(url).database
        admin = self._admin()
        try:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        finally:
            admin.dispose()
        self.made.remove(name)

    def _create(self, statement: str, name: str) -> None:
        admin = self._admin()
        try:
            with admin.connect() as conn:
                conn.execute(text(statement))
            self.made.append(name)
        finally:
            admin.dispose()

    def close(self) -> None:
        for name in list(self.made):
            self.drop(self._pg_url(name))
        shutil.rmtree(self.folder, ignore_errors=True)


# --- the webhook receiver, in a process of its own -------------------------------------------------------


def serve_receiver() -> int:
    """--serve-receiver: run the reference receiver until stdin closes; print its URL first, its tally last."""
    from salesflow.adapters.webhook.receiver import Receiver

    with Receiver(os.environ[WEBHOOK_SECRET_ENV], keep_bodies=False) as receiver:
        print(receiver.url, flush=True)
        sys.stdin.read()  # the case closes it when it is done
        with receiver.lock:
            tally = dict(
                received=receiver.received,
                processed=len(receiver.processed),
                repeats=sum(receiver.by_number.values()) - len(receiver.by_number),
                rejected=len(receiver.rejected),
            )
    tally["peak_rss_mb"] = peak_rss_mb()
    print(json.dumps(tally), flush=True)
    return 0


@contextmanager
def receiver_process(secret: str):
    """A receiver in a child process: yields (its URL, a dict filled with its tally when it stops)."""
    proc = subprocess.Popen(
        [sys.executable, os.path.abspath(__file__), "--serve-receiver"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, WEBHOOK_SECRET_ENV: secret},
    )
    tally: dict = {}
    try:
        url = proc.stdout.readline().strip()
        if not url.startswith("http"):
            raise RuntimeError(f"the receiver did not start (it said {url!r})")
        yield url, tally
    finally:
        proc.stdin.close()
        out = proc.stdout.read()
        proc.wait(timeout=30)
        if out.strip():
            tally.update(json.loads(out.strip().splitlines()[-1]))


# --- one case, in its own process -----------------------------------------------------------------------


def _status_mb(field_name: str) -> float | None:
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field_name + ":"):
                    return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return None


def rss_mb() -> float:
    """The process's resident set now (Linux; 0 where /proc is missing)."""
    return _status_mb("VmRSS") or 0.0


def peak_rss_mb() -> float:
    """The process's peak resident set: VmHWM, the high-water mark of this program's own memory.

    Not ru_maxrss: Linux carries the parent's peak over fork + exec (the child starts its life inside
    the parent's memory, and Python's subprocess uses vfork), so a child of a parent that had seeded
    100,000 invoices would report the parent's peak. ru_maxrss is the fallback where /proc is missing."""
    return _status_mb("VmHWM") or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def make_backend(name: str, folder: str, recheck: float | None, n: int, verified: list[str]):
    """The backend named, on a fresh ledger or behind a fresh receiver. On the way out it checks that the
    backend got each of the n invoices once, and appends what it found to `verified`."""
    if name == "beancount":
        from salesflow.adapters.beancount import BeancountBackend

        ledger = os.path.join(folder, "ledger", "ledger.beancount")
        os.makedirs(os.path.dirname(ledger))
        with open(ledger, "w", encoding="utf-8") as fh:
            fh.write('option "title" "salesflow sync benchmark"\n')
        backend = BeancountBackend(ledger, **({} if recheck is None else {"recheck_seconds": recheck}))
        yield backend
        count = sum(len(files) for _, _, files in os.walk(backend.layout.invoices))
        assert count == n, f"{count} ledger files for {n} invoices"
        verified.append(f"{count:,} ledger files")
    elif name == "webhook":
        from salesflow.adapters.webhook import WebhookBackend

        secret = secrets.token_hex(16)
        with receiver_process(secret) as (url, tally):
            backend = WebhookBackend(url, secret)
            yield backend
            backend.client.close()
        assert tally.get("processed") == n and tally.get("repeats") == 0 and tally.get("rejected") == 0, tally
        verified.append(f"{tally['processed']:,} events at the receiver (its peak RSS {tally['peak_rss_mb']:.0f} MB)")
    else:
        raise SystemExit(f"unknown backend {name!r}")


def run_case(
    backend_name: str, url: str, n: int, *, recheck: float | None, trace: bool, snapshot: bool, profile: bool = False
) -> dict:
    """Deliver the n seeded invoices to one backend with the real SyncWorker; the case's figures."""
    folder = tempfile.mkdtemp(prefix="salesflow-bench-sync-case-")
    engine = create_engine(url)
    result: dict = dict(backend=backend_name, n=n)
    try:
        verified: list[str] = []
        with make_backend(backend_name, folder, recheck, n, verified) as backend:
            worker = SyncWorker(lambda: SqlUnitOfWork(engine), [backend])  # as gateway/syncing.worker_for
            if hasattr(backend, "recheck_seconds"):
                result["recheck_seconds"] = backend.recheck_seconds
            result["rss_before_mb"] = rss_mb()
            milestones = {round(n * f / 10) for f in range(1, 11)}  # at every 10 % of the invoices:
            rss_at, seconds_at, snaps = {}, {}, {}  # RSS and the time so far
            prof = cProfile.Profile() if profile else None
            if trace:
                tracemalloc.start()
            delivered = passes = idle = 0
            started = time.perf_counter()
            if prof:
                prof.enable()
            while delivered < n:
                got = worker.run_once()[backend.name]
                delivered, passes = delivered + got, passes + 1
                idle = 0 if got else idle + 1
                if idle >= MAX_IDLE_PASSES:
                    raise RuntimeError(
                        f"{backend.name}: nothing delivered in {idle} passes after {delivered}; "
                        f"see sync_jobs.last_error"
                    )
                for m in [m for m in milestones if m <= delivered]:
                    milestones.discard(m)
                    rss_at[round(100 * m / n)] = rss_mb()
                    seconds_at[round(100 * m / n)] = time.perf_counter() - started
                    if snapshot and trace and round(100 * m / n) in (10, 100):
                        gc.collect()  # what is still referenced, not the garbage waiting for the collector
                        snaps[round(100 * m / n)] = tracemalloc.take_snapshot()
            seconds = time.perf_counter() - started
            if prof:
                prof.disable()
            if trace:
                result["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / MB
                tracemalloc.stop()
            result.update(
                seconds=seconds,
                passes=passes,
                delivered=delivered,
                rss_at=rss_at,
                seconds_at=seconds_at,
                batch=worker.batch,
                peak_rss_mb=peak_rss_mb(),
            )
            if len(snaps) == 2:
                grown = snaps[100].compare_to(snaps[10], "lineno")[:15]
                result["grown"] = [
                    f"{s.size_diff / 1024:+10.1f} KiB {s.count_diff:+8d} blocks  {s.traceback}" for s in grown
                ]
            if prof:
                result["profile"] = profile_rows(prof, n)
            with engine.connect() as conn:  # every job done, none retried or dead
                jobs = dict(
                    conn.execute(select(t.sync_jobs.c.status, func.count()).group_by(t.sync_jobs.c.status)).all()
                )
                retried = conn.execute(
                    select(func.count()).select_from(t.sync_jobs).where(t.sync_jobs.c.attempts != 1)
                ).scalar_one()
            assert jobs == {"done": n} and retried == 0, (jobs, retried)
            if snapshot and backend_name == "beancount":
                result["full_check"] = full_check_cost(backend)
        result["verified"] = verified[0]
    finally:
        engine.dispose()
        shutil.rmtree(folder, ignore_errors=True)
    return result


def full_check_cost(backend) -> dict:
    """What one full check of the ledger costs now, with N invoices in it (the check `recheck_seconds`
    repeats when payments are pulled): once as the backend runs it (seconds, growth of the peak RSS), once
    more under tracemalloc, with the top lines by memory while beancount's entries are alive."""
    from salesflow.adapters.beancount import ledger

    gc.collect()
    before, started = peak_rss_mb(), time.perf_counter()
    backend._snap = None  # forget the last check, as recheck_seconds does
    checked = backend._state(for_payments=True)
    seconds = time.perf_counter() - started
    assert checked.error is None, checked.error
    cost = dict(seconds=seconds, peak_rss_growth_mb=peak_rss_mb() - before, rss_now_mb=rss_mb())
    gc.collect()
    tracemalloc.start()
    entries, _errors, _options = ledger._load_uncached(str(backend.layout.main))  # what ledger.load reads
    held = tracemalloc.take_snapshot()
    cost.update(
        entries=len(entries),
        traced_held_mb=tracemalloc.get_traced_memory()[0] / MB,
        traced_peak_mb=tracemalloc.get_traced_memory()[1] / MB,
        top=[f"{st.size / MB:8.1f} MB {st.count:9d} blocks  {st.traceback}" for st in held.statistics("lineno")[:10]],
    )
    tracemalloc.stop()
    return cost


# --- profile ----------------------------------------------------------------------------------------------

SALESFLOW_DIR = os.path.dirname(os.path.abspath(salesflow.__file__)) + os.sep


def _short(filename: str) -> str:
    if filename.startswith(SALESFLOW_DIR):
        return "salesflow/" + filename[len(SALESFLOW_DIR) :]
    for marker in ("site-packages" + os.sep, "lib" + os.sep + "python3.11" + os.sep):
        if marker in filename:
            return filename.split(marker, 1)[1]
    return filename


def profile_rows(prof: cProfile.Profile, n: int, top: int = 25) -> dict[str, list[str]]:
    """The top functions by cumulative and by own time, in ms per invoice."""
    stats = pstats.Stats(prof, stream=io.StringIO())
    rows = [(ct, tt, nc, _short(fn), line, func) for (fn, line, func), (_cc, nc, tt, ct, _) in stats.stats.items()]

    def show(ordered) -> list[str]:
        return [
            f"{ct / n * 1e3:8.3f} {tt / n * 1e3:8.3f} {nc / n:7.1f}  {fname}:{line}({func})"
            for ct, tt, nc, fname, line, func in ordered[:top]
        ]

    return {"cumulative": show(sorted(rows, reverse=True)), "own": show(sorted(rows, key=lambda r: r[1], reverse=True))}


# --- the parent: seed, run every case in a subprocess, report ---------------------------------------------


def spawn_case(backend: str, url: str, n: int, args, *, trace: bool, profile: bool = False) -> dict:
    cmd = [sys.executable, os.path.abspath(__file__), "--case", backend, "--case-url", url, "--case-n", str(n)]
    if args.beancount_recheck is not None:
        cmd += ["--beancount-recheck", str(args.beancount_recheck)]
    if trace:
        cmd.append("--tracemalloc")
    if trace and args.snapshot:
        cmd.append("--snapshot")
    if profile:
        cmd.append("--profile-case")
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        out, _ = proc.communicate()
    except BaseException:  # Ctrl-C, SIGTERM: the case cleans up its ledger and receiver on SIGTERM
        proc.terminate()
        proc.wait()
        raise
    if proc.returncode != 0:
        raise RuntimeError(f"case {backend} × {n} failed (exit {proc.returncode})")
    return json.loads(out.strip().splitlines()[-1])


@dataclass
class Figures:
    backend: str
    n: int
    runs: list[dict] = field(default_factory=list)
    traced: dict | None = None

    def median(self, key: str) -> float:
        return statistics.median(r[key] for r in self.runs)


def report(figures: list[Figures], args) -> None:
    traced = any(f.traced for f in figures)
    print(
        f"\nSync: the real SyncWorker delivering N seeded invoices to one backend, one fresh process per case "
        f"(medians of {args.repeat})"
    )
    recheck = sorted({r["recheck_seconds"] for f in figures for r in f.runs if "recheck_seconds" in r})
    if recheck:
        print(
            f"   beancount: full check of the ledger when pulling payments at most every "
            f"{', '.join(f'{v:g}' for v in recheck)} s (recheck_seconds)"
        )
    head = (
        f"   {'backend':<10} {'invoices':>9} {'seconds':>9} {'invoices/s':>11} {'min/s':>8} {'max/s':>8} "
        f"{'peak RSS MB':>12} {'RSS before':>11}"
    )
    print(head + (f" {'traced peak MB':>15}" if traced else ""))
    for f in figures:
        rates = [r["n"] / r["seconds"] for r in f.runs]
        line = (
            f"   {f.backend:<10} {f.n:>9,} {f.median('seconds'):9.1f} {statistics.median(rates):11.1f} "
            f"{min(rates):8.1f} {max(rates):8.1f} {f.median('peak_rss_mb'):12.1f} {f.median('rss_before_mb'):11.1f}"
        )
        if traced:
            line += f" {f.traced['traced_peak_mb']:15.2f}" if f.traced else f" {'-':>15}"
        print(line)
    print("\n   During the loop, at each tenth of the invoices (first run): RSS in MB | invoices/s in that tenth")
    for f in figures:
        at, sec = f.runs[0]["rss_at"], f.runs[0]["seconds_at"]
        tenths = sorted(at, key=int)
        rates, previous = [], 0.0
        for k in tenths:
            rates.append(f"{f.n / 10 / (sec[k] - previous):4.0f}")
            previous = sec[k]
        if f.n < 10 * f.runs[0]["batch"]:  # a pass delivers more than a tenth: no rate per tenth
            rates = []
        print(f"   {f.backend:<10} {f.n:>9,}  " + " ".join(f"{at[k]:5.1f}" for k in tenths) + "  | " + " ".join(rates))
    sizes = sorted({f.n for f in figures})
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        print(f"\n   Memory ratio, {large:,} ÷ {small:,} invoices (1.00 = flat):")
        for backend in dict.fromkeys(f.backend for f in figures):
            by_n = {f.n: f for f in figures if f.backend == backend}
            if small in by_n and large in by_n:
                line = (
                    f"   {backend:<10} peak RSS {by_n[large].median('peak_rss_mb') / by_n[small].median('peak_rss_mb'):5.2f}"
                    f"   growth during the loop (peak − before) {_growth(by_n[small]):6.1f} → "
                    f"{_growth(by_n[large]):6.1f} MB"
                )
                if by_n[small].traced and by_n[large].traced:
                    line += f"   traced peak {by_n[large].traced['traced_peak_mb'] / by_n[small].traced['traced_peak_mb']:5.2f}"
                print(line)
    for f in figures:
        check = (f.traced or {}).get("full_check")
        if check:
            print(
                f"\n   beancount × {f.n:,}: one full check of the ledger ({check['entries']:,} entries) took "
                f"{check['seconds']:.1f} s and raised the peak RSS by {check['peak_rss_growth_mb']:.0f} MB "
                f"(RSS after it {check['rss_now_mb']:.0f} MB); beancount's entries hold "
                f"{check['traced_held_mb']:.0f} MB traced (peak {check['traced_peak_mb']:.0f} MB while loading):"
            )
            for row in check["top"]:
                print("   " + row)
    for f in figures:
        if f.traced and f.traced.get("grown"):
            print(f"\n   {f.backend} × {f.n:,}: traced memory that grew from 10 % to 100 % of the loop (top 15 lines)")
            for row in f.traced["grown"]:
                print("   " + row)
    print(
        "\n   Per run: "
        + "; ".join(
            f"{f.backend}×{f.n}: "
            + ", ".join(f"{r['n'] / r['seconds']:.0f}/s {r['peak_rss_mb']:.0f} MB" for r in f.runs)
            for f in figures
        )
    )


def _growth(f: Figures) -> float:
    return statistics.median(r["peak_rss_mb"] - r["rss_before_mb"] for r in f.runs)


def profile_cases(store: Store, backends: list[str], args) -> dict[str, dict]:
    """Each backend's case of --profile invoices, run under cProfile."""
    n = args.profile
    print(f"[profile] {n:,} issued invoices …", flush=True)
    template = store.template(n)
    seed(template, n)
    profiles = {}
    for backend in backends:
        url = store.copy(template)
        try:
            profiles[backend] = spawn_case(backend, url, n, args, trace=False, profile=True)
        finally:
            store.drop(url)
    store.drop(template)
    return profiles


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        default=",".join(map(str, DEFAULT_SIZES)),
        help="invoice counts, comma-separated (default %(default)s; '' with --profile: only the profile)",
    )
    parser.add_argument("--backends", default=",".join(BACKENDS), help="default %(default)s")
    parser.add_argument("--repeat", type=int, default=1, help="runs per case; medians reported (default 1)")
    parser.add_argument(
        "--database-url",
        help="a PostgreSQL admin URL: the databases are created on its server "
        "(default: SQLite files in a temporary folder)",
    )
    parser.add_argument(
        "--beancount-recheck",
        type=float,
        default=None,
        help="the beancount backend's recheck_seconds (default: the backend's own, daily)",
    )
    parser.add_argument(
        "--tracemalloc",
        action="store_true",
        help="also one traced run per case: the peak of Python allocations in the loop",
    )
    parser.add_argument(
        "--snapshot", action="store_true", help="with --tracemalloc: the lines whose memory grew most during the loop"
    )
    parser.add_argument(
        "--profile", type=int, default=0, metavar="N", help="also profile N invoices per backend under cProfile"
    )
    # Internal: the child processes.
    parser.add_argument("--serve-receiver", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--case", help=argparse.SUPPRESS)
    parser.add_argument("--case-url", help=argparse.SUPPRESS)
    parser.add_argument("--case-n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--profile-case", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the cleanups (finally) on SIGTERM too
    if args.serve_receiver:
        return serve_receiver()
    if args.case:
        result = run_case(
            args.case,
            args.case_url,
            args.case_n,
            recheck=args.beancount_recheck,
            trace=args.tracemalloc,
            snapshot=args.snapshot,
            profile=args.profile_case,
        )
        print(json.dumps(result))
        return 0

    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if set(backends) - set(BACKENDS):
        parser.error(f"backends are {', '.join(BACKENDS)}")
    started = time.perf_counter()
    store = Store(args.database_url)
    figures: list[Figures] = []
    try:
        for n in sizes:
            print(f"[setup] {n:,} issued invoices …", flush=True)
            template = store.template(n)
            print(f"[setup] seeded in {seed(template, n):.1f} s", flush=True)
            cases = {b: Figures(b, n) for b in backends}
            for r in range(args.repeat):
                for backend in backends:  # interleaved, so drift in the machine's load hits both alike
                    url = store.copy(template)
                    try:
                        run = spawn_case(backend, url, n, args, trace=False)
                    finally:
                        store.drop(url)
                    cases[backend].runs.append(run)
                    print(
                        f"[{backend} × {n:,}] run {r + 1}: {n / run['seconds']:.1f} invoices/s, "
                        f"{run['seconds']:.1f} s, {run['passes']} passes, peak RSS {run['peak_rss_mb']:.1f} MB "
                        f"({run['verified']})",
                        flush=True,
                    )
            if args.tracemalloc:
                for backend in backends:
                    url = store.copy(template)
                    try:
                        cases[backend].traced = spawn_case(backend, url, n, args, trace=True)
                    finally:
                        store.drop(url)
                    print(
                        f"[{backend} × {n:,}] traced run: peak {cases[backend].traced['traced_peak_mb']:.2f} MB "
                        f"traced, {n / cases[backend].traced['seconds']:.1f} invoices/s under tracemalloc",
                        flush=True,
                    )
            store.drop(template)
            figures.extend(cases.values())
        if args.profile:
            profiles = profile_cases(store, backends, args)
    finally:
        store.close()
    if figures:
        report(figures, args)
    if args.profile:
        for backend, profiled in profiles.items():
            print(
                f"\nProfile: {backend} × {args.profile:,} under cProfile, {profiled['seconds']:.1f} s "
                f"({args.profile / profiled['seconds']:.1f}/s with the profiler's overhead); ms and calls per invoice"
            )
            for order_by, rows in profiled["profile"].items():
                print(f"  top by {order_by} time:\n  {'cum ms':>8} {'own ms':>8} {'calls':>7}  function")
                for row in rows:
                    print("  " + row)
    print(f"\n(total {time.perf_counter() - started:.1f} s; Python {sys.version.split()[0]}; {os.cpu_count()} CPUs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
