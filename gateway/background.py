"""Workers that run pass after pass beside the server (accounting sync, mail): one loop for them all,
in the foreground (`salesflow sync`, `salesflow mail`) or in a daemon thread of `salesflow serve`."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger("salesflow.background")


def passes(
    run_pass: Callable[[], Any],
    interval: float,
    stop: threading.Event,
    *,
    what: str,
    busy: Callable[[Any], bool],
    describe: Callable[[Any], str],
    once: bool = False,
    report: Callable[[str], None] = print,
) -> None:
    """Pass after pass until `stop` is set (or one pass with `once`). A failed pass is logged and the
    next one retries it; a pass that did something (`busy`) is reported, a quiet one is not worth a
    line every few seconds."""
    while not stop.is_set():
        try:
            done = run_pass()
        except Exception:  # noqa: BLE001 - the loop outlives a failed pass (the database away, say)
            log.exception("a %s pass failed", what)
            if once:
                raise
        else:
            if once or busy(done):
                report(describe(done))
        if once:
            return
        stop.wait(interval)


def start(name: str, loop: Callable[[threading.Event], None], close: Callable[[], None]):
    """Run loop(stop) in a daemon thread, then close(); set the returned event to stop it after its pass."""
    stop = threading.Event()

    def target() -> None:
        try:
            loop(stop)
        finally:
            close()

    thread = threading.Thread(target=target, name=name, daemon=True)
    thread.start()
    return stop, thread
