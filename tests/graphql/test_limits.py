"""Legal queries that would be ruinous to run are refused or bounded: the cost limit, the deadline, the
body limit, `nodes` with repeated or unreadable ids, and documents with several operations."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import orjson
import pytest
from gql import code
from graphql import get_introspection_query, parse
from sqlalchemy import event

from salesflow.adapters.webhook import HEADER, sign
from salesflow.schema.core.cost import DEFAULT_MAX_COST, operation_cost

README = Path(__file__).resolve().parents[2] / "README.md"
NESTED = (
    "query($ids: [ID!]!) { nodes(ids: $ids) { ... on Account { opportunities { account { opportunities {"
    " account { opportunities { id title } } } } } } } }"
)
LEAD_TITLES = "{ leads(first: 100) { totalCount edges { node { title } } } }"


@pytest.fixture
def slow_statements():
    """slow_statements(gateway, "INSERT INTO activities", 0.3): statements with that in their text or
    their parameters take that much longer."""
    undo = []

    def make(gateway, fragment: str, seconds: float) -> None:
        def linger(conn, cursor, statement, parameters, context, executemany):
            if fragment in statement or fragment in repr(parameters):
                time.sleep(seconds)

        for engine in (gateway.app.state.engine, gateway.app.state.write_engine):  # readers' and writers' pools
            event.listen(engine, "before_cursor_execute", linger)
            undo.append(lambda engine=engine: event.remove(engine, "before_cursor_execute", linger))

    yield make
    for remove in undo:
        remove()


# --- the cost of a query -------------------------------------------------------------------------


def test_every_answer_reports_what_its_query_cost(admin):
    body = admin.post("{ viewer { role } }")
    assert body["extensions"]["cost"] == {"requestedQueryCost": 2, "maximumAvailable": DEFAULT_MAX_COST}


def test_nested_lists_through_nodes_are_refused_before_anything_runs(admin, gq, sales):
    account = admin.mutate("createAccount", gq.CREATE_ACCOUNT, {"i": {"name": "ACME"}})["account"]["id"]
    body = admin.post(NESTED, {"ids": [account] * 100})
    assert body.get("data") is None and code(body) == "QUERY_TOO_COMPLEX", body
    error = body["errors"][0]
    assert error["extensions"]["cost"] > DEFAULT_MAX_COST == error["extensions"]["maximumAvailable"]
    assert str(error["extensions"]["cost"]) in error["message"] and f"{DEFAULT_MAX_COST}" in error["message"]


def test_a_mutation_over_the_limit_is_refused_and_changes_nothing(tuned, gq, store_snapshot):
    client = tuned(max_cost=20).client()
    before = store_snapshot()
    body = client.post(gq.CREATE_LEAD, {"i": {"title": "Too dear to answer"}})
    assert code(body) == "QUERY_TOO_COMPLEX" and body.get("data") is None, body
    assert store_snapshot() == before


def test_a_cost_limit_of_zero_counts_and_reports_but_refuses_nothing(tuned):
    body = tuned(max_cost=0).client().post(LEAD_TITLES)
    assert "errors" not in body and body["extensions"]["cost"] == {"requestedQueryCost": 302, "maximumAvailable": None}


def _readme_operations() -> list[tuple[str, dict]]:
    text = README.read_text(encoding="utf-8")
    found = [(block, {}) for block in re.findall(r"```graphql\n(.*?)```", text, re.DOTALL)]
    for raw in re.findall(r"gql '(\{.*?\})'", text, re.DOTALL):
        request = json.loads(raw)
        found.append((request["query"], request.get("variables", {})))
    return found


def test_the_readme_examples_and_the_ides_introspection_fit_the_default_budget(gateway):
    schema = gateway.app.state.schema._schema
    operations = [*_readme_operations(), (get_introspection_query(descriptions=True), {})]
    assert len(operations) >= 10
    over = {query[:60]: operation_cost(schema, parse(query), None, variables) for query, variables in operations}
    assert all(cost <= DEFAULT_MAX_COST for cost in over.values()), over


def test_the_readme_list_query_runs_under_the_default_budget(admin, sales):
    sales.opportunity("ACME expansion")
    query = _readme_operations()[0][0]
    body = admin.post(query)
    assert "errors" not in body, body
    assert body["extensions"]["cost"]["requestedQueryCost"] <= DEFAULT_MAX_COST


# --- nodes ---------------------------------------------------------------------------------------


def test_nodes_refuses_an_id_asked_twice(admin, sales):
    lead = sales.lead("Asked twice")["id"]
    body = admin.post("query($ids: [ID!]!) { nodes(ids: $ids) { id } }", {"ids": [lead, lead]})
    assert body.get("data") is None and code(body) == "BAD_USER_INPUT", body
    assert lead in body["errors"][0]["message"]


def test_nodes_and_node_answer_null_for_a_type_the_role_may_not_read(sales, as_user, gq):
    lead = sales.lead("Not for accountants")["id"]
    account = sales.client.mutate("createAccount", gq.CREATE_ACCOUNT, {"i": {"name": "Readable"}})["account"]["id"]
    accountant = as_user("anna", "accountant").client
    body = accountant.post(
        "query($ids: [ID!]!, $lead: ID!) { nodes(ids: $ids) { id } node(id: $lead) { id } }",
        {"ids": [lead, account], "lead": lead},
    )
    assert "errors" not in body, body
    assert body["data"] == {"nodes": [None, {"id": account}], "node": None}


# --- several operations in one document ----------------------------------------------------------

TWO_OPERATIONS = "query Roles { viewer { role } } query Stages { stages { name } }"


def test_several_operations_without_an_operation_name_are_refused(admin, gateway):
    posted = admin.post(TWO_OPERATIONS)
    got = gateway.http.get(
        "/graphql", params={"query": TWO_OPERATIONS}, headers={"Authorization": f"Bearer {admin.token}"}
    ).json()
    for body in (posted, got):
        assert body.get("data") is None and code(body) == "OPERATION_NAME_REQUIRED", body
        assert body["errors"][0]["message"] == "Must provide operation name if query contains multiple operations."


def test_the_named_operation_of_several_is_the_one_that_runs(admin):
    body = admin.post(TWO_OPERATIONS, operationName="Stages")
    assert "errors" not in body and set(body["data"]) == {"stages"}, body


# --- the deadline --------------------------------------------------------------------------------


def test_a_query_that_runs_past_its_deadline_is_stopped_with_a_timeout(tuned, slow_statements):
    gateway = tuned(query_timeout=0.2)
    slow_statements(gateway, "FROM leads", 0.4)
    started = time.monotonic()
    body = gateway.client().post(LEAD_TITLES)
    assert code(body) == "TIMEOUT" and body.get("data") is None, body
    assert body["errors"][0]["extensions"]["committed"] is False
    assert time.monotonic() - started < 2


def test_a_mutation_whose_time_runs_out_before_it_commits_rolls_back(tuned, slow_statements, gq, store_snapshot):
    gateway = tuned(query_timeout=0.2)
    client = gateway.client()
    slow_statements(gateway, "INSERT INTO activities", 0.4)
    before = store_snapshot()
    body = client.post(gq.CREATE_LEAD, {"i": {"title": "Too slow to keep"}})
    assert code(body) == "TIMEOUT" and body["errors"][0]["extensions"]["committed"] is False, body
    assert store_snapshot() == before


def test_a_timeout_after_one_mutation_committed_says_that_it_was_kept(tuned, slow_statements):
    gateway = tuned(query_timeout=0.3)
    client = gateway.client()
    slow_statements(gateway, "Second", 0.5)  # only the second lead's statements linger
    body = client.post(
        'mutation { a: createLead(input: {title: "First"}) { errors { code } } '
        'b: createLead(input: {title: "Second"}) { errors { code } } }'
    )
    assert code(body) == "TIMEOUT" and body["errors"][0]["extensions"]["committed"] is True, body
    titles = client.run("{ leads { edges { node { title } } } }")["leads"]["edges"]
    assert [e["node"]["title"] for e in titles] == ["First"]


# --- the body limit --------------------------------------------------------------------------------


def _padded_query(size: int) -> bytes:
    return orjson.dumps({"query": "{ viewer { role } }" + " " * size})


def test_a_body_over_the_limit_is_answered_413_with_a_graphql_error(tuned):
    gateway = tuned(max_body_bytes=10_000)
    token = gateway.token("root", "admin")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    small = gateway.http.post("/graphql", content=_padded_query(5_000), headers=headers)
    assert small.status_code == 200 and small.json()["data"] == {"viewer": {"role": "admin"}}
    for body in (_padded_query(20_000), iter([_padded_query(20_000)[i : i + 4096] for i in range(0, 20_100, 4096)])):
        refused = gateway.http.post("/graphql", content=body, headers=headers)
        assert refused.status_code == 413, refused.text
        assert refused.json() == {
            "errors": [
                {
                    "message": "The request body is larger than 10000 bytes, the most this server accepts.",
                    "extensions": {"code": "PAYLOAD_TOO_LARGE", "maximumBytes": 10_000},
                }
            ]
        }


def test_a_payment_hook_body_over_its_limit_is_refused_even_without_a_content_length(tuned):
    from salesflow.gateway.hooks import MAX_BODY

    secret = "hook-secret-0123456789"
    gateway = tuned(webhook_secret=secret)
    raw = orjson.dumps({"externalId": "pay_1", "reference": "x" * (MAX_BODY + 100)})
    chunks = iter([raw[i : i + 1024] for i in range(0, len(raw), 1024)])  # sent chunked: no Content-Length
    response = gateway.http.post(
        "/hooks/payments", content=chunks, headers={HEADER: sign(secret, raw), "Content-Type": "application/json"}
    )
    assert response.status_code == 413 and response.json()["status"] == "error", response.text
