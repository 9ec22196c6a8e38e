"""A request's work stops when its client goes away, with or without a time limit (gateway/limits.py)."""

from __future__ import annotations

import time

import anyio
import pytest

from salesflow.domain.deadline import Deadline, DeadlineExceeded, current
from salesflow.gateway.limits import run_until_done


@pytest.fixture
def anyio_backend() -> str:
    """The gateway runs under uvicorn's asyncio loop."""
    return "asyncio"


def _work_until_stopped() -> str:
    """Like the executor: checks the request's deadline between pieces of work."""
    started = time.monotonic()
    while time.monotonic() - started < 10:
        try:
            current().check()
        except DeadlineExceeded as stop:
            return str(stop)
        time.sleep(0.01)
    return "ran to the end"


@pytest.mark.anyio
@pytest.mark.parametrize("seconds", [None, 60], ids=["no time limit", "a time limit"])
async def test_a_client_that_disconnects_stops_the_work_it_asked_for(seconds):
    async def receive():
        await anyio.sleep(0.2)
        return {"type": "http.disconnect"}

    started = time.monotonic()
    outcome = await run_until_done(_work_until_stopped, Deadline(seconds), receive)
    assert outcome == "the client went away; the request was stopped"
    assert time.monotonic() - started < 2


@pytest.mark.anyio
async def test_work_that_outlives_its_time_limit_is_stopped_though_the_client_waits():
    async def receive():
        await anyio.sleep(30)
        return {"type": "http.disconnect"}

    outcome = await run_until_done(_work_until_stopped, Deadline(0.2), receive)
    assert outcome == "the request ran longer than 0.2 s and was stopped"


def test_a_deadline_without_a_time_limit_ends_only_when_cancelled():
    deadline = Deadline(None)
    assert not deadline.expired() and deadline.remaining() == float("inf")
    deadline.cancel()
    assert deadline.expired()
