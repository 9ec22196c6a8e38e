"""The gateway's guards against abusive or broken requests: refused cleanly, never a 500."""

from __future__ import annotations

import json
import socket
import time

import httpx
import pytest
from support import assert_prompt, healthz_while
from websockets.exceptions import ConnectionClosed

from salesflow.gateway.limits import DEFAULT_MAX_BODY_BYTES


def nested(levels: int) -> str:
    """A query `levels` fields deep: opportunities › edges › node › account › opportunities › … › id."""
    path = ["opportunities", "edges", "node"]
    while len(path) < levels - 1:
        path.append("opportunities" if path[-1] == "account" else "account")
    path.append("id")
    return "{ " + " { ".join(path) + " }" * len(path)


def nested_cheaply(levels: int) -> str:
    """As deep, through single references only (opportunity › lead › convertedOpportunity › …): cheap to run."""
    path = ["opportunities(first: 1)", "edges", "node"]
    while len(path) < levels - 1:
        path.append("convertedOpportunity" if path[-1] == "lead" else "lead")
    path.append("id")
    return "{ " + " { ".join(path) + " }" * (len(path) - 1) + " }"


def aliases(count: int) -> str:
    return "{ " + " ".join(f"a{i}: viewer {{ role }}" for i in range(count)) + " }"


def refused(response) -> list[dict]:
    """A GraphQL answer (not a crash) with top-level errors and no data; returns the errors."""
    assert response.status_code == 200, (response.status_code, response.text)
    body = response.json()
    assert body.get("data") is None and body["errors"], body
    assert not any("Internal server error" in e["message"] for e in body["errors"]), body
    return body["errors"]


def test_a_query_ten_levels_deep_is_answered(admin):
    assert admin.run(nested_cheaply(10)) == {"opportunities": {"edges": []}}


@pytest.mark.parametrize("levels", [12, 20])
def test_a_query_nested_deeper_than_ten_levels_is_refused(admin, levels):
    errors = refused(admin.post(nested(levels)))
    assert "depth" in errors[0]["message"]


def test_depth_hidden_in_a_fragment_is_counted_too(admin):
    fragment = (
        "fragment Deep on Opportunity { account { opportunities { account { opportunities { account {"
        " opportunities { account { opportunities { id } } } } } } } } }"
    )
    errors = refused(admin.post(fragment + " { opportunities { edges { node { ...Deep } } } }"))
    assert "depth" in errors[0]["message"]


def test_a_subscription_nested_deeper_than_ten_levels_is_refused_over_the_websocket(server, admin, subscribers):
    deep = (
        "subscription { documentEvents { document { ... on Opportunity { account { opportunities { account {"
        " opportunities { account { opportunities { account { opportunities { account { id } } } } } } } } } } } } }"
    )
    listener = server.subscribe(admin.token, deep)
    subscribers.append(listener)
    message = listener.receive(timeout=10)
    assert message["type"] == "error" and message["id"] == "1", message
    assert "depth" in message["payload"][0]["message"]


@pytest.mark.parametrize(
    "query",
    [
        "subscription { documentEvents { trigger }",
        "subscription { documentEvents { " + " ".join(["trigger"] * 2100) + " } }",
    ],
    ids=["syntax error", "over 2000 tokens"],
)
def test_an_unparsable_subscription_is_answered_with_an_error_not_a_silent_complete(server, admin, subscribers, query):
    """graphql-transport-ws: a syntax error closes the socket with 4400 (or at least sends an `error`)."""
    listener = server.subscribe(admin.token, query)
    subscribers.append(listener)
    try:
        message = listener.receive(timeout=10)
    except ConnectionClosed as closed:
        assert closed.rcvd is not None and closed.rcvd.code == 4400, closed
        return
    assert message["type"] == "error" and message["payload"], f"the client was told nothing: {message}"


def test_fifteen_aliases_are_answered_and_sixteen_are_refused(admin):
    assert len(admin.run(aliases(15))) == 15
    errors = refused(admin.post(aliases(16)))
    assert "aliases" in errors[0]["message"]


def test_a_query_over_two_thousand_tokens_is_refused(admin):
    query = "{ viewer { " + " ".join(["role"] * 2100) + " } }"
    errors = refused(admin.post(query))
    assert "tokens" in errors[0]["message"]


@pytest.mark.parametrize("first", [101, -1, 1_000_000])
def test_a_page_size_outside_zero_to_a_hundred_is_a_graphql_error(admin, first):
    errors = refused(admin.post("query($n: Int) { leads(first: $n) { totalCount } }", {"n": first}))
    assert errors[0]["path"] == ["leads"]


def test_a_page_of_a_hundred_is_answered(admin):
    assert admin.run("{ leads(first: 100) { totalCount } }")["leads"]["totalCount"] >= 0


def test_a_batch_of_operations_in_a_json_array_is_refused(server, admin):
    response = server.http.post("/graphql", json=[{"query": "{ viewer { role } }"}] * 2, headers=admin.headers)
    assert 400 <= response.status_code < 500, (response.status_code, response.text)


def test_a_mutation_over_get_is_refused_and_does_nothing(server, admin):
    title = "Created over GET"
    response = server.http.get(
        "/graphql",
        headers=admin.headers,
        params={
            "query": f'mutation {{ createLead(input: {{title: "{title}"}}) {{ lead {{ id }} errors {{ code }} }} }}'
        },
    )
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    found = admin.run("query($s: String) { leads(filter: {search: $s}) { totalCount } }", {"s": title})
    assert found["leads"]["totalCount"] == 0


def test_a_query_over_get_is_answered(server, admin):
    response = server.http.get("/graphql", headers=admin.headers, params={"query": "{ viewer { role } }"})
    assert response.status_code == 200 and response.json()["data"] == {"viewer": {"role": "admin"}}


def post_raw(server, admin, body: bytes):
    return server.http.post("/graphql", content=body, headers={**admin.headers, "Content-Type": "application/json"})


@pytest.mark.parametrize("body", [b'{"query": "{ viewer', b"not json at all", b""], ids=["truncated", "text", "empty"])
def test_a_malformed_json_body_is_a_client_error_not_a_crash(server, admin, body):
    response = post_raw(server, admin, body)
    assert 400 <= response.status_code < 500, (response.status_code, response.text)
    assert "Traceback" not in response.text


@pytest.mark.parametrize(
    "body", [b'"{ viewer { role } }"', b"42", b"null", b"true"], ids=["string", "number", "null", "boolean"]
)
def test_a_json_body_that_is_not_an_object_is_a_client_error_not_a_crash(server, admin, body):
    response = post_raw(server, admin, body)
    assert 400 <= response.status_code < 500, (response.status_code, response.text)


def test_a_body_without_a_query_is_a_client_error(server, admin):
    response = server.http.post("/graphql", json={"variables": {}}, headers=admin.headers)
    assert 400 <= response.status_code < 500, (response.status_code, response.text)


def test_a_server_that_refused_bad_requests_still_answers(admin):
    assert admin.run("{ viewer { role } }") == {"viewer": {"role": "admin"}}


# --- what a query costs, and what it may cost ----------------------------------------------------------

NESTED_THROUGH_NODES = (
    "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Account { opportunities { account {"
    " opportunities { account { opportunities { id title } } } } } } } }"
)
TWO_OPERATIONS = "query Roles { viewer { role } } query Stages { stages { name } }"
NAME_REQUIRED = "Must provide operation name if query contains multiple operations."


def test_every_answer_says_what_its_query_cost_and_the_limit(admin):
    body = admin.execute("{ viewer { role } }")
    assert body["extensions"]["cost"] == {"requestedQueryCost": 2, "maximumAvailable": 200_000}


def test_nested_lists_multiplied_by_nodes_are_refused_before_they_run(admin):
    account = admin.mutate(
        "createAccount",
        "mutation($i: CreateAccountInput!) { createAccount(input: $i) { account { id } errors { code } } }",
        {"i": {"name": "Nested"}},
    )
    errors = refused(admin.post(NESTED_THROUGH_NODES, {"ids": [account["account"]["id"]] * 100}))
    assert errors[0]["extensions"]["code"] == "QUERY_TOO_COMPLEX"
    assert errors[0]["extensions"]["cost"] > errors[0]["extensions"]["maximumAvailable"] == 200_000


def test_nodes_refuses_a_repeated_id_and_answers_null_for_a_type_the_role_may_not_read(server, admin):
    lead = admin.mutate(
        "createLead",
        "mutation($i: CreateLeadInput!) { createLead(input: $i) { lead { id } errors { code } } }",
        {"i": {"title": "Hidden from accountants"}},
    )["lead"]["id"]
    errors = refused(admin.post("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [lead] * 100}))
    assert errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    (accountant,) = server.users("accountant")
    answer = accountant.run("query($ids: [ID!]!) { nodes(ids: $ids) { id } viewer { role } }", {"ids": [lead]})
    assert answer == {"nodes": [None], "viewer": {"role": "accountant"}}


# --- several operations in one document ------------------------------------------------------------------


def test_several_operations_without_a_name_are_refused_over_post_get_and_websocket(server, admin, subscribers):
    posted = refused(admin.post(TWO_OPERATIONS))
    got = refused(server.http.get("/graphql", params={"query": TWO_OPERATIONS}, headers=admin.headers))
    for errors in (posted, got):
        assert errors[0]["message"] == NAME_REQUIRED and errors[0]["extensions"]["code"] == "OPERATION_NAME_REQUIRED"
    listener = server.subscribe(admin.token, TWO_OPERATIONS)
    subscribers.append(listener)
    message = json.loads(listener.ws.recv(timeout=10))
    assert message["type"] == "error" and message["payload"][0]["message"] == NAME_REQUIRED, message
    named = server.http.post(
        "/graphql", json={"query": TWO_OPERATIONS, "operationName": "Stages"}, headers=admin.headers
    ).json()
    assert "errors" not in named and set(named["data"]) == {"stages"}


# --- request bodies and WebSocket messages -------------------------------------------------------------


def _raw_post(server, admin, headers: str, body_chunks=()) -> bytes:
    """An HTTP/1.1 POST written by hand; returns what the server answered before it closed."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(
            (
                f"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {admin.token}\r\n"
                f"Content-Type: application/json\r\n{headers}\r\n"
            ).encode()
        )
        for chunk in body_chunks:
            sock.sendall(chunk)
        answer = b""
        while b"\r\n\r\n" not in answer or len(answer.split(b"\r\n\r\n", 1)[1]) < 100:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
        return answer


def test_a_body_declared_larger_than_the_limit_is_refused_before_a_byte_of_it_is_sent(server, admin):
    started = time.monotonic()
    answer = _raw_post(server, admin, "Content-Length: 104857600\r\n")  # 100 MB announced, none sent
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b'"PAYLOAD_TOO_LARGE"' in answer and time.monotonic() - started < 5


def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_limit(server, admin):
    chunk = b" " * 65536
    over = DEFAULT_MAX_BODY_BYTES // len(chunk) + 1  # one chunk more than the default limit holds
    chunks = [b"%x\r\n%s\r\n" % (len(chunk), chunk)] * over
    answer = _raw_post(server, admin, "Transfer-Encoding: chunked\r\n", chunks)
    assert answer.startswith(b"HTTP/1.1 413") and b'"PAYLOAD_TOO_LARGE"' in answer, answer[:200]
    assert admin.run("{ viewer { role } }") == {"viewer": {"role": "admin"}}


def test_a_websocket_message_larger_than_the_limit_closes_the_socket(server, admin):
    listener = server.connect(admin.token)
    assert listener.open()["type"] == "connection_ack"
    try:
        listener.ws.send(
            json.dumps(
                {
                    "id": "1",
                    "type": "subscribe",
                    "payload": {
                        "query": "{ viewer { role } }",
                        "variables": {"pad": "x" * (DEFAULT_MAX_BODY_BYTES + 1)},
                    },
                }
            )
        )
        with pytest.raises(ConnectionClosed) as closed:
            listener.ws.recv(timeout=10)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1009, closed.value  # message too big
    finally:
        listener.close()


# --- the deadline, and clients that go away --------------------------------------------------------------

HEAVY_LINES = 1000  # MAX_LINES: the query below then takes several times its 1 s deadline
HEAVY_QUOTES = 30  # compiled to SQL, 15 × 10 quotes of 1,000 lines took under the 1 s deadline
LINE = "id description quantity unitPrice discountPercent taxRate netAmount taxAmount total"
HEAVY = (
    "{ "
    + " ".join(
        f"a{i}: quotes(first: {HEAVY_QUOTES}) {{ edges {{ node {{ lines {{ {LINE} }} }} }} }}" for i in range(15)
    )
    + " }"
)


@pytest.fixture(scope="module")
def slow_server(serve_with):
    """A server with a 1 s deadline and no cost or answer-size limit, holding quotes with 1,000 lines each: HEAVY
    takes seconds (its answer, some 20 MB, would pass the default answer budget before the deadline)."""
    with serve_with(args=("--query-timeout", "1", "--max-cost", "0", "--max-response-bytes", "0")) as srv:
        admin = srv.admin()
        for n in range(HEAVY_QUOTES):
            opportunity = admin.mutate(
                "createOpportunity",
                "mutation($i: CreateOpportunityInput!) { createOpportunity("
                "input: $i) { opportunity { id } errors { code } } }",
                {"i": {"title": f"Heavy {n}", "currency": "EUR"}},
            )["opportunity"]["id"]
            lines = [
                {"description": f"Line {k} " + "widget " * 10, "quantity": "2", "unitPrice": "9.99", "taxRate": "19"}
                for k in range(HEAVY_LINES)
            ]
            admin.mutate(
                "convertOpportunityToQuote",
                "mutation($i: ConvertOpportunityToQuoteInput!) { "
                "convertOpportunityToQuote(input: $i) { quote { id } errors { code message } } }",
                {"i": {"opportunityId": opportunity, "kind": "PROFORMA", "lines": lines}},
            )
        yield srv


def test_a_query_running_past_its_deadline_is_stopped_while_healthz_keeps_answering(slow_server):
    admin = slow_server.admin()
    started = time.monotonic()
    response, latencies = healthz_while(slow_server.url, lambda: admin.post(HEAVY))
    errors = refused(response)
    assert errors[0]["extensions"]["code"] == "TIMEOUT" and "longer than 1 s" in errors[0]["message"], errors
    assert time.monotonic() - started < 5
    assert_prompt(latencies)


def test_a_query_whose_client_goes_away_is_stopped(slow_server):
    before = slow_server.stderr_path.read_text(errors="replace").count("client went away")
    with pytest.raises(httpx.ReadTimeout):
        slow_server.http.post("/graphql", json={"query": HEAVY}, headers=slow_server.admin().headers, timeout=0.3)
    deadline = time.monotonic() + 0.6  # well before the 1 s deadline would have stopped it
    while time.monotonic() < deadline:
        if slow_server.stderr_path.read_text(errors="replace").count("client went away") > before:
            break
        time.sleep(0.05)
    assert slow_server.stderr_path.read_text(errors="replace").count("client went away") > before, slow_server.output()
