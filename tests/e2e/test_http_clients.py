"""Queries as real SPA clients send them over HTTP, against `salesflow serve`: Apollo Client with its
queries as GET (HttpLink's useGETForQueries) gets the same answers as a POST, again and again, and
fresh data after its own mutation (repeated queries are answered by replays, schema/compiled/replay.py).
"""

from __future__ import annotations

import jsclients
import pytest
from support import CREATE_OPPORTUNITY, unique

PAGE = "{ opportunities(first: 10) { edges { cursor node { __typename id title amount stage { __typename name } account { __typename name } } __typename } totalCount __typename } }"
ANSWER_SECONDS = 30


@pytest.fixture(scope="module")
def server(serve_with):
    with serve_with() as srv:
        yield srv


def test_apollo_client_sending_queries_as_get_reads_what_a_post_reads_and_fresh_data(server, tmp_path):
    node = jsclients.install()
    admin = server.admin()
    account = admin.mutate(
        "createAccount",
        "mutation($i: CreateAccountInput!) { createAccount(input: $i) { account { id } errors { code } } }",
        {"i": {"name": unique("İzmir Mobilya"), "country": "TR"}},
    )["account"]["id"]
    for title in ("Ofis masaları", "Toplantı sandalyeleri"):
        admin.mutate(
            "createOpportunity",
            CREATE_OPPORTUNITY,
            {"i": {"title": title, "accountId": account, "amount": "1250.00", "currency": "TRY"}},
        )
    posted = server.http.post(
        "/graphql", json={"query": PAGE}, headers={**admin.headers, "Accept-Language": "tr"}
    ).json()["data"]

    client = jsclients.NodeClient(
        node,
        "apollo-get-queries.mjs",
        {"SALESFLOW_HTTP_URL": f"{server.url}/graphql", "SALESFLOW_TOKEN": server.admin_token},
        tmp_path / "apollo.stderr",
    )
    try:
        assert client.wait_for_report(lambda m: "done" in m, ANSWER_SECONDS) is not None, client.output()
    finally:
        client.close()
    answers = {m["answer"]: m["data"] for m in client.messages if "answer" in m}
    assert answers["first"] == answers["second"] == answers["third"] == posted
    assert {e["node"]["stage"]["name"] for e in posted["opportunities"]["edges"]} != set()
    renamed = answers["after the rename"]["opportunities"]["edges"]
    first_id = posted["opportunities"]["edges"][0]["node"]["id"]
    assert [e["node"]["title"] for e in renamed if e["node"]["id"] == first_id] == ["Renamed by Apollo"]
