#!/usr/bin/env python
"""Twenty invoice PDFs rendered at once by a real server: does `/healthz` stay prompt meanwhile?

    python benchmarks/documents_load.py [--runs 3] [--concurrency 20] [--postgres-url URL] [--sqlite-only]

1. Setup (not timed), per backend: `install(url)` on a fresh SQLite file in a temporary folder (and, with
   --postgres-url or $SALESFLOW_BENCH_POSTGRES_URL, a database created on that server and dropped at the
   end). Through the real operations: a lead for a Persian company, converted; an IRR order of 40 lines
   with long Persian descriptions (`per_delivery`); one delivery of one unit of every line per invoice, so
   each invoice has the same 40 lines (three A4 pages in fa-IR); every invoice issued. Issuing through the
   operations renders nothing (the GraphQL mutation renders the company's locale, `en`, at once; this
   asks fa-IR), so every first ask below renders.
2. Per run, a fresh `salesflow serve` (one uvicorn process, the defaults) and a probe process asking
   `/healthz` every 10 ms over one kept-alive connection for the whole run. One warm-up render (a spare
   invoice), then the phases:
   - idle: 3 s of nothing;
   - render: `--concurrency` (20) threads each POST one GraphQL query asking a *different* invoice's
     `document(format: PDF, locale: "fa-IR")`, released at once by a barrier (each is a first render);
   - cached: 1 s later, the same 20 asks at once again (their rendition is kept: no render), in rounds
     for at least 2 s (one round takes tens of ms: too few probes to say anything);
   - download: the 20 PDFs fetched at once from `/documents/…` with the bearer token, in rounds for 2 s.
   A probe belongs to the phase in which it was sent, from the moment the threads are released to the
   last answer (CLOCK_MONOTONIC is shared by the processes).
   The server's peak RSS is its VmHWM, reset (`/proc/PID/clear_refs`) just before the render phase.
3. Checked, not assumed: every answer has no error; the render phase made exactly one new fa-IR PDF
   rendition per invoice and the cached phase none; every download's SHA-256 is the one GraphQL gave; one
   PDF has 3 pages (`pdfinfo`, when poppler is installed).

The report gives the medians over the runs (and each run's figures): `/healthz` p50/p99/max per phase, the
ratio render-phase p99 ÷ idle p99, the wall time of the 20 renders, renders/s, the slowest ask, the
median round of cached asks and of downloads, and the server's RSS (warmed up, at its peak, after). The machine's load average is printed at the start and the end.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid

import httpx
from sqlalchemy import create_engine as sa_create_engine
from sqlalchemy import text

from salesflow.adapters.sql import SqlUnitOfWork, create_engine, install
from salesflow.statemachine import invoice as invoices
from salesflow.statemachine import lead as leads
from salesflow.statemachine import order as orders
from salesflow.statemachine.users import create_token

HERE = os.path.dirname(os.path.abspath(__file__))
LINES = 40
LOCALE = "fa-IR"
PROBE_INTERVAL_S = 0.01
IDLE_S = 3.0
GAP_S = 1.0
ROUNDS_S = 2.0  # cached asks and downloads: rounds of concurrent requests for at least this long
DOCUMENT = (
    'query($id: ID!) { node(id: $id) { ... on Invoice { document(format: PDF, locale: "%s") '
    "{ url sha256 } } } }" % LOCALE
)


def _worst_query():
    """benchmarks/worst_query.py, for its `Server` (a `salesflow serve` subprocess in its own process group)."""
    spec = importlib.util.spec_from_file_location("worst_query", os.path.join(HERE, "worst_query.py"))
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


Server = _worst_query().Server


def gid(type_name: str, ident: int) -> str:
    return base64.b64encode(f"{type_name}:{ident}".encode()).decode()


# --- setup ---------------------------------------------------------------------------------------------


def order_lines(units: int) -> list[dict]:
    """40 lines of long Persian descriptions (two lines of text each in the table), `units` of each."""
    return [
        dict(
            description=f"قطعه {i}: میز اداری با صفحه چوبی، برش به اندازه، نوار لبه و نصب در محل، "
            f"تحویل از انبار اصفهان با بسته‌بندی مقاوم",
            product_code=f"MIZ-{i:04d}",
            quantity=str(units),
            unit_price=str(1_500_000 + i * 370_000),
            discount_percent=str(i % 3 * 5),
            tax_rate="10" if i % 2 else "9",
        )
        for i in range(1, LINES + 1)
    ]


def issued_invoices(engine, count: int) -> list[int]:
    """`count` issued invoices of the same 40 lines, through the real operations; their ids."""
    uow = SqlUnitOfWork(engine)
    new = leads.create_lead(
        uow,
        "تجهیز دفتر مرکزی",
        contact_name="مریم احمدی",
        company_name="شرکت بازرگانی آرین‌پارس",
        email="kharid@arianpars.example",
    )
    converted = leads.convert_lead(uow, new.id, currency="IRR")
    order = orders.create_order(uow, converted.opportunity.id, "IRR", order_lines(count))
    ids = []
    for _ in range(count):
        delivered = orders.record_delivery(
            uow, order.id, [dict(order_line_id=ln.id, quantity="1") for ln in order.lines]
        )
        ids.append(invoices.issue_invoice(uow, delivered.invoice.id).id)
    return ids


def admin_token(engine) -> str:
    return create_token(SqlUnitOfWork(engine), "bench", "admin", "documents_load benchmark")[1]


def renditions(engine) -> int:
    """fa-IR PDF renditions of invoices in the store."""
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT count(*) FROM renditions WHERE document_type = 'invoice' AND format = 'pdf' "
                "AND locale = :locale"
            ),
            {"locale": LOCALE},
        ).scalar_one()


@contextlib.contextmanager
def sqlite_database(workdir: str):
    yield f"sqlite:///{os.path.join(workdir, 'documents.db')}"


@contextlib.contextmanager
def postgres_database(admin_url: str):
    """A database of its own on the server of admin_url, dropped afterwards."""
    name = f"salesflow_bench_docs_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = sa_create_engine(create_engine(admin_url).url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


# --- the probe -----------------------------------------------------------------------------------------

#: Its own process, so the load generator's threads never delay it: asks /healthz every PROBE_INTERVAL_S
#: until stdin closes, then prints [[sent at (CLOCK_MONOTONIC), seconds], ...] as JSON.
PROBE = """
import json, sys, threading, time, httpx
done = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), done.set()), daemon=True).start()
out = []
with httpx.Client(base_url=sys.argv[1], timeout=30, trust_env=False) as http:
    http.get("/healthz")
    print("ready", flush=True)
    while not done.is_set():
        started = time.monotonic()
        assert http.get("/healthz").status_code == 200
        out.append((started, time.monotonic() - started))
        done.wait(float(sys.argv[2]))
print(json.dumps(out), flush=True)
"""


class Probe:
    def __init__(self, base: str):
        self.process = subprocess.Popen(
            [sys.executable, "-c", PROBE, base, str(PROBE_INTERVAL_S)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        if self.process.stdout.readline().strip() != "ready":
            raise RuntimeError("the /healthz probe did not start")

    def stop(self) -> list[tuple[float, float]]:
        out, _ = self.process.communicate("", timeout=60)
        if self.process.returncode != 0:
            raise RuntimeError("the /healthz probe failed (a /healthz answer was not 200)")
        return [tuple(x) for x in json.loads(out.strip().splitlines()[-1])]


# --- one run -------------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (nearest rank) of values."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def latency_stats(latencies: list[float]) -> dict[str, float]:
    """How many probes, and their p50, p99 and max in ms."""
    ms = [x * 1000 for x in latencies]
    if not ms:
        return {"n": 0, "p50": float("nan"), "p99": float("nan"), "max": float("nan")}
    return {"n": len(ms), "p50": percentile(ms, 50), "p99": percentile(ms, 99), "max": max(ms)}


def at_once(count: int, work) -> tuple[list, tuple[float, float], list[float]]:
    """work(i) for i in range(count) in count threads released together: the results, when they were
    released and when the last one ended (CLOCK_MONOTONIC), and the seconds each took."""
    barrier = threading.Barrier(count + 1)
    results: list = [None] * count
    took: list[float] = [0.0] * count

    def one(i: int) -> None:
        barrier.wait()
        started = time.monotonic()
        try:
            results[i] = work(i)
        except Exception as exc:  # noqa: BLE001 - reported with the run
            results[i] = exc
        took[i] = time.monotonic() - started

    threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.monotonic()
    for thread in threads:
        thread.join()
    return results, (started, time.monotonic()), took


class Clients:
    """One kept-alive connection per concurrent request, opened before anything is timed."""

    def __init__(self, base: str, token: str, count: int):
        self.auth = {"Authorization": f"Bearer {token}"}
        self.clients = [httpx.Client(base_url=base, timeout=120, trust_env=False) for _ in range(count)]
        for client in self.clients:
            client.get("/healthz")

    def close(self) -> None:
        for client in self.clients:
            client.close()

    def ask(self, ids: list[int]) -> tuple[list[dict], tuple[float, float], list[float]]:
        """Each invoice's fa-IR PDF `document` asked at once, one request each."""

        def one(i: int) -> dict:
            answer = self.clients[i].post(
                "/graphql", json={"query": DOCUMENT, "variables": {"id": gid("Invoice", ids[i])}}, headers=self.auth
            )
            body = answer.json()
            if answer.status_code != 200 or body.get("errors") or not (body.get("data") or {}).get("node"):
                raise RuntimeError(f"invoice {ids[i]}: {answer.status_code} {str(body)[:300]}")
            return body["data"]["node"]["document"]

        return _checked(*at_once(len(ids), one))

    def fetch(self, documents: list[dict]) -> tuple[list[bytes], tuple[float, float], list[float]]:
        """Each document's bytes downloaded at once, checked against the SHA-256 GraphQL gave."""

        def one(i: int) -> bytes:
            answer = self.clients[i].get(documents[i]["url"], headers=self.auth)
            if answer.status_code != 200 or hashlib.sha256(answer.content).hexdigest() != documents[i]["sha256"]:
                raise RuntimeError(f"{documents[i]['url']}: {answer.status_code}, or not the bytes GraphQL named")
            return answer.content

        return _checked(*at_once(len(documents), one))


def _checked(results: list, window: tuple[float, float], took: list[float]):
    failed = [r for r in results if isinstance(r, Exception)]
    if failed:
        raise RuntimeError(f"{len(failed)} of {len(results)} requests failed; the first: {failed[0]}")
    return results, window, took


def rounds(work, seconds: float) -> tuple[list, tuple[float, float], list[float]]:
    """work() (one concurrent round) again and again for at least `seconds`: the last results, the
    window of all the rounds, and each round's wall time."""
    walls, first = [], None
    while True:
        results, (start, end), _ = work()
        first = start if first is None else first
        walls.append(end - start)
        if end - first >= seconds:
            return results, (first, end), walls


def pdf_pages(pdf: bytes) -> int | None:
    if not shutil.which("pdfinfo"):
        return None
    out = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True).stdout.decode()
    for line in out.splitlines():
        if line.startswith("Pages:"):
            return int(line.split()[1])
    return None


def one_run(url: str, engine, token: str, ids: list[int], spare: int, workdir: str) -> dict:
    server = Server(url, [], workdir).start()
    probe = clients = None
    windows: dict[str, tuple[float, float]] = {}
    try:
        clients = Clients(server.base, token, len(ids))
        clients.ask([spare])  # warm-up: imports, fonts, a compiler
        probe = Probe(server.base)
        rss_idle = server.memory()["VmRSS"] / 1024
        start = time.monotonic()
        time.sleep(IDLE_S)
        windows["idle"] = (start, time.monotonic())

        before = renditions(engine)
        server.reset_peak()
        documents, windows["render"], render_took = clients.ask(ids)
        peak = server.memory()["VmHWM"] / 1024
        made = renditions(engine) - before
        if made != len(ids):
            raise RuntimeError(f"the render phase kept {made} new renditions, not {len(ids)}")

        time.sleep(GAP_S)
        again, windows["cached"], cached_walls = rounds(lambda: clients.ask(ids), ROUNDS_S)
        if renditions(engine) - before != len(ids) or [d["sha256"] for d in again] != [d["sha256"] for d in documents]:
            raise RuntimeError("a cached ask rendered again")

        time.sleep(GAP_S)
        pdfs, windows["download"], download_walls = rounds(lambda: clients.fetch(documents), ROUNDS_S)
        time.sleep(0.2)  # the probe's last answers
        rss_after = server.memory()["VmRSS"] / 1024
    except Exception:
        log = os.path.join(workdir, f"serve-{server.port}.log")
        with open(log, errors="replace") as f:
            print(f"the server's log ({log}), the end:\n{f.read()[-6000:]}", file=sys.stderr)
        raise
    finally:
        samples = probe.stop() if probe is not None else []
        if clients is not None:
            clients.close()
        server.stop()
    phases = {name: [took for sent, took in samples if start <= sent < end] for name, (start, end) in windows.items()}
    result = {name: latency_stats(latencies) for name, latencies in phases.items()}
    render_wall = windows["render"][1] - windows["render"][0]
    result.update(
        render_wall_s=render_wall,
        renders_per_s=len(ids) / render_wall,
        slowest_render_s=max(render_took),
        cached_round_s=statistics.median(cached_walls),
        cached_rounds=len(cached_walls),
        download_round_s=statistics.median(download_walls),
        download_rounds=len(download_walls),
        rss_idle_mb=rss_idle,
        rss_peak_mb=peak,
        rss_after_mb=rss_after,
        pages=pdf_pages(pdfs[0]),
    )
    result["ratio_p99"] = result["render"]["p99"] / result["idle"]["p99"]
    return result


# --- the report ----------------------------------------------------------------------------------------


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def median_of(runs: list[dict], path: tuple[str, ...]) -> float:
    values = []
    for run in runs:
        value = run
        for key in path:
            value = value[key]
        values.append(value)
    return statistics.median(values)


def report(backend: str, runs: list[dict]) -> None:
    print(f"\n## {backend}: medians of {len(runs)} runs\n")
    print("| phase | /healthz probes | p50 ms | p99 ms | max ms |")
    print("|---|---:|---:|---:|---:|")
    for phase in ("idle", "render", "cached", "download"):
        cells = [f"{median_of(runs, (phase, k)):.1f}" for k in ("p50", "p99", "max")]
        print(f"| {phase} | {median_of(runs, (phase, 'n')):.0f} | " + " | ".join(cells) + " |")
    print()
    print("| figure | median | runs |")
    print("|---|---:|---|")
    rows = [
        ("p99 during renders ÷ p99 idle", ("ratio_p99",), "{:.2f}×"),
        ("wall time of the renders, s", ("render_wall_s",), "{:.2f}"),
        ("renders/s", ("renders_per_s",), "{:.2f}"),
        ("slowest render ask, s", ("slowest_render_s",), "{:.2f}"),
        ("wall time of a round of cached asks, s", ("cached_round_s",), "{:.3f}"),
        ("wall time of a round of downloads, s", ("download_round_s",), "{:.3f}"),
        ("server RSS idle (warmed up), MB", ("rss_idle_mb",), "{:.0f}"),
        ("server RSS peak during renders, MB", ("rss_peak_mb",), "{:.0f}"),
        ("server RSS after, MB", ("rss_after_mb",), "{:.0f}"),
    ]
    for label, path, fmt in rows:
        each = ", ".join(fmt.format(median_of([r], path)) for r in runs)
        print(f"| {label} | {fmt.format(median_of(runs, path))} | {each} |")
    pages = {r["pages"] for r in runs}
    print(f"\npages of each PDF: {', '.join(str(p) for p in pages)}")


def bench(backend: str, url: str, runs: int, concurrency: int, workdir: str) -> list[dict]:
    engine = install(url)
    try:
        started = time.monotonic()
        ids = issued_invoices(engine, runs * concurrency + runs)
        token = admin_token(engine)
        print(
            f"{backend}: {len(ids)} issued invoices of {LINES} lines in {time.monotonic() - started:.1f} s", flush=True
        )
        results = []
        for run in range(runs):
            chunk = ids[run * (concurrency + 1) : (run + 1) * (concurrency + 1)]
            result = one_run(url, engine, token, chunk[1:], chunk[0], workdir)
            print(
                f"  run {run + 1}: load {load_average()}; healthz p99 idle {result['idle']['p99']:.1f} ms, "
                f"rendering {result['render']['p99']:.1f} ms (max {result['render']['max']:.1f}); "
                f"{concurrency} renders in {result['render_wall_s']:.2f} s; peak RSS {result['rss_peak_mb']:.0f} MB",
                flush=True,
            )
            results.append(result)
        return results
    finally:
        engine.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=20)
    parser.add_argument("--postgres-url", default=os.environ.get("SALESFLOW_BENCH_POSTGRES_URL"))
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument("--json", help="also write every run's figures to this file")
    args = parser.parse_args(argv)
    print(f"load average at the start: {load_average()} ({os.cpu_count()} CPUs)", flush=True)
    everything = {}
    with tempfile.TemporaryDirectory(prefix="salesflow-docs-load-") as workdir:
        backends = [("sqlite", sqlite_database(workdir))]
        if args.postgres_url and not args.sqlite_only:
            backends.append(("postgresql", postgres_database(args.postgres_url)))
        else:
            print("postgresql: skipped (no --postgres-url or $SALESFLOW_BENCH_POSTGRES_URL)")
        for backend, database in backends:
            with database as url:
                everything[backend] = bench(backend, url, args.runs, args.concurrency, workdir)
    for backend, runs in everything.items():
        report(backend, runs)
    print(f"\nload average at the end: {load_average()}")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(everything, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
