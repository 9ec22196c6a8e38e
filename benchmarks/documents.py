#!/usr/bin/env python
"""Rendering documents: milliseconds per PDF, peak memory, and what rendering does to the event loop.

    python benchmarks/documents.py [--repeats 30] [--concurrent 20]

The document is the 40-line Turkish invoice of tests/document_samples.py, three A4 pages. Reported:
1. the first render in this process (loads the fonts, the template and typst's caches), in ms;
2. the median, min and max ms per PDF over R renders, each of different facts (the invoice number
   changes, so typst cannot answer from its memo cache), in fa and tr;
3. peak memory: the process's maximum RSS before and after all renders (getrusage), and the delta;
4. the event loop while C PDFs render at once in worker threads (anyio.to_thread, as the gateway calls
   the renderer): a 1 ms ticker on the loop measures how late it wakes, p50/p99/max, against the same
   ticker on an idle loop. typst releases the GIL while it compiles, so the loop should barely notice.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import time

import anyio
import anyio.to_thread

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests"))
from document_samples import long_invoice  # noqa: E402

from salesflow import documents  # noqa: E402
from salesflow.domain.documents import DocumentFormat  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def render(i: int, locale: str) -> bytes:
    return documents.render(long_invoice(number=f"FTR/2026/{i:05d}"), DocumentFormat.PDF, locale)


async def loop_lateness(seconds_of_work, concurrent: int) -> list[float]:
    """How late (ms) a 1 ms sleep wakes while `concurrent` renders run in threads (none: idle)."""
    late: list[float] = []
    done = anyio.Event()

    async def ticker() -> None:
        while not done.is_set():
            started = time.perf_counter()
            await anyio.sleep(0.001)
            late.append((time.perf_counter() - started) * 1000 - 1)

    async with anyio.create_task_group() as group:
        group.start_soon(ticker)
        if concurrent:
            limiter = anyio.CapacityLimiter(concurrent)
            async with anyio.create_task_group() as renders:
                for i in range(concurrent):
                    renders.start_soon(lambda i=i: anyio.to_thread.run_sync(render, 90_000 + i, "fa", limiter=limiter))
        else:
            await anyio.sleep(seconds_of_work)
        done.set()
    return late


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(p / 100 * (len(ordered) - 1))))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--concurrent", type=int, default=20)
    args = parser.parse_args()

    rss_before = peak_rss_mb()
    started = time.perf_counter()
    first = render(0, "tr")
    first_ms = (time.perf_counter() - started) * 1000
    print(f"40-line invoice: {len(first):,} bytes; first render {first_ms:.0f} ms (fonts, template, caches)")

    for locale in ("tr", "fa"):
        times = []
        for i in range(1, args.repeats + 1):
            started = time.perf_counter()
            render(i, locale)
            times.append((time.perf_counter() - started) * 1000)
        print(
            f"{locale}: {statistics.median(times):.1f} ms per PDF (median of {args.repeats}; "
            f"min {min(times):.1f}, max {max(times):.1f})"
        )

    started = time.perf_counter()
    busy = anyio.run(loop_lateness, None, args.concurrent)
    wall = time.perf_counter() - started
    idle = anyio.run(loop_lateness, wall, 0)
    print(f"{args.concurrent} PDFs in worker threads at once: {wall * 1000:.0f} ms in all")
    for name, late in (("idle loop", idle), (f"while {args.concurrent} render", busy)):
        print(
            f"  event loop lateness, {name}: p50 {percentile(late, 50):.2f} ms, p99 {percentile(late, 99):.2f} ms, "
            f"max {max(late):.2f} ms ({len(late)} ticks)"
        )
    rss_after = peak_rss_mb()
    print(f"peak RSS: {rss_before:.0f} MB before, {rss_after:.0f} MB after, +{rss_after - rss_before:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
