"""The change feed hands out transitions in commit order: a reader that resumes from its position
never misses a transition that a slower transaction commits later, and never sees one twice."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from salesflow.adapters.sql import SqlUnitOfWork, create_engine
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


def test_a_transaction_running_in_another_database_of_the_server_holds_nothing_back(engine, actor):
    # Transaction ids are shared by every database of a PostgreSQL server; another application's
    # long transaction next door can never write here, so it must not stall our feed (or outbox).
    if engine.dialect.name == "sqlite":
        pytest.skip("a SQLite file is a database of its own")
    neighbour = create_engine(os.environ["SALESFLOW_TEST_POSTGRES_URL"])
    try:
        with neighbour.connect() as other:
            other.execute(text("SELECT pg_current_xact_id()"))  # begun, and holding a transaction id
            made = lead.create_lead(SqlUnitOfWork(engine), "committed while the neighbour runs", actor=actor)
            assert [a.document_id for _p, a in _feed(engine)] == [made.id]
            other.rollback()
    finally:
        neighbour.dispose()


def test_resuming_from_a_position_gives_exactly_what_came_after(engine, actor):
    made = [lead.create_lead(SqlUnitOfWork(engine), f"lead {i}", actor=actor).id for i in range(5)]
    first = _feed(engine)[:2]
    rest = _feed(engine, first[-1][0])
    assert [a.document_id for _p, a in first + rest] == made
