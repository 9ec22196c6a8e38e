"""Revocation end to end, on a real `salesflow serve --workers 2` (SQLite and PostgreSQL): a revoked
token or a deactivated user is refused on its next request whichever worker serves it, and its open
WebSockets on both workers are closed with 4403 promptly, without receiving any event committed
after the revocation. The revocation comes from a third process (`salesflow token revoke`) or over
GraphQL, so it is always another process than some of the sockets' own.

The bound: a socket is closed once the event feed brings the revocation to its worker — on
PostgreSQL at NOTIFY, on SQLite within the 0.1 s poll of the activity table; CLOSE_SECONDS allows
for a loaded test machine.
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from websockets.exceptions import ConnectionClosed

CLOSE_SECONDS = 5.0
EVENTS = "subscription { documentEvents(types: [LEAD]) { documentId trigger } }"
CREATE_LEAD = """mutation($i: CreateLeadInput!) { createLead(input: $i) { lead { id } errors { code message } } }"""
WHO = "{ viewer { user { name } } }"


@pytest.fixture
def salesflow(cli, server_with_two_workers):
    """Run the command line against the server's database, as the operator does; its stdout."""
    command, env = cli
    server = server_with_two_workers

    def run(*args: str) -> str:
        done = subprocess.run(
            [*command, *args, "--database-url", server.database_url],
            capture_output=True,
            text=True,
            timeout=60,
            env=env,
            cwd=server.directory,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    return run


def new_user(salesflow, role: str = "sales_manager") -> tuple[str, dict]:
    """A fresh user with a token: (its name, the token's record with its secret as "token")."""
    name = f"{role}_{uuid.uuid4().hex[:8]}"
    return name, json.loads(salesflow("token", "create", "--user", name, "--role", role, "--json"))


def fresh_request(server, token: str) -> int:
    """POST a query on a new connection (so any worker may accept it); the HTTP status."""
    with httpx.Client(base_url=server.url, timeout=30, trust_env=False) as http:
        return http.post(
            "/graphql", json={"query": WHO}, headers={"Authorization": f"Bearer {token}", "Connection": "close"}
        ).status_code


def statuses(server, token: str, n: int = 24) -> list[int]:
    """n requests in concurrent bursts on fresh connections, spread over the workers."""
    with ThreadPoolExecutor(max_workers=6) as pool:
        return list(pool.map(lambda _: fresh_request(server, token), range(n)))


def subscribed_on_both_workers(server, token: str, subscribers: list) -> list:
    """Subscriptions of `token` until both worker processes hold some (in concurrent bursts)."""
    mine, workers = [], set()
    with ThreadPoolExecutor(max_workers=4) as pool:
        while len(mine) < 40 and len(workers) < 2:
            burst = list(pool.map(lambda _: server.subscribe(token, EVENTS), range(4)))
            mine.extend(burst)
            subscribers.extend(burst)
            workers.update(s.worker for s in burst)
    assert len(workers) == 2, f"every socket landed on worker(s) {workers}; cannot prove cross-worker closing"
    return mine


def new_lead(admin) -> str:
    return admin.mutate("createLead", CREATE_LEAD, {"i": {"title": f"Lead {uuid.uuid4().hex[:8]}"}})["lead"]["id"]


def until_closed(subscriber, timeout: float) -> tuple[int | None, list[str], float]:
    """Read a socket until it is closed: (close code, lead ids it received meanwhile, seconds waited)."""
    started, received = time.monotonic(), []
    while (left := timeout - (time.monotonic() - started)) > 0:
        try:
            message = json.loads(subscriber.ws.recv(timeout=left))
        except TimeoutError:
            break
        except ConnectionClosed as closed:
            return (closed.rcvd.code if closed.rcvd else None), received, time.monotonic() - started
        if message["type"] == "ping":
            subscriber.ws.send(json.dumps({"type": "pong"}))
        elif message["type"] == "next":
            received.append(message["payload"]["data"]["documentEvents"]["documentId"])
    return None, received, time.monotonic() - started


def test_a_revoked_token_is_refused_on_its_next_request_by_every_worker(server_with_two_workers, salesflow):
    server = server_with_two_workers
    _name, token = new_user(salesflow)
    assert set(statuses(server, token["token"])) == {200}  # each worker has just authenticated it
    salesflow("token", "revoke", str(token["id"]))
    assert set(statuses(server, token["token"])) == {401}


def test_a_revoked_tokens_sockets_on_both_workers_close_4403_and_miss_what_came_after(
    server_with_two_workers, subscribers, salesflow
):
    server = server_with_two_workers
    admin = server.admin()
    _name, token = new_user(salesflow)
    _other, bystander_token = new_user(salesflow)
    sockets = subscribed_on_both_workers(server, token["token"], subscribers)
    bystander = server.subscribe(bystander_token["token"], EVENTS)
    subscribers.append(bystander)
    server.wait_until_live([*sockets, bystander], lambda: new_lead(admin))

    salesflow("token", "revoke", str(token["id"]))  # committed when the command returns
    after = new_lead(admin)

    outcomes = [until_closed(s, CLOSE_SECONDS) for s in sockets]
    assert [code for code, _got, _took in outcomes] == [4403] * len(sockets), outcomes
    assert not [got for _code, got, _took in outcomes if after in got], "an event committed after the revocation"
    assert bystander.wait_for(lambda e: e["documentEvents"]["documentId"] == after, 10), "the bystander lost it"


def test_a_deactivated_users_sockets_close_and_its_requests_are_refused_until_reactivated(
    server_with_two_workers, subscribers, salesflow
):
    server = server_with_two_workers
    admin = server.admin()
    name, token = new_user(salesflow, "accountant")
    sockets = subscribed_on_both_workers(server, token["token"], subscribers)
    user_id = admin.run(
        "query($f: UserFilter) { users(filter: $f) { edges { node { id } } } }", {"f": {"search": name}}
    )["users"]["edges"][0]["node"]["id"]

    admin.mutate(
        "deactivateUser",
        "mutation($i: DeactivateUserInput!) { deactivateUser(input: $i) { user { active } errors { code message } } }",
        {"i": {"userId": user_id}},
    )
    assert [until_closed(s, CLOSE_SECONDS)[0] for s in sockets] == [4403] * len(sockets)
    assert set(statuses(server, token["token"])) == {401}
    refused = server.connect(token["token"])
    try:
        refused.open()
        raise AssertionError("a deactivated user's socket was acknowledged")
    except ConnectionClosed as closed:
        assert closed.rcvd.code == 4403
    finally:
        refused.close()

    admin.mutate(
        "reactivateUser",
        "mutation($i: ReactivateUserInput!) { reactivateUser(input: $i) { user { active } errors { code message } } }",
        {"i": {"userId": user_id}},
    )
    assert set(statuses(server, token["token"])) == {200}
