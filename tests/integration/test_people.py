"""People: tokens created, expiring, revoked; users' roles changed, deactivated and reactivated;
never without an active admin; every change an activity row; authenticating one indexed read.

Against the real store on SQLite and PostgreSQL. Times are given to the operations (`now=`), a
fixed moment, so nothing here depends on today's date.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select, text

from salesflow.adapters.sql import SqlUnitOfWork
from salesflow.adapters.sql.tables import activities
from salesflow.adapters.sql.tokens import TokenLookup
from salesflow.domain.errors import DomainError, ErrorCode
from salesflow.domain.tokens import LAST_USED_RESOLUTION
from salesflow.gateway.auth import Authenticator
from salesflow.statemachine import users as ops

T0 = datetime(2031, 3, 14, 9, 0, tzinfo=UTC)


@pytest.fixture
def reader(engine):
    return lambda: SqlUnitOfWork(engine, read_only=True)


def made(uow, name: str, role: str, **kw) -> ops.IssuedToken:
    return ops.create_token(uow, name, role, now=kw.pop("now", T0), **kw)


def credential(reader, secret: str, now: datetime = T0):
    with reader() as uow:
        return ops.authenticate(uow, secret, now)


def refused(call, code: ErrorCode) -> DomainError:
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.code == code, caught.value
    return caught.value


def people_activities(engine) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                activities.c.document_type,
                activities.c.document_id,
                activities.c.trigger,
                activities.c.from_state,
                activities.c.to_state,
                activities.c.actor_id,
            )
            .where(activities.c.document_type.in_(["user", "api_token"]))
            .order_by(activities.c.id)
        ).all()
    return [tuple(r) for r in rows]


# --- tokens ---------------------------------------------------------------------------------------


def test_a_new_token_authenticates_as_its_user_and_only_its_hash_is_stored(uow, reader, engine):
    issued = made(uow, "maria", "sales_rep", label="laptop")
    found = credential(reader, issued.secret)
    assert (found.user.name, found.user.role, found.token.id, found.token.label) == (
        "maria",
        "sales_rep",
        issued.token.id,
        "laptop",
    )
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT token_hash FROM api_tokens")).scalars().all()
    assert issued.secret not in stored and len(stored) == 1
    assert credential(reader, issued.secret + "x") is None


def test_a_revoked_token_is_refused_and_revoking_it_again_changes_nothing(uow, reader, engine):
    issued = made(uow, "maria", "sales_rep")
    admin = made(uow, "root", "admin").user
    later = T0 + timedelta(minutes=5)
    token = ops.revoke_token(uow, issued.token.id, actor=admin, now=later)
    assert (token.revoked, token.revoked_at) == (True, later)
    assert credential(reader, issued.secret, later) is None
    again = ops.revoke_token(uow, issued.token.id, actor=admin, now=later + timedelta(hours=1))
    assert again.revoked_at == later
    revocations = [a for a in people_activities(engine) if a[2] == "revoke"]
    assert revocations == [("api_token", issued.token.id, "revoke", "active", "revoked", admin.id)]


def test_a_token_works_until_its_expiry_and_not_from_then_on(uow, reader):
    issued = made(uow, "anna", "accountant", expires_in="90d")
    assert issued.token.expires_at == T0 + timedelta(days=90)
    assert credential(reader, issued.secret, T0 + timedelta(days=90) - timedelta(seconds=1)) is not None
    assert credential(reader, issued.secret, T0 + timedelta(days=90)) is None


@pytest.mark.parametrize(
    "lifetime, expected",
    [
        ("45s", timedelta(seconds=45)),
        ("30m", timedelta(minutes=30)),
        ("12h", timedelta(hours=12)),
        ("2w", timedelta(weeks=2)),
    ],
)
def test_a_lifetime_may_be_given_in_seconds_minutes_hours_days_or_weeks(uow, lifetime, expected):
    assert made(uow, "anna", "accountant", expires_in=lifetime).token.expires_at == T0 + expected


@pytest.mark.parametrize(
    "kw, field",
    [
        ({"expires_in": "90"}, "expiresIn"),
        ({"expires_in": "-1d"}, "expiresIn"),
        ({"expires_in": "0d"}, "expiresIn"),
        ({"expires_in": "1y"}, "expiresIn"),
        ({"expires_at": T0}, "expiresAt"),
        ({"expires_at": T0 - timedelta(days=1)}, "expiresAt"),
        ({"expires_at": datetime(2032, 1, 1)}, "expiresAt"),
        ({"expires_in": "1d", "expires_at": T0 + timedelta(days=2)}, "expiresAt"),
    ],
    ids=["no unit", "negative", "zero", "unknown unit", "now", "past", "no time zone", "both"],
)
def test_a_token_must_expire_in_the_future_and_a_refused_one_is_not_made(uow, engine, kw, field, store_snapshot):
    before = store_snapshot()
    err = refused(lambda: made(uow, "anna", "accountant", **kw), ErrorCode.VALIDATION)
    assert err.field == (field,)
    assert store_snapshot() == before


def test_an_unknown_role_is_refused_naming_the_roles(uow, store_snapshot):
    before = store_snapshot()
    err = refused(lambda: made(uow, "bob", "wizard"), ErrorCode.VALIDATION)
    assert err.field == ("role",) and "sales_rep, sales_manager, accountant, integration, admin" in err.message
    assert store_snapshot() == before


def test_a_deactivated_user_gets_no_new_token(uow):
    admin = made(uow, "root", "admin").user
    maria = made(uow, "maria", "sales_rep").user
    ops.deactivate_user(uow, maria.id, actor=admin, now=T0)
    refused(lambda: ops.issue_token(uow, maria.id, "again", actor=admin, now=T0), ErrorCode.INVALID_TRANSITION)
    refused(lambda: made(uow, "maria", "sales_rep"), ErrorCode.INVALID_TRANSITION)


# --- users ----------------------------------------------------------------------------------------


def test_a_deactivated_users_tokens_are_refused_until_it_is_reactivated(uow, reader):
    admin = made(uow, "root", "admin").user
    laptop, phone = made(uow, "maria", "sales_rep"), made(uow, "maria", "sales_rep")
    ops.deactivate_user(uow, "maria", actor=admin, now=T0)
    assert credential(reader, laptop.secret) is None and credential(reader, phone.secret) is None
    ops.revoke_token(uow, phone.token.id, actor=admin, now=T0)
    user = ops.reactivate_user(uow, laptop.user.id, actor=admin, now=T0)
    assert user.active
    assert credential(reader, laptop.secret).user.name == "maria"
    assert credential(reader, phone.secret) is None, "reactivating a user does not bring back a revoked token"


def test_a_role_change_is_what_the_next_authentication_sees(uow, reader):
    admin = made(uow, "root", "admin").user
    issued = made(uow, "maria", "sales_rep")
    assert ops.set_role(uow, "maria", "sales_manager", actor=admin, now=T0).role == "sales_manager"
    assert credential(reader, issued.secret).user.role == "sales_manager"


def test_the_last_active_admin_can_be_neither_demoted_nor_deactivated(uow, store_snapshot):
    root = made(uow, "root", "admin").user
    before = store_snapshot()
    err = refused(lambda: ops.set_role(uow, root.id, "sales_manager", now=T0), ErrorCode.LAST_ADMIN)
    assert err.field == ("userId",)
    refused(lambda: ops.deactivate_user(uow, "root", now=T0), ErrorCode.LAST_ADMIN)
    assert store_snapshot() == before
    # an inactive admin is no admin: it does not count as the other one
    spare = made(uow, "spare", "admin").user
    ops.deactivate_user(uow, spare.id, now=T0)
    refused(lambda: ops.deactivate_user(uow, root.id, now=T0), ErrorCode.LAST_ADMIN)
    # with another active admin, either may go
    ops.reactivate_user(uow, spare.id, now=T0)
    assert ops.set_role(uow, root.id, "sales_manager", actor=root, now=T0).role == "sales_manager"
    refused(lambda: ops.deactivate_user(uow, spare.id, now=T0), ErrorCode.LAST_ADMIN)


class SlowCommit(SqlUnitOfWork):
    """Holds its transaction (and its row locks) open a while after it has done its work."""

    def __init__(self, engine, working: threading.Event):
        super().__init__(engine)
        self.working = working

    def commit(self) -> None:
        self.flush()
        self.working.set()
        threading.Event().wait(0.5)
        super().commit()


def test_two_admins_demoting_each_other_at_once_leave_one_admin(engine, uow):
    alice, bob = made(uow, "alice", "admin").user, made(uow, "bob", "admin").user
    working, outcomes = threading.Event(), {}

    def demote(who, actor, new_uow):
        try:
            outcomes[who] = ops.set_role(new_uow, who, "sales_manager", actor=actor, now=T0).role
        except DomainError as err:
            outcomes[who] = err.code

    first = threading.Thread(target=demote, args=("bob", alice, SlowCommit(engine, working)))
    first.start()
    assert working.wait(10), "the first demotion never got to its commit"
    demote("alice", bob, SqlUnitOfWork(engine))  # starts while bob's demotion holds its locks
    first.join(10)
    assert outcomes == {"bob": "sales_manager", "alice": ErrorCode.LAST_ADMIN}
    with SqlUnitOfWork(engine, read_only=True) as check:
        assert [u.name for u in check.users.find(role="admin", active=True)] == ["alice"]


def test_asking_for_what_already_is_changes_nothing(uow, engine):
    made(uow, "root", "admin")
    maria = made(uow, "maria", "sales_rep").user
    before = people_activities(engine)
    assert ops.set_role(uow, maria.id, "sales_rep", now=T0).role == "sales_rep"
    assert ops.reactivate_user(uow, maria.id, now=T0).active
    assert people_activities(engine) == before


def test_every_change_to_people_is_an_activity_with_its_actor(uow, engine):
    root = made(uow, "root", "admin").user
    earlier = len(people_activities(engine))
    maria = made(uow, "maria", "sales_rep")  # by the operator: no actor
    second, _secret = ops.issue_token(uow, maria.user.id, "phone", actor=root, now=T0)
    ops.set_role(uow, maria.user.id, "sales_manager", actor=root, now=T0)
    ops.deactivate_user(uow, maria.user.id, actor=root, now=T0)
    ops.reactivate_user(uow, maria.user.id, actor=root, now=T0)
    ops.revoke_token(uow, second.id, actor=root, now=T0)
    assert people_activities(engine)[earlier:] == [
        ("user", maria.user.id, "create", None, "active", None),
        ("api_token", maria.token.id, "create", None, "active", None),
        ("api_token", second.id, "create", None, "active", root.id),
        ("user", maria.user.id, "set_role", "sales_rep", "sales_manager", root.id),
        ("user", maria.user.id, "deactivate", "active", "inactive", root.id),
        ("user", maria.user.id, "reactivate", "inactive", "active", root.id),
        ("api_token", second.id, "revoke", "active", "revoked", root.id),
    ]


def test_a_user_is_named_by_id_or_name_and_a_missing_one_is_not_found(uow):
    made(uow, "root", "admin")
    assert refused(lambda: ops.deactivate_user(uow, "nobody", now=T0), ErrorCode.NOT_FOUND).field == ("user",)
    assert refused(lambda: ops.deactivate_user(uow, 987654, now=T0), ErrorCode.NOT_FOUND).field == ("userId",)


# --- authenticating ---------------------------------------------------------------------------------


def test_authenticating_a_request_is_one_statement_on_the_token_hash_index(uow, engine):
    issued = made(uow, "maria", "sales_rep")
    auth = Authenticator(TokenLookup(engine))  # no writer: the last-used stamp is not what is counted here
    statements: list[str] = []

    def count(conn, cursor, statement, *_args):
        if not statement.lstrip().upper().startswith(("BEGIN", "ROLLBACK", "COMMIT")):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert auth.user(issued.secret).name == "maria"
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(statements) == 1, statements
    if engine.dialect.name == "sqlite":
        with engine.connect() as conn:
            plan = " ".join(
                str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statements[0]}", ("0" * 64,))
            )
        assert "USING INDEX" in plan and "api_tokens" in plan, plan


def test_the_last_use_is_stamped_at_most_once_an_hour(uow, engine, reader):
    issued = made(uow, "maria", "sales_rep")
    moments = iter([T0, T0 + timedelta(minutes=59), T0 + LAST_USED_RESOLUTION + timedelta(minutes=1)])
    auth = Authenticator(TokenLookup(engine), lambda: SqlUnitOfWork(engine), clock=lambda: next(moments))

    def last_used():
        with reader() as check:
            return check.tokens.get(issued.token.id).last_used_at

    assert last_used() is None
    auth.user(issued.secret)
    assert last_used() == T0
    auth.user(issued.secret)
    assert last_used() == T0, "within the hour the stamp is not written again"
    auth.user(issued.secret)
    assert last_used() == T0 + LAST_USED_RESOLUTION + timedelta(minutes=1)


def test_still_valid_keeps_only_sessions_whose_token_user_and_role_still_hold(uow, reader):
    root = made(uow, "root", "admin").user
    kept, revoked, demoted = (made(uow, n, "sales_manager") for n in ("kept", "revoked", "demoted"))
    expiring = made(uow, "expiring", "accountant", expires_in="1h")
    ops.revoke_token(uow, revoked.token.id, actor=root, now=T0)
    ops.set_role(uow, "demoted", "sales_rep", actor=root, now=T0)
    asked = {(t.token.id, t.user.role) for t in (kept, revoked, demoted, expiring)} | {(987654, "admin")}
    with reader() as check:
        assert ops.still_valid(check, asked, T0 + timedelta(minutes=30)) == {
            (kept.token.id, "sales_manager"),
            (expiring.token.id, "accountant"),
        }
        assert ops.still_valid(check, asked, T0 + timedelta(hours=1)) == {(kept.token.id, "sales_manager")}
