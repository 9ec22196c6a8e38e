#!/usr/bin/env python
"""Lines per document: how long writing one quote of N lines holds the store's write lock.

    python benchmarks/lines.py [--sizes 10,100,1000,10000,100000] [--repeats 3]

For each N, a fresh SQLite file database gets an opportunity, then `convert_opportunity_to_quote` with
N lines (the operation's own transaction: validation, pricing, one multi-row INSERT of the lines, the
commit). On SQLite that transaction holds the database's single write lock from its first write to
its commit, so every other writer (every other mutation of every user) waits at least that long.
Reported per N: the median and the longest of R runs, in milliseconds, and ms per line. The domain
cap is domain/lines.py MAX_LINES, so the sizes above it are written here straight through the
operation's inner function, past the cap, to show what the cap prevents.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from unittest import mock

from salesflow.adapters.sql import SqlUnitOfWork, install
from salesflow.domain import lines as domain_lines
from salesflow.domain.parties import User
from salesflow.statemachine import opportunity, quote


def one_run(n: int) -> float:
    """Seconds for one quote of n lines, on a fresh SQLite database."""
    with tempfile.TemporaryDirectory(prefix="salesflow-lines-") as tmp:
        engine = install(f"sqlite:///{tmp}/bench.db")
        uow = SqlUnitOfWork(engine)
        with uow:
            now = datetime.now(UTC)
            actor = uow.users.add(User(name="bench", role="admin", created_at=now, updated_at=now))
            uow.commit()
        opp = opportunity.create_opportunity(uow, "Bench", currency="EUR", actor=actor)
        rows = [dict(description=f"item {i}", quantity="2", unit_price="9.99", tax_rate="19") for i in range(n)]
        with mock.patch.object(domain_lines, "MAX_LINES", max(n, domain_lines.MAX_LINES)):
            started = time.perf_counter()
            quote.convert_opportunity_to_quote(uow, opp.id, "proforma", lines=rows, actor=actor)
            elapsed = time.perf_counter() - started
        engine.dispose()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--sizes", default="10,100,1000,10000,100000")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    print(f"{'lines':>8} {'median ms':>10} {'max ms':>10} {'ms/line':>8}   (MAX_LINES = {domain_lines.MAX_LINES:,})")
    for n in (int(s) for s in args.sizes.split(",")):
        runs = [one_run(n) for _ in range(args.repeats)]
        median = statistics.median(runs)
        print(f"{n:>8,} {median * 1000:>10.1f} {max(runs) * 1000:>10.1f} {median * 1000 / n:>8.3f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
