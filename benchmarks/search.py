"""Text search over many contacts: this release's search keys and queries against 0011's, on the same rows.

    python benchmarks/search.py                      # SQLite, plus PostgreSQL if a URL is set
    python benchmarks/search.py --rows 100000 --postgres-url postgresql://postgres@127.0.0.1:54329/postgres

Each backend gets a fresh migrated database (SQLite: a WAL file in a temporary directory; PostgreSQL: a
database `salesflow_bench_search_<random>` created from the admin URL and dropped afterwards). It is
filled with `--rows` contacts (Persian, Turkish and English names, Iranian and Turkish phones), then
each query is timed as the store's statements for `filter: {search}` (queries.py), a first page of 20
and the total count (a count
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
from salesflow.adapters.sql.mapping import MAPPINGS, search_key_of
from salesflow.adapters.sql.queries import _escape, count_query, page_query
from salesflow.domain.normalize import fold
from salesflow.domain.parties import Contact
from salesflow.domain.query import Filter, PageSpec

CONTACTS = MAPPINGS[Contact]

FIRST = ["محمد\u200cرضا", "مریم", "علی", "Işıl", "Mehmet", "Anna", "Müller", "پارس تک", "زهرا", "Ömer"]
LAST = ["کاظمی", "رضایی", "Şahin", "Yılmaz", "Weiß", "حسینی", "Öztürk", "Smith", "نیک\u200cنام", "Demir"]
QUERIES = ["+98 912 345", "0098 912 345", "0912 345", "پارس تک", "yilmaz", "nobody at all"]
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
                    dict(
                        row,
                        id=i,
                        search_key=search_key_of(SEARCHED, row.__getitem__),
                        version=1,
                        created_at=now,
                        updated_at=now,
                    )
                )
            conn.execute(insert(t.contacts), batch)


def as_0011(engine) -> None:
    """The keys as 0011 wrote them: each searched text folded, one per line."""
    with engine.begin() as conn:
        rows = conn.execute(select(t.contacts.c.id, *(t.contacts.c[c] for c in SEARCHED))).all()
        keys = [{"_id": r.id, "key": "\n".join(f for f in (fold(v) for v in r[1:]) if f)} for r in rows]
        conn.execute(update(t.contacts).where(t.contacts.c.id == text(":_id")).values(search_key=text(":key")), keys)


def once_ms(conn, statement) -> float:
    """Milliseconds to run a statement and fetch its rows."""
    start = time.perf_counter()
    conn.execute(statement).all()
    return (time.perf_counter() - start) * 1000


def statements_now(query: str) -> tuple:
    """This release: the list statements as the store builds them for `filter: {search}`."""
    spec = PageSpec(filter=Filter(search=query), limit=20)
    return page_query(CONTACTS, spec), count_query(CONTACTS, spec)


def statements_0011(query: str) -> tuple:
    """0011: one LIKE of the folded query."""
    like = t.contacts.c.search_key.like(f"%{_escape(fold(query))}%", escape="\\")
    page = select(*CONTACTS.selected).where(like).order_by(t.contacts.c.id).limit(21)
    return page, select(func.count()).select_from(t.contacts).where(like)


def compact(engine) -> None:
    """Rewritten rows leave dead versions behind: both rules are timed on a compacted, analysed table."""
    if engine.dialect.name == "sqlite":  # the store's engine begins every transaction itself: VACUUM needs none
        raw = engine.raw_connection()
        try:
            raw.driver_connection.execute("VACUUM")
            raw.driver_connection.execute("ANALYZE contacts")
        finally:
            raw.close()
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM FULL contacts"))
        conn.execute(text("ANALYZE contacts"))


def prepare(url: str, rows: int, old: bool):
    install(url).dispose()
    engine = create_engine(url)
    fill(engine, rows)
    if old:
        as_0011(engine)
    compact(engine)
    return engine


def run(name: str, urls: tuple[str, str], rows: int, repeats: int) -> None:
    started = time.perf_counter()
    now, old = prepare(urls[0], rows, False), prepare(urls[1], rows, True)
    print(f"\n{name}: {rows} contacts written twice in {time.perf_counter() - started:.1f} s")
    sizes = []
    for engine in (old, now):
        with engine.connect() as conn:
            sizes.append(conn.execute(select(func.sum(func.length(t.contacts.c.search_key)))).scalar_one() / rows)
    print(f"search keys: {sizes[0]:.0f} characters a row at 0011, {sizes[1]:.0f} now")
    print(
        f"{'query':<16} {'page 0011':>10} {'page now':>10} {'count 0011':>11} {'count now':>10} {'found 0011':>11} {'now':>5}"
    )
    with old.connect() as c_old, now.connect() as c_now:
        for q in QUERIES:
            (p_old, n_old), (p_now, n_now) = statements_0011(q), statements_now(q)
            found = c_old.execute(n_old).scalar_one(), c_now.execute(n_now).scalar_one()
            runs = {"p_old": (c_old, p_old), "p_now": (c_now, p_now), "n_old": (c_old, n_old), "n_now": (c_now, n_now)}
            times = {k: [] for k in runs}
            for _ in range(repeats + 1):  # turn about; the first round warms the caches and is dropped
                for k, (conn, statement) in runs.items():
                    times[k].append(once_ms(conn, statement))
            m = {k: statistics.median(v[1:]) for k, v in times.items()}
            print(
                f"{q:<16} {m['p_old']:>8.1f}ms {m['p_now']:>8.1f}ms {m['n_old']:>9.1f}ms {m['n_now']:>8.1f}ms"
                f" {found[0]:>11} {found[1]:>5}"
            )
    old.dispose()
    now.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--sqlite-only", action="store_true")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("SALESFLOW_BENCH_POSTGRES_URL") or os.environ.get("SALESFLOW_TEST_POSTGRES_URL"),
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run(
            "SQLite",
            (f"sqlite:///{Path(tmp) / 'now.db'}", f"sqlite:///{Path(tmp) / 'old.db'}"),
            args.rows,
            args.repeats,
        )
    if args.sqlite_only or not args.postgres_url:
        print("\nPostgreSQL skipped: no URL" if not args.sqlite_only else "")
        return
    admin = create_engine(args.postgres_url, isolation_level="AUTOCOMMIT")
    names = [f"salesflow_bench_search_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    try:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        urls = [make_url(args.postgres_url).set(database=n).render_as_string(hide_password=False) for n in names]
        run("PostgreSQL", tuple(urls), args.rows, args.repeats)
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


if __name__ == "__main__":
    main()
