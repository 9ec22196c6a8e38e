"""The store stops with the request: a statement running past the request's deadline is interrupted by the
database itself (SQLite's progress handler, PostgreSQL's statement_timeout), and an expired request commits
nothing. The connection goes back to the pool clean."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from salesflow.adapters.sql import SqlUnitOfWork
from salesflow.domain.deadline import Deadline, DeadlineExceeded, scope
from salesflow.domain.lead import Lead

#: Seconds of work on either database: count to a hundred million, one row at a time.
SLOW = text(
    "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 100000000) SELECT count(*) FROM c"
)


def _lead(title: str) -> Lead:
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    return Lead(title=title, status="new", version=1, created_at=stamp, updated_at=stamp)


def _leads(engine) -> int:
    with SqlUnitOfWork(engine, read_only=True) as uow:
        return len(uow.leads.find())


def test_a_statement_running_past_the_deadline_is_interrupted_by_the_database(engine):
    started = time.monotonic()
    with scope(Deadline(0.3)), pytest.raises(DeadlineExceeded), SqlUnitOfWork(engine, read_only=True) as uow:
        uow.connection.execute(SLOW).scalar_one()
    assert time.monotonic() - started < 2.5
    assert _leads(engine) == 0  # the pooled connection answers the next request normally


def test_a_statement_the_server_stops_a_little_before_the_deadline_is_the_deadline_too(engine):
    """PostgreSQL's statement_timeout is kept on a grid and may fire up to 1/32 of the time left before the
    deadline: the request is out of time all the same, and says so (TIMEOUT), not a database error."""
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite's progress handler stops a statement only once the deadline has passed")
    with scope(Deadline(30)), pytest.raises(DeadlineExceeded), SqlUnitOfWork(engine, read_only=True) as uow:
        uow.connection.exec_driver_sql("SET statement_timeout = 200")  # what a timeout set a little early does
        uow.connection.execute(SLOW).scalar_one()
    assert _leads(engine) == 0


def test_a_unit_of_work_out_of_time_rolls_back_instead_of_committing(engine):
    deadline = Deadline(0.2)
    with scope(deadline), pytest.raises(DeadlineExceeded), SqlUnitOfWork(engine) as uow:
        uow.leads.add(_lead("Written too late"))
        uow.flush()
        time.sleep(0.3)
        uow.commit()
    assert deadline.commits == 0
    assert _leads(engine) == 0


def test_a_commit_in_time_is_counted_as_kept(engine):
    deadline = Deadline(30)
    with scope(deadline), SqlUnitOfWork(engine) as uow:
        uow.leads.add(_lead("Written in time"))
        uow.commit()
    assert deadline.commits == 1 and _leads(engine) == 1


def test_without_a_deadline_nothing_is_interrupted(engine):
    quick = text(
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 200000) SELECT count(*) FROM c"
    )
    with SqlUnitOfWork(engine, read_only=True) as uow:
        assert uow.connection.execute(quick).scalar_one() == 200000


def test_on_sqlite_a_client_that_goes_away_stops_the_statement_it_is_waiting_for(engine):
    if engine.dialect.name != "sqlite":
        pytest.skip(
            "PostgreSQL lets a running statement finish (within its statement_timeout); "
            "the request stops at its next check"
        )
    deadline = Deadline(60)
    threading.Timer(0.3, deadline.cancel).start()
    started = time.monotonic()
    with scope(deadline), pytest.raises(DeadlineExceeded) as stopped, SqlUnitOfWork(engine, read_only=True) as uow:
        uow.connection.execute(SLOW).scalar_one()
    assert time.monotonic() - started < 2.5
    assert "client went away" in str(stopped.value)
