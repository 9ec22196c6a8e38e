"""A query the store answered whole is answered again from its kept plans (schema/compiled/replay.py):
the same bytes as the whole way, fresh data, each viewer by its own rights and language, the token
checked on every request, and nothing replayed that a resolver must compute."""

from __future__ import annotations

import pytest
from gql import statements

LIST = "{ opportunities(first: 10) { edges { cursor node { id title amount stage { name } account { name } } } totalCount } }"
COMPUTED = "{ opportunities(first: 10) { edges { node { id availableActions } } } }"


class Counted:
    """Counts how often the app's schema executes an operation: a replay executes none."""

    def __init__(self, gateway, monkeypatch):
        schema = gateway.app.state.schema
        self.runs = 0
        execute_sync = schema.execute_sync

        def counted(*args, **kwargs):
            self.runs += 1
            return execute_sync(*args, **kwargs)

        monkeypatch.setattr(schema, "execute_sync", counted)


def post(client, query: str, **headers):
    response = client.http.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {client.token}", **headers}
    )
    return response


def get(client, query: str, **headers):
    """A query as a GET (Apollo's useGETForQueries, persisted-query links)."""
    return client.http.get(
        "/graphql", params={"query": query}, headers={"Authorization": f"Bearer {client.token}", **headers}
    )


def replayed(send, client, query: str, counted):
    """The first answer to a query sent four times with `send` (post or get), the last three replays of
    it: GraphQL executed once, the same bytes and content type every time."""
    runs = counted.runs
    first = send(client, query)
    assert first.status_code == 200 and counted.runs == runs + 1
    again = [send(client, query) for _ in range(3)]
    assert counted.runs == runs + 1, "the same request from the same viewer executed GraphQL again"
    assert all(r.content == first.content and r.headers["content-type"] == first.headers["content-type"] for r in again)
    return first


@pytest.fixture
def counted(gateway, monkeypatch):
    return Counted(gateway, monkeypatch)


@pytest.fixture
def reps(gateway, gq):
    """The admin's Sales helper, and two sales reps' clients, each owning one opportunity."""
    admin = gq.Sales(gateway.client("root", "admin"))
    made = {}
    for name in ("maria", "reza"):
        client = gateway.client(name, "sales_rep")
        owner = gq.Sales(client).viewer()["user"]["id"]
        admin.opportunity(f"Chairs for {name}", ownerId=owner)
        made[name] = client
    admin.opportunity("Desks for nobody")
    return admin, made


def test_a_query_the_store_answered_whole_is_answered_again_without_executing_graphql(gateway, reps, counted, gq):
    admin, _ = reps
    first = replayed(post, admin.client, LIST, counted)
    assert first.json()["data"]["opportunities"]["totalCount"] == 3

    # fresh data: a replay runs the statement again, it keeps no answer
    opportunity = first.json()["data"]["opportunities"]["edges"][0]["node"]
    admin.client.run(
        "mutation($i: UpdateOpportunityInput!) { updateOpportunity(input: $i) { errors { code } } }",
        {"i": {"opportunityId": opportunity["id"], "title": "Renamed by the test"}},
    )
    runs = counted.runs
    renamed = post(admin.client, LIST).json()["data"]["opportunities"]["edges"]
    assert counted.runs == runs
    assert [e["node"]["title"] for e in renamed if e["node"]["id"] == opportunity["id"]] == ["Renamed by the test"]


def test_a_replay_reads_the_token_and_the_answer_in_one_statement(gateway, reps, counted):
    admin, _ = reps
    first = post(admin.client, LIST)
    post(admin.client, LIST)  # a replay: the token is looked up, then the answer read; the token's viewer kept
    with statements(gateway, "api_tokens", "opportunities") as sent:
        answers = [post(admin.client, LIST) for _ in range(3)]
    assert all(a.content == first.content for a in answers)
    assert len(sent) == 3, sent  # one a request, where a request gone the whole way sends two
    assert all("token_hash" in s and "opportunities" in s for s in sent)
    assert counted.runs == 1


def test_a_replay_of_several_root_fields_reads_them_and_the_token_in_one_statement(gateway, tuned, reps, counted):
    admin, made = reps
    admin.client.run('mutation { createLead(input: {title: "Chairs İzmir"}) { lead { id } } }')
    counted.runs = 0
    several = "{ first: opportunities(first: 10) { edges { node { id title } } } leads(first: 5) { edges { node { id title } } } }"
    first = post(admin.client, several)
    assert set(first.json()["data"]) == {"first", "leads"}
    post(admin.client, several)  # the token's viewer is kept
    with statements(gateway, "api_tokens", "opportunities", "leads") as sent:
        answers = [post(admin.client, several) for _ in range(3)]
    assert all(a.content == first.content for a in answers)
    assert len(sent) == 3 and all("token_hash" in s and "leads" in s and "opportunities" in s for s in sent), sent
    assert counted.runs == 1

    # a rep asking the same: her own rights for both fields, as the resolvers answer them
    maria = made["maria"]
    mine = [post(maria, several) for _ in range(3)]
    plain = tuned(compiled_reads=False).http.post(
        "/graphql", json={"query": several}, headers={"Authorization": f"Bearer {maria.token}"}
    )
    assert all(a.json() == plain.json() for a in mine)
    assert [e["node"]["title"] for e in plain.json()["data"]["first"]["edges"]] == ["Chairs for maria"]


def test_a_replayed_query_answers_each_viewer_by_their_own_rights(gateway, tuned, reps, counted):
    admin, made = reps
    post(admin.client, LIST)
    post(admin.client, LIST)  # kept for the admin
    resolvers = tuned(compiled_reads=False)  # the same store, every field by its resolver
    for name, client in made.items():
        answers = [post(client, LIST) for _ in range(3)]
        titles = [e["node"]["title"] for e in answers[-1].json()["data"]["opportunities"]["edges"]]
        assert titles == [f"Chairs for {name}"], titles
        plain = resolvers.http.post(
            "/graphql", json={"query": LIST}, headers={"Authorization": f"Bearer {client.token}"}
        )
        assert all(a.json() == plain.json() for a in answers)
    assert counted.runs == 3, "one execution for each viewer, then replays"


def test_a_replayed_query_checks_the_token_every_time(gateway, reps, counted):
    admin, made = reps
    maria = made["maria"]
    assert all(post(maria, LIST).status_code == 200 for _ in range(3))  # the last read beside the token
    who = maria.run("{ viewer { user { id } } }")["viewer"]["user"]["id"]
    payload = admin.client.run(
        "mutation($i: DeactivateUserInput!) { deactivateUser(input: $i) { errors { code } } }", {"i": {"userId": who}}
    )
    assert payload["deactivateUser"]["errors"] == []
    refused = post(maria, LIST)
    assert refused.status_code == 401 and 'error="invalid_token"' in refused.headers["www-authenticate"]


def test_a_role_changed_between_two_requests_is_answered_by_the_new_role(gateway, reps, counted):
    admin, made = reps
    maria = made["maria"]
    who = maria.run("{ viewer { user { id } } }")["viewer"]["user"]["id"]

    def becomes(role: str) -> None:
        admin.client.run(
            "mutation($i: SetUserRoleInput!) { setUserRole(input: $i) { errors { code } } }",
            {"i": {"userId": who, "role": role}},
        )

    def seen() -> int:
        return len(post(maria, LIST).json()["data"]["opportunities"]["edges"])

    assert [seen() for _ in range(3)] == [1, 1, 1]  # whole way, replay, replay read beside the token
    becomes("sales_manager")
    assert [seen() for _ in range(3)] == [3, 3, 3]  # a manager sees every rep's
    becomes("sales_rep")  # her token was last seen as a manager: what is read beside it is a manager's answer
    assert [seen() for _ in range(3)] == [1, 1, 1]


def test_each_language_gets_its_own_replay(gateway, reps, counted):
    admin, _ = reps
    names = {}
    for language in ("tr", "fa", "en", "tr", "fa", "en"):
        body = post(admin.client, LIST, **{"Accept-Language": language}).json()
        names.setdefault(language, set()).add(body["data"]["opportunities"]["edges"][0]["node"]["stage"]["name"])
    assert all(len(found) == 1 for found in names.values()), names
    assert len({next(iter(found)) for found in names.values()}) == 3, names  # three languages, three names
    assert counted.runs == 3


def test_a_query_with_a_value_a_resolver_computes_goes_the_whole_way_each_time(gateway, reps, counted):
    admin, _ = reps
    answers = [post(admin.client, COMPUTED) for _ in range(3)]
    assert counted.runs == 3
    assert answers[0].content == answers[1].content == answers[2].content
    assert "availableActions" in answers[0].json()["data"]["opportunities"]["edges"][0]["node"]


def test_a_request_with_an_error_is_not_kept(gateway, reps, counted):
    admin, _ = reps
    bad = "{ opportunities(first: -1) { edges { node { id } } } }"
    answers = [post(admin.client, bad).json() for _ in range(2)]
    assert counted.runs == 2
    assert answers[0] == answers[1] and answers[0].get("errors")


def test_an_answer_read_beside_the_token_is_held_to_the_read_budget(tuned, gq):
    gateway = tuned(max_read_bytes=3_000)
    admin = gq.Sales(gateway.client("root", "admin"))
    admin.opportunity("Chairs")
    small = [post(admin.client, LIST) for _ in range(3)]  # the last one read beside its token
    assert all(r.status_code == 200 and "errors" not in r.json() for r in small)
    for n in range(12):  # the same page now holds more than the budget
        admin.opportunity(f"Desks, lot {n} " + "x" * 150)
    over = post(admin.client, LIST).json()
    fresh = tuned(max_read_bytes=3_000)  # the same store, and a gateway that never saw this body
    whole_way = fresh.http.post(
        "/graphql", json={"query": LIST}, headers={"Authorization": f"Bearer {admin.client.token}"}
    ).json()
    assert over == whole_way
    assert over["data"] is None and "reads more than" in over["errors"][0]["message"], over


def test_a_replay_near_the_answer_budget_answers_as_the_whole_way_does(tuned, gq):
    limit = 1_000
    gateway = tuned(max_response_bytes=limit)
    admin = gq.Sales(gateway.client("root", "admin"))
    first = admin.opportunity("x")
    query = "{ opportunities(first: 50) { edges { node { title } } } }"
    unlimited = tuned(max_response_bytes=0)

    def data_bytes() -> int:  # the encoded `data` of the answer with no limit
        body = unlimited.http.post(
            "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {admin.client.token}"}
        ).content
        return body.index(b',"extensions"') - len(b'{"data":')

    assert all(post(admin.client, query).status_code == 200 for _ in range(3))  # kept, then replayed
    while data_bytes() + 80 < limit:
        admin.opportunity("y" * 60)
    # the title that brings the data to a few bytes under the limit: within what the root object is charged
    admin.client.run(
        "mutation($i: UpdateOpportunityInput!) { updateOpportunity(input: $i) { errors { code } } }",
        {"i": {"opportunityId": first["id"], "title": "x" * (1 + limit - 3 - data_bytes())}},
    )
    assert limit - 6 <= data_bytes() < limit
    replayed = post(admin.client, query)
    fresh = tuned(max_response_bytes=limit).http.post(
        "/graphql", json={"query": query}, headers={"Authorization": f"Bearer {admin.client.token}"}
    )
    assert replayed.content == fresh.content
    assert replayed.json()["errors"][0]["extensions"]["code"] == "RESPONSE_TOO_LARGE"


def test_a_refused_token_no_longer_has_an_answer_read_beside_it(gateway, reps, counted):
    _, made = reps
    maria = made["maria"]
    assert all(post(maria, LIST).status_code == 200 for _ in range(3))  # the last read beside her token
    who = maria.run("{ viewer { user { id } } }")["viewer"]["user"]["id"]
    admin = gateway.client("root", "admin")
    admin.run(
        "mutation($i: DeactivateUserInput!) { deactivateUser(input: $i) { errors { code } } }", {"i": {"userId": who}}
    )
    with statements(gateway, "opportunities") as sent:
        assert [post(maria, LIST).status_code for _ in range(5)] == [401] * 5
    assert len(sent) <= 1, "a refused token kept making the store build answers"


def test_a_query_sent_as_a_get_is_replayed_too_and_never_answers_a_post(gateway, tuned, reps, counted):
    admin, made = reps
    first = replayed(get, admin.client, LIST, counted)
    assert post(admin.client, LIST).content == first.content
    assert counted.runs == 2, "a POST of the same query was answered from the GET's replay"

    # each viewer by their own rights, as the resolvers answer them
    resolvers = tuned(compiled_reads=False)
    maria = made["maria"]
    answers = [get(maria, LIST) for _ in range(3)]
    plain = resolvers.http.get("/graphql", params={"query": LIST}, headers={"Authorization": f"Bearer {maria.token}"})
    assert all(a.json() == plain.json() for a in answers)
    assert [e["node"]["title"] for e in plain.json()["data"]["opportunities"]["edges"]] == ["Chairs for maria"]


def test_a_mutation_sent_as_a_get_is_refused_however_often_it_comes(gateway, reps, counted):
    admin, _ = reps
    mutation = 'mutation { createLead(input: {title: "Sent as a GET"}) { lead { id } } }'
    answers = [get(admin.client, mutation) for _ in range(3)]
    assert [a.status_code for a in answers] == [400, 400, 400]

    def titles() -> list[str]:
        found = admin.client.run("{ leads(first: 50) { edges { node { title } } } }")["leads"]["edges"]
        return [e["node"]["title"] for e in found]

    assert "Sent as a GET" not in titles()
    admin.client.run(mutation)  # the same mutation as a POST is valid, and runs
    assert titles().count("Sent as a GET") == 1
