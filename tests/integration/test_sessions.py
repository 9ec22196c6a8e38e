"""The open WebSockets of a process (gateway/sessions.py): ended, in commit order, by the revocation
the event feed brings; re-checked against the store; closed when their token expires.

A session here is what the gateway registers for a socket: a connection context (any object with
a `user`) and a coroutine that closes the socket; the store and the credentials are real.
"""

from __future__ import annotations

import asyncio
import gc
from datetime import UTC, datetime, timedelta

import pytest

from salesflow.adapters.sql import SqlUnitOfWork
from salesflow.domain.activity import Activity
from salesflow.gateway.sessions import Sessions
from salesflow.statemachine import users as ops

T0 = datetime(2031, 3, 14, 9, 0, tzinfo=UTC)


class Connection:
    """A socket's context as the gateway keeps it; `closed` records the close."""

    def __init__(self, credential):
        self.user = credential.user
        self.credential = credential
        self.closed = asyncio.Event()

    async def close(self) -> None:
        self.closed.set()


@pytest.fixture
def people(uow):
    admin = ops.create_token(uow, "root", "admin", now=T0).user
    return admin, {name: ops.create_token(uow, name, "sales_manager", now=T0) for name in ("maria", "omid")}


def credential_of(engine, secret: str, now: datetime = T0):
    with SqlUnitOfWork(engine, read_only=True) as uow:
        return ops.authenticate(uow, secret, now)


def activity(kind: str, ident: int, trigger: str, ident_seq: int) -> Activity:
    return Activity(
        id=ident_seq, document_type=kind, document_id=ident, trigger=trigger, from_state=None, to_state="x", at=T0
    )


def open_session(sessions: Sessions, engine, secret: str) -> Connection:
    conn = Connection(credential_of(engine, secret))
    sessions.open(conn, conn.credential, Connection.close)
    return conn


def test_a_revocation_ends_its_sessions_before_anything_committed_after_it_is_published(engine, people):
    _admin, issued = people

    async def scenario():
        sessions = Sessions(lambda: SqlUnitOfWork(engine, read_only=True), clock=lambda: T0)
        maria, omid = (open_session(sessions, engine, issued[n].secret) for n in ("maria", "omid"))
        seen = []

        async def publish(batch):  # what the broker would queue, and who each socket still is then
            seen.append(([a.trigger for a in batch], maria.user, omid.user))

        relay = sessions.relay(publish)
        await relay(
            [
                activity("lead", 1, "create", 1),
                activity("api_token", issued["maria"].token.id, "revoke", 2),
                activity("lead", 1, "mark_contacted", 3),
            ]
        )
        await asyncio.wait_for(maria.closed.wait(), 1)
        assert seen == [(["create", "revoke", "mark_contacted"], None, omid.credential.user)]
        assert not omid.closed.is_set() and len(sessions) == 1

    asyncio.run(scenario())


@pytest.mark.parametrize("trigger", ["deactivate", "set_role"])
def test_a_users_deactivation_or_new_role_ends_every_session_of_its_tokens(engine, uow, people, trigger):
    _admin, issued = people
    second = ops.issue_token(uow, issued["maria"].user.id, "phone", now=T0)[1]

    async def scenario():
        sessions = Sessions(lambda: SqlUnitOfWork(engine, read_only=True), clock=lambda: T0)
        laptop, phone = open_session(sessions, engine, issued["maria"].secret), open_session(sessions, engine, second)
        omid = open_session(sessions, engine, issued["omid"].secret)

        async def publish(batch):
            pass

        await sessions.relay(publish)(
            [
                activity("user", issued["maria"].user.id, trigger, 1),
                activity("user", issued["omid"].user.id, "reactivate", 2),
            ]
        )
        await asyncio.wait_for(asyncio.gather(laptop.closed.wait(), phone.closed.wait()), 1)
        assert laptop.user is None and phone.user is None
        assert omid.user is not None and not omid.closed.is_set()

    asyncio.run(scenario())


def test_the_sweep_ends_sessions_the_store_no_longer_authorises_even_if_the_feed_missed_it(engine, uow, people):
    admin, issued = people

    async def scenario():
        sessions = Sessions(lambda: SqlUnitOfWork(engine, read_only=True), clock=lambda: T0)
        maria, omid = (open_session(sessions, engine, issued[n].secret) for n in ("maria", "omid"))
        await sessions.check()
        assert len(sessions) == 2
        ops.revoke_token(uow, issued["maria"].token.id, actor=admin, now=T0)  # no feed here to bring it
        ops.set_role(uow, "omid", "sales_rep", actor=admin, now=T0)
        await sessions.check()
        await asyncio.wait_for(asyncio.gather(maria.closed.wait(), omid.closed.wait()), 1)
        assert len(sessions) == 0

    asyncio.run(scenario())


def test_a_session_is_closed_when_its_token_expires(engine, uow, people):
    later = ops.create_token(uow, "anna", "accountant", expires_in="1h", now=T0)
    almost = T0 + timedelta(hours=1) - timedelta(milliseconds=200)

    async def scenario():
        sessions = Sessions(lambda: SqlUnitOfWork(engine, read_only=True), clock=lambda: almost)
        conn = Connection(credential_of(engine, later.secret, almost))
        sessions.open(conn, conn.credential, Connection.close)
        await asyncio.sleep(0.05)
        assert not conn.closed.is_set()
        await asyncio.wait_for(conn.closed.wait(), 2)
        assert conn.user is None

    asyncio.run(scenario())


def test_a_connection_that_is_gone_is_forgotten(engine, people):
    _admin, issued = people

    async def scenario():
        sessions = Sessions(lambda: SqlUnitOfWork(engine, read_only=True), clock=lambda: T0)
        conn = open_session(sessions, engine, issued["maria"].secret)
        assert len(sessions) == 1
        del conn
        gc.collect()
        assert len(sessions) == 0

    asyncio.run(scenario())
