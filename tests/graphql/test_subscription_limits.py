"""A subscription's events have a query's limits (schema/core/blocking.py): the query timeout and the
answer-size budget, past which the event is an error event and the subscription goes on; and a
WebSocket runs at most `max_subscriptions_per_socket` operations at once (gateway/websocket.py)."""

from __future__ import annotations

import time
from contextlib import contextmanager

from gql import Gateway
from sqlalchemy import event

from salesflow.schema.core.blocking import EventTurn

LEAD_EVENTS = "subscription { documentEvents(types: [LEAD]) { trigger document { ... on Lead { title } } } }"
LEAD_ACTORS = "subscription { documentEvents(types: [LEAD]) { trigger actor { name } } }"
LEAD_NOTES = "subscription { documentEvents(types: [LEAD]) { document { ... on Lead { notes } } } }"
CREATE = "mutation($i: CreateLeadInput!) { createLead(input: $i) { lead { id } errors { code } } }"


@contextmanager
def socket(gateway: Gateway, token: str):
    with gateway.http.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}})
        assert ws.receive_json() == {"type": "connection_ack"}
        yield ws


def listening(gateway: Gateway, count: int) -> None:
    """Wait until exactly `count` subscriptions of the gateway listen for events."""
    until = time.monotonic() + 10
    while gateway.app.state.broker.subscribers != count and time.monotonic() < until:
        time.sleep(0.01)
    assert gateway.app.state.broker.subscribers == count, "the subscriptions listening never came to that"


def create_lead(client, title: str, **fields) -> None:
    client.mutate("createLead", CREATE, {"i": {"title": title, **fields}})


def test_an_event_resolved_past_the_query_timeout_is_an_error_event_and_later_events_still_come(tuned):
    gateway = tuned(query_timeout=0.3)
    admin = gateway.client()
    engine = gateway.app.state.engine

    def linger(conn, cursor, statement, parameters, context, executemany):
        if "FROM users" in statement and EventTurn.current() is not None:  # only an event's reads of users
            time.sleep(0.6)

    with socket(gateway, admin.token) as ws:
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": LEAD_ACTORS}})
        listening(gateway, 1)
        event.listen(engine, "before_cursor_execute", linger)
        try:
            create_lead(admin, "Slow to tell")
            stopped = ws.receive_json()
        finally:
            event.remove(engine, "before_cursor_execute", linger)
        create_lead(admin, "Quick to tell")
        told = ws.receive_json()
    assert stopped["type"] == "next" and stopped["id"] == "1", stopped
    assert stopped["payload"]["data"] is None and stopped["payload"]["errors"][0]["extensions"]["code"] == "TIMEOUT"
    assert told["type"] == "next" and told["payload"]["data"]["documentEvents"]["actor"] == {"name": "admin"}, told


def test_an_event_larger_than_the_answer_budget_is_an_error_event_and_later_events_still_come(tuned):
    gateway = tuned(max_response_bytes=20_000)
    admin = gateway.client()
    with socket(gateway, admin.token) as ws:
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": LEAD_NOTES}})
        listening(gateway, 1)
        create_lead(admin, "Long notes", notes="\U0001f600" * 10_000)  # 40,000 bytes
        refused = ws.receive_json()
        create_lead(admin, "Short notes", notes="call back")
        told = ws.receive_json()
    assert refused["type"] == "next" and refused["payload"]["data"] is None, refused
    assert refused["payload"]["errors"][0]["extensions"]["code"] == "RESPONSE_TOO_LARGE"
    assert told["payload"]["data"]["documentEvents"]["document"] == {"notes": "call back"}, told


def test_a_subscribe_beyond_the_sockets_limit_is_refused_with_a_coded_error_and_the_socket_goes_on(tuned):
    gateway = tuned(max_subscriptions_per_socket=2)
    admin = gateway.client()
    with socket(gateway, admin.token) as ws:
        for n in ("1", "2", "3"):
            ws.send_json({"id": n, "type": "subscribe", "payload": {"query": LEAD_EVENTS}})
        refused = ws.receive_json()
        listening(gateway, 2)
        ws.send_json({"id": "1", "type": "complete"})
        listening(gateway, 1)
        ws.send_json({"id": "4", "type": "subscribe", "payload": {"query": LEAD_EVENTS}})  # room again
        listening(gateway, 2)
        create_lead(admin, "Heard of")
        told = {ws.receive_json()["id"] for _ in range(2)}
    assert refused["type"] == "error" and refused["id"] == "3", refused
    assert refused["payload"][0]["extensions"] == {
        "code": "TOO_MANY_SUBSCRIPTIONS",
        "maximumOperations": 2,
        "per": "connection",
    }
    assert told == {"2", "4"}


def test_a_users_sockets_together_run_at_most_its_limit_and_a_closed_socket_makes_room(tuned):
    gateway = tuned(max_subscriptions_per_user=3)
    admin = gateway.client()
    with socket(gateway, admin.token) as second:
        with socket(gateway, admin.token) as first:
            for n in ("1", "2"):
                first.send_json({"id": n, "type": "subscribe", "payload": {"query": LEAD_EVENTS}})
            listening(gateway, 2)
            second.send_json({"id": "1", "type": "subscribe", "payload": {"query": LEAD_EVENTS}})
            listening(gateway, 3)
            second.send_json({"id": "2", "type": "subscribe", "payload": {"query": LEAD_EVENTS}})
            refused = second.receive_json()
        listening(gateway, 1)  # the first socket closed: its subscriptions with it
        second.send_json({"id": "3", "type": "subscribe", "payload": {"query": LEAD_EVENTS}})
        listening(gateway, 2)
        create_lead(admin, "Heard of")
        told = {second.receive_json()["id"] for _ in range(2)}
    assert refused["type"] == "error" and refused["id"] == "2", refused
    assert refused["payload"][0]["extensions"]["per"] == "user", refused
    assert refused["payload"][0]["extensions"]["maximumOperations"] == 3
    assert told == {"1", "3"}
