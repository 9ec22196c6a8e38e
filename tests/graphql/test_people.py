"""Admins manage people over GraphQL: users and their tokens (never a secret or a hash), tokens
created (the secret shown once) and revoked, roles set, users deactivated and reactivated; the
next request of a revoked token or a deactivated user is refused; the last admin stays."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import graphql
import pytest

from salesflow.adapters.sql import SqlUnitOfWork
from salesflow.domain.access import ROLES, default_policy
from salesflow.schema.schema import sdl
from salesflow.statemachine.users import create_token

ERRORS = "errors { code field message }"
TOKEN = "id label createdAt expiresAt lastUsedAt revoked revokedAt user { name }"
USERS = f"""query($f: UserFilter) {{ users(filter: $f, first: 100) {{ totalCount
  edges {{ node {{ id name role active tokens {{ {TOKEN} }} }} }} }} }}"""
CREATE_TOKEN = (
    f"""mutation($i: CreateTokenInput!) {{ createToken(input: $i) {{ token {{ {TOKEN} }} secret {ERRORS} }} }}"""
)
REVOKE_TOKEN = f"""mutation($i: RevokeTokenInput!) {{ revokeToken(input: $i) {{ token {{ {TOKEN} }} {ERRORS} }} }}"""
USER = "user { id name role active }"
SET_ROLE = f"""mutation($i: SetUserRoleInput!) {{ setUserRole(input: $i) {{ {USER} {ERRORS} }} }}"""
DEACTIVATE = f"""mutation($i: DeactivateUserInput!) {{ deactivateUser(input: $i) {{ {USER} {ERRORS} }} }}"""
REACTIVATE = f"""mutation($i: ReactivateUserInput!) {{ reactivateUser(input: $i) {{ {USER} {ERRORS} }} }}"""
WHO = "{ viewer { role user { id name } } }"


@pytest.fixture
def maria(gateway):
    """A sales rep with a token, as her client."""
    return gateway.client("maria", "sales_rep")


def user_id(client) -> str:
    return client.run(WHO)["viewer"]["user"]["id"]


def users(client, **flt) -> dict[str, dict]:
    return {e["node"]["name"]: e["node"] for e in client.run(USERS, {"f": flt or None})["users"]["edges"]}


def status(client) -> int | None:
    """The HTTP status of a request made with the client's token (200 or 401)."""
    headers = {"Authorization": f"Bearer {client.token}"} if client.token else {}
    return client.http.post("/graphql", json={"query": WHO}, headers=headers).status_code


def forbidden(body: dict) -> bool:
    return [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []] == ["FORBIDDEN"]


# --- reading ----------------------------------------------------------------------------------------


def test_a_token_shows_what_it_is_for_and_whether_it_works_and_never_its_secret_or_hash():
    fields = set(graphql.build_schema(sdl()).type_map["ApiToken"].fields)
    assert fields == {"id", "label", "createdAt", "expiresAt", "lastUsedAt", "revoked", "revokedAt", "user"}


def test_an_admin_lists_users_and_their_tokens(admin, maria):
    maria.run(WHO)
    listed = users(admin)
    assert {n: (u["role"], u["active"]) for n, u in listed.items()} == {
        "root": ("admin", True),
        "maria": ("sales_rep", True),
    }
    (token,) = listed["maria"]["tokens"]
    assert token["user"] == {"name": "maria"} and token["revoked"] is False and token["revokedAt"] is None
    assert token["expiresAt"] is None and token["lastUsedAt"] is not None, "maria's token was used just now"
    assert users(admin, role="admin").keys() == {"root"}
    assert users(admin, search="mar").keys() == {"maria"}
    assert users(admin, active=False) == {}


def test_an_unknown_role_in_the_users_filter_is_bad_input(admin):
    body = admin.post(USERS, {"f": {"role": "wizard"}})
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_only_admins_see_tokens(gateway, role):
    client = gateway.client(f"user-{role}", role)
    body = client.post("{ users { edges { node { name tokens { id } } } } }")
    assert forbidden(body), body
    names = client.post("{ users { edges { node { name } } } }")
    if default_policy().may(role, "read", "user"):
        assert "errors" not in names, names
    else:
        assert forbidden(names), names


def test_the_viewer_learns_which_mutations_its_role_may_call(gateway):
    for role in ROLES:
        data = gateway.client(f"v-{role}", role).run("{ viewer { operations } }")
        assert data["viewer"]["operations"] == default_policy().operations_of(role)


# --- tokens ----------------------------------------------------------------------------------------


def test_a_new_tokens_secret_is_shown_once_and_signs_in_as_its_user(admin, maria, gateway):
    later = (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
    made = admin.mutate(
        "createToken", CREATE_TOKEN, {"i": {"userId": user_id(maria), "label": "phone", "expiresAt": later.isoformat()}}
    )
    assert made["secret"].startswith("sf_") and made["token"]["label"] == "phone"
    assert datetime.fromisoformat(made["token"]["expiresAt"]) == later
    from gql import GraphQL

    phone = GraphQL(gateway.http, made["secret"])
    assert phone.run(WHO)["viewer"]["user"]["name"] == "maria"
    assert made["secret"] not in str(admin.run(USERS))


@pytest.mark.parametrize(
    "data, code, field",
    [
        ({"expiresAt": "2001-01-01T00:00:00Z"}, "VALIDATION", ["expiresAt"]),
        ({"label": "x" * 121}, "VALIDATION", ["label"]),
        ({"userId": "VXNlcjo5ODc2NTQ="}, "NOT_FOUND", ["userId"]),
        ({"userId": "TGVhZDox"}, "NOT_FOUND", ["userId"]),
    ],
    ids=["expired already", "label too long", "no such user", "not a user id"],
)
def test_a_token_that_cannot_be_made_is_a_user_error_and_nothing_is_made(
    admin, maria, data, code, field, store_snapshot
):
    before = store_snapshot()
    payload = admin.run(CREATE_TOKEN, {"i": {"userId": user_id(maria), **data}})["createToken"]
    assert payload["token"] is None and payload["secret"] is None
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [(code, field)]
    assert store_snapshot() == before


def test_a_revoked_token_is_refused_on_its_next_request(admin, maria):
    assert status(maria) == 200
    (token,) = users(admin)["maria"]["tokens"]
    revoked = admin.mutate("revokeToken", REVOKE_TOKEN, {"i": {"tokenId": token["id"]}})["token"]
    assert revoked["revoked"] is True and revoked["revokedAt"] is not None
    assert status(maria) == 401
    again = admin.mutate("revokeToken", REVOKE_TOKEN, {"i": {"tokenId": token["id"]}})["token"]
    assert again["revokedAt"] == revoked["revokedAt"], "revoking twice changes nothing"


def test_an_expired_token_is_refused(gateway):
    engine = gateway._engine
    an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
    stale = create_token(SqlUnitOfWork(engine), "olga", "accountant", expires_in="30m", now=an_hour_ago).secret
    fresh = create_token(SqlUnitOfWork(engine), "olga", "accountant", expires_in="30m").secret
    from gql import GraphQL

    assert status(GraphQL(gateway.http, stale)) == 401
    assert status(GraphQL(gateway.http, fresh)) == 200


# --- users -----------------------------------------------------------------------------------------


def test_a_deactivated_user_is_refused_until_it_is_reactivated(admin, maria):
    who = user_id(maria)
    assert admin.mutate("deactivateUser", DEACTIVATE, {"i": {"userId": who}})["user"]["active"] is False
    assert status(maria) == 401
    assert admin.mutate("reactivateUser", REACTIVATE, {"i": {"userId": who}})["user"]["active"] is True
    assert status(maria) == 200


def test_a_new_role_is_what_the_users_next_request_has(admin, maria):
    admin.mutate("setUserRole", SET_ROLE, {"i": {"userId": user_id(maria), "role": "sales_manager"}})
    assert maria.run(WHO)["viewer"]["role"] == "sales_manager"


def test_an_unknown_role_is_a_user_error_and_changes_nothing(admin, maria, store_snapshot):
    before = store_snapshot()
    payload = admin.run(SET_ROLE, {"i": {"userId": user_id(maria), "role": "wizard"}})["setUserRole"]
    assert payload["user"] is None and [(e["code"], e["field"]) for e in payload["errors"]] == [
        ("VALIDATION", ["role"])
    ]
    assert store_snapshot() == before


def test_the_last_active_admin_can_be_neither_demoted_nor_deactivated(admin, gateway, store_snapshot):
    me = user_id(admin)
    before = store_snapshot()
    for query, name, extra in (
        (SET_ROLE, "setUserRole", {"role": "sales_manager"}),
        (DEACTIVATE, "deactivateUser", {}),
    ):
        payload = admin.run(query, {"i": {"userId": me, **extra}})[name]
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [("LAST_ADMIN", ["userId"])], payload
    assert store_snapshot() == before
    second = gateway.client("second", "admin")
    assert (
        second.mutate("setUserRole", SET_ROLE, {"i": {"userId": me, "role": "sales_manager"}})["user"]["role"]
        == "sales_manager"
    )
    assert admin.run(WHO)["viewer"]["role"] == "sales_manager"


@pytest.mark.parametrize("role", [r for r in ROLES if r != "admin"])
def test_only_admins_manage_people_and_a_refusal_changes_nothing(gateway, admin, maria, role, store_snapshot):
    client = gateway.client(f"user-{role}", role)
    target = user_id(maria)
    (token,) = users(admin)["maria"]["tokens"]
    before = store_snapshot()
    for query, data in (
        (CREATE_TOKEN, {"userId": target}),
        (REVOKE_TOKEN, {"tokenId": token["id"]}),
        (SET_ROLE, {"userId": target, "role": "admin"}),
        (DEACTIVATE, {"userId": target}),
        (REACTIVATE, {"userId": target}),
    ):
        body = client.post(query, {"i": data})
        assert forbidden(body) and body["data"] is None, (role, query, body)
    assert store_snapshot() == before
    assert status(maria) == 200
