"""The typst call: a view (documents/view.py) in, PDF or HTML bytes out, the same bytes every time.

Determinism: typst sees only the bundled fonts (`ignore_system_fonts`), the templates and the inputs
given here, and the PDF's creation date is the document's own date (`set document(date: …)` in the
template, from the view's `date`), never the clock.

Threads: compiles run on a pool of their own, one thread per CPU (`COMPILES`): more would not finish
sooner, and each running compile holds its own memory (20 at once took 330 MB more on the development
VM, benchmarks/documents.py), so callers beyond that wait their turn. typst releases the GIL while it
compiles, so the event loop keeps running; and the pool's threads run at a lower CPU priority
(`NICENESS`, per thread on Linux), so that on a busy machine the loop and the requests beside a burst
of renders get the CPU first, and the renders take what is left. A `typst.Compiler` refuses a second
compile while one runs ("Already borrowed"): each pool thread keeps its own.
"""

from __future__ import annotations

import json
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import typst

HERE = Path(__file__).parent
TEMPLATES = HERE / "templates"
FONTS = HERE / "fonts"
MAIN = TEMPLATES / "document.typ"

COMPILES = max(1, os.cpu_count() or 1)
NICENESS = 10  # added to the compile threads' nice value: below requests, above nothing else of ours


def _lower_priority() -> None:
    """Each compile thread yields the CPU to the process's other threads (Linux: nice is per thread)."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)
    except (AttributeError, OSError):  # no per-thread priority here: compiles run at the usual one
        pass


_compiles = ThreadPoolExecutor(max_workers=COMPILES, thread_name_prefix="typst", initializer=_lower_priority)
_local = threading.local()


def _compiler() -> typst.Compiler:
    """This pool thread's compiler (the main file is given here: typst < 0.15 requires it)."""
    if not hasattr(_local, "compiler"):
        _local.compiler = typst.Compiler(
            str(MAIN), root=str(TEMPLATES), font_paths=[str(FONTS)], ignore_system_fonts=True
        )
    return _local.compiler


def compile_view(view: dict[str, Any], fmt: str, *, logo: bytes | None = None) -> bytes:
    """Compile the document template over a view into `fmt` ("pdf" or "html")."""
    inputs = {"view": json.dumps(view, ensure_ascii=False, sort_keys=True), "format": fmt}
    if logo is not None:
        inputs["logo"] = json.dumps(list(logo))  # typst takes only strings; bytes(array) rebuilds the image
    return _compiles.submit(lambda: _compiler().compile(format=fmt, sys_inputs=inputs)).result()
