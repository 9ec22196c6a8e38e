"""The typst call: a view (documents/view.py) in, PDF or HTML bytes out, the same bytes every time.

Determinism: typst sees only the bundled fonts (`ignore_system_fonts`), the templates and the inputs
given here, and the PDF's creation date is the document's own date (`set document(date: …)` in the
template, from the view's `date`), never the clock.

Threads: a `typst.Compiler` refuses a second compile while one runs ("Already borrowed"), so each
call borrows a compiler from a pool and returns it. typst releases the GIL while it compiles, so other
threads (the event loop) run; but at most one compile per CPU runs at once (`COMPILES`): more would
not finish sooner, and each running compile holds its own memory (20 at once took 330 MB more on the
development VM, benchmarks/documents.py), so callers beyond that wait their turn.
"""

from __future__ import annotations

import json
import os
import queue
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typst

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
FONTS = HERE / "fonts"
MAIN = TEMPLATES / "document.typ"

COMPILES = max(1, os.cpu_count() or 1)
_running = threading.BoundedSemaphore(COMPILES)
_pool: queue.SimpleQueue[typst.Compiler] = queue.SimpleQueue()  # at most COMPILES compilers


def _new_compiler() -> typst.Compiler:
    # the main file is given here (typst < 0.15 requires it) and the inputs per compile (0.14.9 and later)
    return typst.Compiler(str(MAIN), root=str(TEMPLATES), font_paths=[str(FONTS)], ignore_system_fonts=True)


@contextmanager
def _compiler() -> Iterator[typst.Compiler]:
    try:
        compiler = _pool.get_nowait()
    except queue.Empty:
        compiler = _new_compiler()
    try:
        yield compiler
    finally:
        _pool.put(compiler)


def compile_view(view: dict[str, Any], fmt: str, *, logo: bytes | None = None) -> bytes:
    """Compile the document template over a view into `fmt` ("pdf" or "html")."""
    inputs = {"view": json.dumps(view, ensure_ascii=False, sort_keys=True), "format": fmt}
    if logo is not None:
        inputs["logo"] = json.dumps(list(logo))  # typst takes only strings; bytes(array) rebuilds the image
    with _running, _compiler() as compiler:
        return compiler.compile(format=fmt, sys_inputs=inputs)
