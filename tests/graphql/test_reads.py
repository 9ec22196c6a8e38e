"""What a query reads from the store: a document's lines only when asked for (a page's at once), no
records at all for a page asked only for its total, and never more text than the read budget
(SALESFLOW_MAX_READ_BYTES): past it, a top-level RESPONSE_TOO_LARGE. Over the real app, each backend.
"""

from __future__ import annotations

import re

import pytest
from gql import code, statements

LONG = "x" * 2_000  # a line's description: 2,000 characters


def limit_of(statement: str, parameters) -> int:
    """The LIMIT a SELECT was run with (SQLite binds it and the OFFSET last; psycopg by name)."""
    if isinstance(parameters, dict):
        return parameters[re.search(r"LIMIT %\((\w+)\)s", statement).group(1)]
    assert statement.rstrip().endswith("LIMIT ? OFFSET ?"), statement
    return parameters[-2]


def reading(seen: list[str], table: str) -> list[str]:
    return [s for s in seen if f"FROM {table}" in s and "count(" not in s.lower()]


def three_quotes(sales) -> list[dict]:
    """Three quotes of two lines whose descriptions are 2,000 characters long."""
    opp = sales.opportunity()
    lines = [
        {"description": LONG, "quantity": "1", "unitPrice": "10", "taxRate": "19"},
        {"description": LONG, "quantity": "2", "unitPrice": "5", "taxRate": "19"},
    ]
    return [sales.quote(opp["id"], lines=lines) for _ in range(3)]


def test_a_page_asked_only_for_its_total_reads_one_record_at_most_and_no_lines(gateway, admin, sales):
    three_quotes(sales)
    query = "{ quotes(first: 100) { totalCount } all: quotes { __typename totalCount } }"
    with statements(gateway, with_parameters=True) as seen:
        data = admin.run(query)
    assert data == {
        "quotes": {"totalCount": 3},
        "all": {"__typename": "QuoteConnection", "totalCount": 3},
    }
    pages = [(s, p) for s, p in seen if "FROM quotes" in s and "count(" not in s.lower()]
    assert all(limit_of(s, p) <= 1 for s, p in pages), pages  # a row at most, of which nothing is read
    assert reading([s for s, _ in seen], "quote_lines") == []


def test_a_page_that_shows_no_lines_reads_none(gateway, admin, sales):
    three_quotes(sales)
    with statements(gateway) as seen:
        data = admin.run("{ quotes { edges { node { number total } } } }")
    assert [e["node"]["total"] for e in data["quotes"]["edges"]] == ["23.80"] * 3
    assert len(reading(seen, "quotes")) == 1 and reading(seen, "quote_lines") == [], seen


def test_the_lines_of_a_whole_page_come_in_one_statement(gateway, admin, sales):
    three_quotes(sales)
    query = "{ quotes(first: 3) { edges { node { number history(first: 1) { trigger } lines { quantity description } } } } }"
    with statements(gateway) as seen:
        data = admin.run(query)
    nodes = [e["node"] for e in data["quotes"]["edges"]]
    assert [[ln["quantity"] for ln in n["lines"]] for n in nodes] == [["1", "2"]] * 3
    assert all(ln["description"] == LONG for n in nodes for ln in n["lines"])
    assert all(n["history"] == [{"trigger": "create"}] for n in nodes)  # a field of the resolvers' reading
    assert len(reading(seen, "quote_lines")) == 1, seen


def test_the_lines_a_page_shows_and_its_actions_need_are_read_once_for_the_page(gateway, admin, sales):
    three_quotes(sales)
    query = "{ quotes(first: 3) { edges { node { number availableActions lines { quantity description } } } } }"
    with statements(gateway) as seen:
        data = admin.run(query)
    nodes = [e["node"] for e in data["quotes"]["edges"]]
    assert all("sendQuote" in n["availableActions"] and len(n["lines"]) == 2 for n in nodes)
    # the answer's statement shows the lines; the actions' guards read them once more, for all three
    assert len(reading(seen, "quote_lines")) <= 2, seen


@pytest.fixture
def tight(database_url):
    """The app with a read budget of 10,000 bytes: the three quotes' lines (12,000 characters) do not fit."""
    from gql import Gateway

    gw = Gateway(database_url, max_read_bytes=10_000)
    yield gw
    gw.close()


PAGE = "{ quotes { edges { node { number lines { description } } } } }"


def test_a_query_over_the_read_budget_answers_response_too_large_and_changes_nothing(tight, gq, store_snapshot):
    admin = tight.client("root", "admin")
    three_quotes(gq.Sales(admin))
    before = store_snapshot()
    body = admin.post(PAGE)
    assert code(body) == "RESPONSE_TOO_LARGE" and len(body["errors"]) == 1, body
    assert body["errors"][0]["path"][0] == "quotes" and body["data"] in (None, {"quotes": None}), body
    assert "more than 0.00953674 MB" in body["errors"][0]["message"] and "fewer records" in body["errors"][0]["message"]
    assert store_snapshot() == before


def test_a_query_under_the_read_budget_is_answered_in_full(tight, gq):
    admin = tight.client("root", "admin")
    three_quotes(gq.Sales(admin))
    data = admin.run("{ quotes(first: 1) { edges { node { lines { description } } } } }")
    assert [ln["description"] for ln in data["quotes"]["edges"][0]["node"]["lines"]] == [LONG, LONG]
    data = admin.run("{ quotes { totalCount edges { node { number total } } } }")  # the documents alone fit
    assert data["quotes"]["totalCount"] == 3 and len(data["quotes"]["edges"]) == 3


def test_the_read_budget_holds_over_websocket_too(tight, gq):
    admin = tight.client("root", "admin")
    three_quotes(gq.Sales(admin))
    with tight.http.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        ws.send_json({"type": "connection_init", "payload": {"Authorization": f"Bearer {admin.token}"}})
        assert ws.receive_json() == {"type": "connection_ack"}
        ws.send_json({"id": "1", "type": "subscribe", "payload": {"query": PAGE}})
        message = ws.receive_json()
    assert message["type"] == "next" and code(message["payload"]) == "RESPONSE_TOO_LARGE", message
