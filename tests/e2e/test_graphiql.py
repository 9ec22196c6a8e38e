"""The GraphiQL IDE at /graphql works with no internet: headless Chromium, with every request to any
other host than the test server aborted and recorded, opens the page, pastes a bearer token into the
headers editor, runs a query and a subscription and sees their results.

The browser is Debian's Chromium, driven by playwright-core from tests/js (graphiql.mjs does the
clicking and reports what happened as JSON). Without Chromium or Node.js the tests skip on a
developer's machine and fail under CI (the `CI` environment variable set).
"""

from __future__ import annotations

import json
import threading

import jsclients
import pytest

from salesflow.gateway import ide

VIEWER = """{
  viewer {
    user { name }
    role
  }
}"""
LEAD_EVENTS = "subscription { documentEvents(types: [LEAD]) { documentType trigger toState actor { name } } }"
CREATE_LEAD = "mutation($i: CreateLeadInput!) { createLead(input: $i) { lead { id } errors { code message } } }"


@pytest.fixture(scope="module")
def browser():
    """Runs tests/js/graphiql.mjs on a task and returns its report (see that file)."""
    return jsclients.driver("graphiql.mjs")


def token_headers(token: str) -> str:
    return json.dumps({"Authorization": f"Bearer {token}"}, indent=2)


def assert_only_the_server_was_asked(report: dict, server) -> None:
    assert report["outside"] == [], f"the page tried to reach outside the server: {report['outside']}"
    assert all(r.split(" ", 1)[1].startswith(server.url + "/") for r in report["requests"]), report["requests"]
    assert report["cspViolations"] == [], report["cspViolations"]
    assert report["pageErrors"] == [], report["pageErrors"]


def test_graphiql_runs_a_query_with_a_bearer_token_without_reaching_outside_the_server(browser, server, tmp_path):
    screenshot = tmp_path / "graphiql.png"
    report = browser(
        url=f"{server.url}/graphql",
        headers=token_headers(server.admin_token),
        query=VIEWER,
        expect='"role": "admin"',
        screenshot=str(screenshot),
    )

    assert report["error"] is None, report
    assert_only_the_server_was_asked(report, server)
    assert report["headersEditorVisible"], "the headers editor is not open on the page"
    answer = json.loads(report["response"])
    assert answer["data"] == {"viewer": {"user": {"name": "admin"}, "role": "admin"}} and "errors" not in answer
    # the page itself and its two hashed files came from this server
    assert {f"GET {server.url}/graphiql/{name}" for name in ide.manifest()["assets"]} <= set(report["requests"])
    # the schema was refused before the token was pasted and loaded once it was (completion, docs)
    assert report["introspections"][0] == 401 and report["introspections"][-1] == 200, report["introspections"]
    assert screenshot.read_bytes().startswith(b"\x89PNG"), "no screenshot"


def test_a_subscription_run_in_graphiql_receives_a_committed_transition_over_its_websocket(
    browser, server, admin, tmp_path
):
    stop = threading.Event()

    def keep_creating_leads():  # until the subscription (which has no acknowledgement) has seen one
        while not stop.wait(0.5):
            admin.mutate("createLead", CREATE_LEAD, {"i": {"title": "Seen in GraphiQL"}})

    creator = threading.Thread(target=keep_creating_leads)
    creator.start()
    try:
        report = browser(
            url=f"{server.url}/graphql",
            headers=token_headers(server.admin_token),
            query=LEAD_EVENTS,
            expect='"documentEvents"',
            screenshot=str(tmp_path / "subscription.png"),
        )
    finally:
        stop.set()
        creator.join()

    assert report["error"] is None, report
    assert_only_the_server_was_asked(report, server)
    assert report["websockets"] == [server.ws_url], report["websockets"]
    assert json.loads(report["response"])["data"] == {
        "documentEvents": {"documentType": "LEAD", "trigger": "create", "toState": "new", "actor": {"name": "admin"}}
    }


def test_the_browser_guard_aborts_and_records_a_request_to_another_host(browser, server):
    """The net the tests above rely on: a request to another host is caught, not let through."""
    elsewhere = "http://cdn.invalid/graphiql.min.js"
    report = browser(
        url=f"{server.url}/graphql",
        headers=token_headers(server.admin_token),
        query=VIEWER,
        expect='"role": "admin"',
        probe=elsewhere,
    )

    assert report["outside"] == [elsewhere]
    assert report["probe"] == "failed", report["probe"]


def test_the_websocket_sends_its_json_in_text_frames_as_browser_clients_need(server):
    """graphql-ws in a browser (GraphiQL's subscriptions) cannot read a binary frame: it gets a Blob."""
    listener = server.connect(server.admin_token)
    try:
        ack = listener.open()
        assert ack["type"] == "connection_ack"
        listener.ws.send(json.dumps({"type": "ping"}))
        frame = listener.ws.recv(timeout=10)
    finally:
        listener.close()
    assert isinstance(frame, str), f"a binary frame: {frame!r}"
    assert json.loads(frame) == {"type": "pong"}
