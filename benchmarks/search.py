"""Text search over many contacts: this release's search keys and queries against 0011's, on the same rows.

    python benchmarks/search.py                      # SQLite, plus PostgreSQL if a URL is set
    python benchmarks/search.py --rows 100000 --postgres-url postgresql://postgres@127.0.0.1:54329/postgres

Each backend gets a fresh migrated database (SQLite: a WAL file in a temporary directory; PostgreSQL: a
database `salesflow_bench_search_<random>` created from the admin URL and dropped afterwards). It is
filled with `--rows` contacts (Persian, Turkish and English names, Iranian and Turkish phones), then
each query is timed as `filter: {search}` runs it, a first page of 20 and the total count (a count
reads every row that matches: the worst case of a LIKE '%…%' with no index), median of `--repeats`.
The search keys are then rewritten as 0011 wrote them (each text folded, one per line) and the same
queries timed as 0011 built them (one LIKE of the folded query), so the two columns differ only in the
rule.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.engine import make_url

from salesflow.adapters.sql import create_engine, install
from salesflow.adapters.sql import tables as t
from salesflow.adapters.sql.mapping import search_key_of
from salesflow.adapters.sql.queries import _escape
from salesflow.adapters.sql.uow import SqlUnitOfWork
from salesflow.domain.normalize import fold
from salesflow.domain.query import Filter, PageSpec

FIRST = ["محمد\u200cرضا", "مریم", "علی", "Işıl", "Mehmet", "Anna", "Müller", "پارس تک", "زهرا", "Ömer"]
LAST = ["کاظمی", "رضایی", "Şahin", "Yılmaz", "Weiß", "حسینی", "Öztürk", "Smith", "نیک\u200cنام", "Demir"]
QUERIES = ["+98 912 345", "0912 345", "پارس تک", "yilmaz", "nobody at all"]
SEARCHED = ("name", "email", "phone")


def phone(i: int) -> str:
    """Iranian for odd rows, Turkish for even ones; "0912 345" is about one Iranian row in 500."""
    return f"0912 {i % 1000:03d} {i // 1000 % 10000:04d}" if i % 2 else f"0532 {i % 1000:03d} {i // 1000 % 100:02d} 67"


def fill(engine, rows: int) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    with engine.begin() as conn:
        for start in range(0, rows, 5000):
            batch = []
            for i in range(start + 1, min(rows, start + 5000) + 1):
                row = dict(name=f"{FIRST[i % 10]} {LAST[i // 10 % 10]} {i}", email=f"c{i}@example.com", phone=phone(i))
                batch.append(
                    dict(row, id=i, search_key=search_key_of(SEARCHED, row.__getitem__), version=1, created_at=now, updated_at=now)
                )
            conn.execute(insert(t.contacts), batch)
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE contacts"))


def as_0011(engine) -> None:
    """The keys as 0011 wrote them: each searched text folded, one per line."""
    with engine.begin() as conn:
        rows = conn.execute(select(t.contacts.c.id, *(t.contacts.c[c] for c in SEARCHED))).all()
        keys = [{"_id": r.id, "key": "\n".join(f for f in (fold(v) for v in r[1:]) if f)} for r in rows]
        conn.execute(
            update(t.contacts).where(t.contacts.c.id == text(":_id")).values(search_key=text(":key")), keys
        )
        if engine.dialect.name == "postgresql":
            conn.execute(text("ANALYZE contacts"))


def median_ms(fn, repeats: int) -> float:
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def time_now(engine, query: str, repeats: int) -> tuple[float, float, int]:
    uow = SqlUnitOfWork(engine)
    spec = PageSpec(filter=Filter(search=query), limit=20)

    def page():
        with uow:
            uow.contacts.page(spec)

    def count():
        with uow:
            return uow.contacts.count(spec)

    with uow:
        found = uow.contacts.count(spec)
    return median_ms(page, repeats), median_ms(count, repeats), found


def time_0011(engine, query: str, repeats: int) -> tuple[float, float, int]:
    like = t.contacts.c.search_key.like(f"%{_escape(fold(query))}%", escape="\\")
    page = select(t.contacts).where(like).order_by(t.contacts.c.id).limit(21)
    count = select(func.count()).select_from(t.contacts).where(like)
    with engine.connect() as conn:
        found = conn.execute(count).scalar_one()
        return (
            median_ms(lambda: conn.execute(page).all(), repeats),
            median_ms(lambda: conn.execute(count).scalar_one(), repeats),
            found,
        )


def run(name: str, url: str, rows: int, repeats: int) -> None:
    engine = install(url)
    engine.dispose()
    engine = create_engine(url)
    started = time.perf_counter()
    fill(engine, rows)
    print(f"\n{name}: {rows} contacts written in {time.perf_counter() - started:.1f} s")
    now = {q: time_now(engine, q, repeats) for q in QUERIES}
    with engine.connect() as conn:
        size_now = conn.execute(select(func.sum(func.length(t.contacts.c.search_key)))).scalar_one()
    as_0011(engine)
    before = {q: time_0011(engine, q, repeats) for q in QUERIES}
    with engine.connect() as conn:
        size_before = conn.execute(select(func.sum(func.length(t.contacts.c.search_key)))).scalar_one()
    print(f"search keys: {size_before / rows:.0f} characters a row at 0011, {size_now / rows:.0f} now")
    print(f"{'query':<16} {'page 0011':>10} {'page now':>10} {'count 0011':>11} {'count now':>10} {'found 0011':>11} {'now':>7}")
    for q in QUERIES:
        b, n = before[q], now[q]
        print(f"{q:<16} {b[0]:>8.1f}ms {n[0]:>8.1f}ms {b[1]:>9.1f}ms {n[1]:>8.1f}ms {b[2]:>11} {n[2]:>7}")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("SALESFLOW_BENCH_POSTGRES_URL") or os.environ.get("SALESFLOW_TEST_POSTGRES_URL"),
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite", f"sqlite:///{Path(tmp) / 'search.db'}", args.rows, args.repeats)
    if args.sqlite_only or not args.postgres_url:
        print("\nPostgreSQL skipped: no URL" if not args.sqlite_only else "")
        return
    admin = create_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
    name = f"salesflow_bench_search_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        run("PostgreSQL", make_url(args.postgres_url).set(database=name).render_as_string(hide_password=False),
            args.rows, args.repeats)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
