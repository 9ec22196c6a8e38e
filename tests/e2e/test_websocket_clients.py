"""The WebSocket as browser apps and their libraries use it: the real graphql-ws client (the README's own
example), Apollo Client's GraphQLWsLink and a page in headless Chromium, each on another origin than
the API's, receive a transition committed over HTTP. Only the CORS origins may open a socket from a
browser; and a slow operation over a socket never holds up the server's other requests.
"""

from __future__ import annotations

import json
import socket
import sqlite3
import time
from contextlib import contextmanager

import httpx
import jsclients
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from support import CREATE_LEAD, SEND_QUOTE, new_opportunity, new_quote, unique
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect as ws_connect

SPA_ORIGIN = "http://localhost:5173"  # an SPA on its dev server: another origin than the API's
ARRIVAL_SECONDS = 15
PROBE_ATTEMPTS = 20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def page_origin() -> str:
    """Where the Chromium test serves its page from: 127.0.0.1 like the API, on another port."""
    return f"http://127.0.0.1:{_free_port()}"


@pytest.fixture(scope="module")
def server(serve_with, page_origin):
    """A server whose CORS origins are the SPA's and the page's."""
    with serve_with(args=("--cors-origins", f"{SPA_ORIGIN},{page_origin}")) as srv:
        yield srv


@pytest.fixture(scope="module")
def node() -> str:
    return jsclients.install()


@pytest.fixture
def run_js(node, server, tmp_path):
    """Start a script of tests/js against the server as a given user and origin; stopped after the test."""
    started: list[jsclients.NodeClient] = []

    def run(script: str, token: str, **env: str) -> jsclients.NodeClient:
        client = jsclients.NodeClient(
            node,
            script,
            {"SALESFLOW_WS_URL": server.ws_url, "SALESFLOW_TOKEN": token, "SALESFLOW_ORIGIN": SPA_ORIGIN, **env},
            tmp_path / f"{script}.stderr",
        )
        started.append(client)
        return client

    yield run
    for client in started:
        client.close()


def receives_a_quote_sent_over_http(client: jsclients.NodeClient, admin) -> dict:
    """Once the client is live (it received a probe quote's creation), a quote is sent over HTTP:
    the `send` transition it receives. (A `subscribe` has no acknowledgement: only an event proves it.)"""
    opportunity = new_opportunity(admin)
    probes: set[str] = set()
    for _ in range(PROBE_ATTEMPTS):
        probes.add(new_quote(admin, opportunity))
        if client.wait_for(lambda e: e["documentId"] in probes, 1.5) is not None:
            break
    else:
        raise AssertionError(f"{client.script} never received a probe event\n{client.output()}")
    quote = new_quote(admin, opportunity)
    assert admin.mutate("sendQuote", SEND_QUOTE, {"i": {"quoteId": quote}})["quote"]["status"] == "SENT"
    event = client.wait_for(lambda e: e["documentId"] == quote and e["trigger"] == "send", ARRIVAL_SECONDS)
    assert event is not None, f"{client.script} never received the send\n{client.output()}"
    # shown with -s: what a real client got, and what else it reported (handshake, connection, browser)
    print(f"{client.script} reported {[m for m in client.messages if 'event' not in m]}, received {json.dumps(event)}")
    assert (event["documentType"], event["fromState"], event["toState"]) == ("QUOTE", "draft", "sent")
    assert event["document"]["id"] == quote and event["document"]["quoteStatus"] == "SENT"
    assert event["actor"]["name"] == "admin" and isinstance(event["sequence"], int)  # Apollo adds __typename
    return event


# --- the clients SPAs use ------------------------------------------------------------------------


def test_the_readme_graphql_ws_example_receives_a_quote_sent_over_http(server, run_js):
    client = run_js("readme-example.mjs", server.admin_token)
    receives_a_quote_sent_over_http(client, server.admin())
    assert {"accepted": SPA_ORIGIN} in client.messages  # its handshake came from the SPA's origin


def test_apollo_client_with_graphql_ws_link_receives_a_quote_sent_over_http(server, run_js):
    client = run_js("apollo-subscriber.mjs", server.admin_token)
    receives_a_quote_sent_over_http(client, server.admin())
    assert {"accepted": SPA_ORIGIN} in client.messages and {"connected": "apollo"} in client.messages


def test_the_readme_example_served_from_an_origin_not_allowed_gets_no_socket(server, run_js):
    client = run_js("readme-example.mjs", server.admin_token, SALESFLOW_ORIGIN="https://evil.example")
    refused = client.wait_for_report(lambda m: "refused" in m or "accepted" in m, ARRIVAL_SECONDS)
    assert refused is not None and "403" in refused.get("reason", ""), client.output()
    assert client.events == []


def test_a_page_on_another_origin_receives_live_updates_in_chromium(server, run_js, page_origin):
    chromium = jsclients.chromium()
    client = run_js(
        "browser-subscriber.mjs", server.admin_token, SALESFLOW_PAGE_ORIGIN=page_origin, SALESFLOW_CHROMIUM=chromium
    )
    receives_a_quote_sent_over_http(client, server.admin())
    assert {"connected": page_origin} in client.messages  # the page, on its own origin, was let in


# --- who may open a socket -------------------------------------------------------------------------


def handshake(server, origin: str | None) -> dict:
    """Open a graphql-transport-ws socket with this Origin (None: none sent) and authenticate; the answer."""
    headers = {"Origin": origin} if origin else None
    with ws_connect(
        server.ws_url, subprotocols=["graphql-transport-ws"], additional_headers=headers, proxy=None, open_timeout=10
    ) as ws:
        ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {server.admin_token}"}}))
        return json.loads(ws.recv(timeout=10))


@pytest.mark.parametrize("origin", [SPA_ORIGIN, None, "same"], ids=["a CORS origin", "no Origin", "same origin"])
def test_the_cors_origins_clients_without_origin_and_the_api_itself_may_open_a_websocket(server, origin):
    origin = server.url if origin == "same" else origin  # GraphiQL, served by the gateway itself
    assert handshake(server, origin) == {"type": "connection_ack"}


@pytest.mark.parametrize("origin", ["https://evil.example", "http://localhost:5174", "null"])
def test_a_page_on_another_origin_is_refused_at_the_websocket_handshake(server, origin):
    """Cross-site WebSocket hijacking: a page elsewhere never gets a socket, token or not."""
    with pytest.raises(InvalidStatus) as refused:
        handshake(server, origin)
    assert refused.value.response.status_code == 403


# --- queries and mutations over the socket ----------------------------------------------------------


def operation(socket_, id_: str, query: str, variables: dict | None = None) -> list[dict]:
    """Send one operation; the messages that answer it, up to its `complete` or `error`."""
    socket_.ws.send(json.dumps({"id": id_, "type": "subscribe", "payload": {"query": query, "variables": variables}}))
    answers = []
    while not answers or answers[-1]["type"] not in ("complete", "error"):
        message = socket_.receive(timeout=10)
        if message["type"] != "ping":
            assert message.get("id") == id_, message
            answers.append(message)
    return answers


def test_queries_and_mutations_over_the_websocket_answer_as_over_http(server):
    socket_ = server.connect(server.admin_token)
    try:
        assert socket_.open() == {"type": "connection_ack"}
        title = unique("Over the socket")
        created, done = operation(socket_, "1", CREATE_LEAD, {"i": {"title": title}})
        assert done == {"id": "1", "type": "complete"}
        lead = created["payload"]["data"]["createLead"]
        assert lead["errors"] == [] and lead["lead"]["status"] == "NEW"
        read, _ = operation(
            socket_, "2", "query($id: ID!) { node(id: $id) { ... on Lead { title } } }", {"id": lead["lead"]["id"]}
        )
        assert read["payload"]["data"] == {"node": {"title": title}} and "errors" not in read["payload"]
        (invalid,) = operation(socket_, "3", "{ leads { salary } }")  # a validation error: the protocol's `error`
        assert invalid["type"] == "error" and "salary" in invalid["payload"][0]["message"]
    finally:
        socket_.close()


@pytest.mark.parametrize("frame", ["42", "[1]", '"connection_init"', "{not json"])
def test_a_message_that_is_not_a_json_object_closes_the_socket_with_4400(server, frame):
    socket_ = server.connect(server.admin_token)
    try:
        assert socket_.open() == {"type": "connection_ack"}
        socket_.ws.send(frame)
        with pytest.raises(ConnectionClosed) as closed:
            socket_.receive(timeout=10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4400, closed.value
    finally:
        socket_.close()


# --- nothing over a socket holds up the server ----------------------------------------------------


@contextmanager
def writers_blocked(database_url: str):
    """Another transaction holds the write lock (SQLite) or locks the leads table (PostgreSQL) meanwhile."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        db = sqlite3.connect(url.database, isolation_level=None)
        db.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            db.execute("ROLLBACK")
            db.close()
        return
    engine = create_engine(url.set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as conn, conn.begin():
            conn.execute(text("LOCK TABLE leads IN ACCESS EXCLUSIVE MODE"))
            yield
    finally:
        engine.dispose()


def test_an_operation_waiting_on_a_lock_over_the_websocket_stalls_neither_healthz_nor_its_socket(server, backend):
    """It runs in a worker thread, reading in a transaction of its own: the event loop, and the other
    operations of its socket, go on. On PostgreSQL it is a query reading a locked table; SQLite's
    readers never wait, so there it is a mutation waiting for the write lock."""
    if backend == "postgres":
        slow = {"query": "{ leads { totalCount } }"}
    else:
        slow = {"query": CREATE_LEAD, "variables": {"i": {"title": unique("Waiting")}}}
    socket_ = server.connect(server.admin_token)
    try:
        assert socket_.open() == {"type": "connection_ack"}
        with writers_blocked(server.database_url), httpx.Client(base_url=server.url, trust_env=False) as http:
            socket_.ws.send(json.dumps({"id": "slow", "type": "subscribe", "payload": slow}))
            time.sleep(0.3)  # it is running now, waiting for the lock
            for _ in range(5):
                started = time.monotonic()
                answer = http.get("/healthz", timeout=5)
                took = time.monotonic() - started
                assert answer.status_code == 200 and took < 0.1, f"/healthz took {took * 1000:.0f} ms"
                time.sleep(0.05)
            quick = operation(socket_, "quick", "{ stages { name } }")  # the same socket, meanwhile
            assert quick[0]["payload"]["data"]["stages"] and quick[1]["type"] == "complete", quick
            with pytest.raises(TimeoutError):  # and the slow one was still waiting all along
                socket_.receive(timeout=0.05)
        result = socket_.receive(timeout=30)
        assert result["type"] == "next" and result["id"] == "slow" and "errors" not in result["payload"], result
        assert socket_.receive(timeout=10) == {"id": "slow", "type": "complete"}
    finally:
        socket_.close()
