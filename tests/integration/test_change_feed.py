"""The change feed hands out transitions in commit order: a reader that resumes from its position
never misses a transition that a slower transaction commits later, and never sees one twice."""
from __future__ import annotations

import pytest

from salesflow.adapters.sql import SqlUnitOfWork
from salesflow.statemachine import lead
from salesflow.statemachine.engine import Context


def _feed(engine, position=(0, 0)):
    with SqlUnitOfWork(engine, read_only=True) as uow:
        return uow.activities.committed_after(position, 100)


def test_a_transaction_still_running_holds_back_what_committed_after_it(engine, actor):
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite serialises writers: a second one waits, so ids already come in commit order")
    slow = SqlUnitOfWork(engine)
    slow.__enter__()
    try:
        early = lead.create_lead.inner(Context(slow, actor), "begun first, committed last")
        slow.flush()
        slow.activities.write()  # its activity row exists (uncommitted) with the smaller ids
        fast = lead.create_lead(SqlUnitOfWork(engine), "begun second, committed first", actor=actor)
        seen = _feed(engine)
        assert [a.document_id for _p, a in seen] == [], "the feed ran ahead of a running transaction"
        slow.commit()
    finally:
        slow.__exit__(None, None, None)
    seen = _feed(engine)
    assert [a.document_id for _p, a in seen] == [early.id, fast.id]
    assert _feed(engine, seen[-1][0]) == []


def test_resuming_from_a_position_gives_exactly_what_came_after(engine, actor):
    made = [lead.create_lead(SqlUnitOfWork(engine), f"lead {i}", actor=actor).id for i in range(5)]
    first = _feed(engine)[:2]
    rest = _feed(engine, first[-1][0])
    assert [a.document_id for _p, a in first + rest] == made
