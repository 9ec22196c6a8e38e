"""A subscriber's turn at an event (schema/core/blocking.py): read and resolved in worker threads, at most
EVENT_SLOTS at once, its reads ended in the resolving thread, and stopped, not abandoned, when cancelled."""

from __future__ import annotations

import asyncio
import threading
import time
from contextlib import AsyncExitStack

import pytest

from salesflow.domain.deadline import DeadlineExceeded, current
from salesflow.schema.core.blocking import EVENT_SLOTS, EventTurn, in_worker_thread


@pytest.fixture
def anyio_backend() -> str:
    """The gateway runs under uvicorn's asyncio loop."""
    return "asyncio"


@pytest.mark.anyio
async def test_a_turns_read_and_resolution_run_off_the_event_loop_and_its_reads_end_in_the_resolving_thread():
    loop_thread = threading.get_ident()
    threads: dict[str, int] = {}

    def close() -> None:
        threads["close"] = threading.get_ident()

    def resolve() -> str:
        threads["resolve"] = threading.get_ident()
        return "resolved"

    async with EventTurn(close) as turn:
        assert await turn.read(lambda: threads.setdefault("read", threading.get_ident())) != loop_thread
        assert await turn.resolve(resolve) == "resolved"
        assert "close" in threads  # before the turn's block ends: before the event is sent
    assert loop_thread not in threads.values()
    assert threads["close"] == threads["resolve"]


@pytest.mark.anyio
async def test_no_more_than_event_slots_turns_run_at_once():
    running, most = 0, 0
    lock = threading.Lock()

    def work() -> None:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        time.sleep(0.05)
        with lock:
            running -= 1

    async def one_turn() -> None:
        async with EventTurn() as turn:
            await turn.read(work)
            await turn.resolve(work)

    await asyncio.gather(*(one_turn() for _ in range(4 * EVENT_SLOTS)))
    assert most == EVENT_SLOTS


@pytest.mark.anyio
async def test_a_turn_gives_its_slot_back_when_its_resolution_ends_though_the_event_is_still_being_sent():
    """The subscription holds its turn open across the `yield` (while the event is sent): turns
    waiting meanwhile must not wait for that, nor for the database connection its reads held."""
    async with EventTurn() as sending:
        await sending.resolve(lambda: None)
        async with AsyncExitStack() as others, asyncio.timeout(5):
            for _ in range(EVENT_SLOTS):  # every slot, the sending turn's too
                await others.enter_async_context(EventTurn())


@pytest.mark.anyio
async def test_a_cancelled_turn_stops_its_work_and_waits_for_its_thread_before_unwinding():
    """The reads of a turn are closed as the subscription unwinds: never under a thread still reading."""
    started, stopped = threading.Event(), threading.Event()

    def work_until_stopped() -> None:
        started.set()
        try:
            for _ in range(1000):
                current().check()
                time.sleep(0.01)
        finally:
            stopped.set()

    task = asyncio.ensure_future(in_worker_thread(work_until_stopped))
    while not started.is_set():
        await asyncio.sleep(0.01)
    began = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert stopped.is_set(), "the cancellation went on while the thread was still working"
    assert time.monotonic() - began < 2  # stopped at its next check, not run to the end


@pytest.mark.anyio
async def test_the_work_of_a_turn_runs_under_the_callers_deadline_if_it_has_one():
    from salesflow.domain.deadline import Deadline, scope

    with scope(Deadline(0)), pytest.raises(DeadlineExceeded):
        await in_worker_thread(lambda: current().check())
