"""An answer is at most `max_response_bytes` of JSON (schema/core/answer.py): counted while it is built,
so a query over it stops there with RESPONSE_TOO_LARGE, and encoded in the worker thread that built it."""

from __future__ import annotations

import asyncio

import orjson
from gql import code
from sqlalchemy import event

from salesflow.schema.core import answer

#: 10,000 four-byte characters: a lead's longest notes, 40,000 bytes of UTF-8.
EMOJI_NOTES = "\U0001f600" * 10_000
NOTES = "{ leads(first: 5) { edges { node { title notes } } } }"
CREATE = "mutation($i: CreateLeadInput!) { createLead(input: $i) { lead { id } errors { code } } }"


def _leads_with_long_notes(client, count: int) -> None:
    for n in range(count):
        client.mutate("createLead", CREATE, {"i": {"title": f"Lead {n}", "notes": EMOJI_NOTES}})


def test_an_answer_within_the_budget_is_answered_whole(tuned):
    client = tuned(max_response_bytes=200_000).client()
    _leads_with_long_notes(client, 3)
    edges = client.run(NOTES)["leads"]["edges"]
    assert [e["node"]["notes"] for e in edges] == [EMOJI_NOTES] * 3


def test_an_answer_larger_than_the_budget_is_refused_with_response_too_large(tuned):
    client = tuned(max_response_bytes=100_000).client()
    _leads_with_long_notes(client, 3)  # 120,000 bytes of notes
    body = client.post(NOTES)
    assert code(body) == "RESPONSE_TOO_LARGE" and body.get("data") is None, body
    assert body["errors"][0]["extensions"]["maximumBytes"] == 100_000
    assert len(orjson.dumps(body)) < 2_000


def test_an_answer_over_the_budget_stops_being_built_where_it_passes_it(tuned):
    gateway = tuned(max_response_bytes=100_000)
    client = gateway.client()
    _leads_with_long_notes(client, 3)
    statements: list[str] = []

    def record(conn, cursor, statement, *rest):
        statements.append(statement)

    event.listen(gateway.app.state.engine, "before_cursor_execute", record)
    try:
        body = client.post("{ leads(first: 5) { edges { node { notes } } } accounts { totalCount } }")
    finally:
        event.remove(gateway.app.state.engine, "before_cursor_execute", record)
    assert code(body) == "RESPONSE_TOO_LARGE", body
    assert not any("FROM accounts" in s for s in statements), "the rest of the query ran after the budget was spent"


def test_a_budget_of_zero_leaves_answers_unbounded(tuned):
    client = tuned(max_response_bytes=0).client()
    _leads_with_long_notes(client, 3)
    assert len(client.run(NOTES)["leads"]["edges"]) == 3


def test_the_answer_is_encoded_in_the_worker_thread_not_on_the_event_loop(gateway, admin, monkeypatch):
    sealed: list[tuple[bool, bool]] = []  # (an event loop runs in the sealing thread, the data came out encoded)
    seal = answer.seal

    def spy(result, limit, committed=0):
        try:
            asyncio.get_running_loop()
            on_a_loop = True
        except RuntimeError:
            on_a_loop = False
        out = seal(result, limit, committed)
        sealed.append((on_a_loop, isinstance(out.data, orjson.Fragment)))
        return out

    monkeypatch.setattr(answer, "seal", spy)
    assert admin.run("{ stages { name } }")["stages"]
    assert sealed == [(False, True)], sealed


def test_the_exact_size_is_checked_once_encoded():
    class Result:
        data, errors = {"notes": "é" * 600}, None  # about 1,200 bytes once encoded

    assert isinstance(answer.seal(Result(), 2_000).data, orjson.Fragment)
    refused = answer.seal(Result(), 1_000)
    assert refused.data is None and refused.errors[0].extensions["code"] == "RESPONSE_TOO_LARGE"


def test_a_text_is_charged_by_its_utf8_bytes():
    budget = answer.AnswerBudget(1_000_000)
    answer.charge_object(budget, {"notes": "\U0001f600" * 1_000})
    assert 4_000 < budget.spent < 4_100


def test_a_mutation_whose_payload_is_too_large_says_that_its_change_was_kept(tuned):
    client = tuned(max_response_bytes=20_000).client()
    body = client.post(
        "mutation($i: CreateLeadInput!) { createLead(input: $i) { lead { notes } errors { code } } }",
        {"i": {"title": "Long notes", "notes": EMOJI_NOTES}},
    )
    assert code(body) == "RESPONSE_TOO_LARGE" and body["errors"][0]["extensions"]["committed"] is True, body
    titles = client.run("{ leads { edges { node { title } } } }")["leads"]["edges"]
    assert [e["node"]["title"] for e in titles] == ["Long notes"]
