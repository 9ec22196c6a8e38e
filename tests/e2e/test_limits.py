"""The gateway's guards against abusive or broken requests: refused cleanly, never a 500."""
from __future__ import annotations

import json

import pytest
from websockets.exceptions import ConnectionClosed


def nested(levels: int) -> str:
    """A query `levels` fields deep: opportunities › edges › node › account › opportunities › … › id."""
    path = ["opportunities", "edges", "node"]
    while len(path) < levels - 1:
        path.append("opportunities" if path[-1] == "account" else "account")
    path.append("id")
    return "{ " + " { ".join(path) + " }" * len(path)


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
    assert admin.run(nested(10)) == {"opportunities": {"edges": []}}


@pytest.mark.parametrize("levels", [12, 20])
def test_a_query_nested_deeper_than_ten_levels_is_refused(admin, levels):
    errors = refused(admin.post(nested(levels)))
    assert "depth" in errors[0]["message"]


def test_depth_hidden_in_a_fragment_is_counted_too(admin):
    fragment = ("fragment Deep on Opportunity { account { opportunities { account { opportunities { account {"
                " opportunities { account { opportunities { id } } } } } } } } }")
    errors = refused(admin.post(fragment + " { opportunities { edges { node { ...Deep } } } }"))
    assert "depth" in errors[0]["message"]


def test_a_subscription_nested_deeper_than_ten_levels_is_refused_over_the_websocket(server, admin, subscribers):
    deep = ("subscription { documentEvents { document { ... on Opportunity { account { opportunities { account {"
            " opportunities { account { opportunities { account { opportunities { account { id } } } } } } } } } } } } }")
    listener = server.subscribe(admin.token, deep)
    subscribers.append(listener)
    message = json.loads(listener.ws.recv(timeout=10))
    assert message["type"] == "error" and message["id"] == "1", message
    assert "depth" in message["payload"][0]["message"]


@pytest.mark.parametrize("query", [
    "subscription { documentEvents { trigger }",
    "subscription { documentEvents { " + " ".join(["trigger"] * 2100) + " } }",
], ids=["syntax error", "over 2000 tokens"])
def test_an_unparsable_subscription_is_answered_with_an_error_not_a_silent_complete(server, admin, subscribers, query):
    """graphql-transport-ws: a syntax error closes the socket with 4400 (or at least sends an `error`)."""
    listener = server.subscribe(admin.token, query)
    subscribers.append(listener)
    try:
        message = json.loads(listener.ws.recv(timeout=10))
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
    response = server.http.get("/graphql", headers=admin.headers, params={
        "query": f'mutation {{ createLead(input: {{title: "{title}"}}) {{ lead {{ id }} errors {{ code }} }} }}'})
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


@pytest.mark.parametrize("body", [b'"{ viewer { role } }"', b"42", b"null", b"true"],
                         ids=["string", "number", "null", "boolean"])
def test_a_json_body_that_is_not_an_object_is_a_client_error_not_a_crash(server, admin, body):
    response = post_raw(server, admin, body)
    assert 400 <= response.status_code < 500, (response.status_code, response.text)


def test_a_body_without_a_query_is_a_client_error(server, admin):
    response = server.http.post("/graphql", json={"variables": {}}, headers=admin.headers)
    assert 400 <= response.status_code < 500, (response.status_code, response.text)


def test_a_server_that_refused_bad_requests_still_answers(admin):
    assert admin.run("{ viewer { role } }") == {"viewer": {"role": "admin"}}
