"""How long the current request may still run, and a way to stop it early.

The gateway opens a scope around each operation; the GraphQL executor checks it between fields and
the SQL adapter makes the database check it too (SQLite's progress handler, PostgreSQL's
statement_timeout) and before every commit. A request stops when its time is up or when whoever
asked for it has gone; the transaction it was in rolls back.
This is elapsed time on the monotonic clock, a limit on work, never a business date.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar


class DeadlineExceeded(BaseException):
    """The request's time is up, or its client has gone: unwind everything, roll back, answer TIMEOUT.

    A BaseException, like asyncio.CancelledError, so that no `except Exception` on the way (the
    GraphQL executor turns those into field errors and carries on) can swallow it.
    """

    def __init__(self, deadline: Deadline):
        self.deadline = deadline
        super().__init__(deadline.reason())


class Deadline:
    """A time limit in seconds from now (None: none), which the event loop may also cancel from its own thread."""

    __slots__ = ("_cancelled", "at", "commits", "seconds")

    def __init__(self, seconds: float | None):
        self.seconds = seconds
        self.at = math.inf if seconds is None else time.monotonic() + seconds
        self.commits = 0  # transactions that committed under this deadline: their changes stay
        self._cancelled = threading.Event()

    def cancel(self) -> None:
        """Stop the work at its next check (the client has gone)."""
        self._cancelled.set()

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def remaining(self) -> float:
        """Seconds left; math.inf for a deadline that only a cancellation ends."""
        return max(0.0, self.at - time.monotonic())

    def expired(self) -> bool:
        return self._cancelled.is_set() or time.monotonic() >= self.at

    def check(self) -> None:
        """Raise DeadlineExceeded if the work must stop."""
        if self.expired():
            raise DeadlineExceeded(self)

    def committed(self) -> None:
        """A transaction of this request has committed (the store says so)."""
        self.commits += 1

    def reason(self) -> str:
        if self.cancelled:
            return "the client went away; the request was stopped"
        return f"the request ran longer than {self.seconds:g} s and was stopped"


_CURRENT: ContextVar[Deadline | None] = ContextVar("salesflow_deadline", default=None)


def current() -> Deadline | None:
    """The deadline of the work running in this context, if it has one."""
    return _CURRENT.get()


@contextmanager
def scope(deadline: Deadline | None) -> Iterator[Deadline | None]:
    """Run the block under a deadline (None: without one)."""
    token = _CURRENT.set(deadline)
    try:
        yield deadline
    finally:
        _CURRENT.reset(token)
