"""What a browser page on another origin may do, and what `serve` refuses to start with, over a real
`salesflow serve`: the CORS preflight answers as browsers require it, for the origins and request
headers the settings name (written as an operator would write them); settings that cannot work stop
the start with one line, before anything is printed."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from websockets.sync.client import connect as ws_connect

SPA = "http://localhost:5173"
TOKEN = re.compile(r"sf_[A-Za-z0-9_-]+")
#: What Apollo Client 4 sends with clientAwareness, plus the W3C and Sentry tracing headers.
APOLLO_AND_TRACING = (
    "authorization,content-type,apollographql-client-name,apollographql-client-version,"
    "traceparent,tracestate,baggage,sentry-trace"
)


@pytest.fixture(scope="module")
def spa_server(serve_with):
    """Origins as copied from an address bar (a trailing slash), one extra header from the environment."""
    with serve_with(
        args=("--cors-origins", f"{SPA}/,https://App.Example:443"),
        env={"SALESFLOW_CORS_HEADERS": "X-Tenant-Id"},
    ) as srv:
        yield srv


def preflight(server, origin: str, headers: str):
    return server.http.options(
        "/graphql",
        headers={"Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": headers},
    )


def test_a_page_on_an_origin_written_with_a_trailing_slash_passes_the_preflight(spa_server):
    answer = preflight(spa_server, SPA, "authorization,content-type")
    assert answer.status_code == 200 and answer.headers["access-control-allow-origin"] == SPA
    other = preflight(spa_server, "https://app.example", "authorization,content-type")
    assert other.status_code == 200 and other.headers["access-control-allow-origin"] == "https://app.example"


def test_a_page_on_that_origin_may_open_a_websocket_too(spa_server):
    with ws_connect(
        spa_server.ws_url, subprotocols=["graphql-transport-ws"], additional_headers={"Origin": SPA}, proxy=None
    ) as ws:
        ws.send(
            json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {spa_server.admin_token}"}})
        )
        assert json.loads(ws.recv(timeout=10)) == {"type": "connection_ack"}


def test_apollo_client_awareness_and_tracing_headers_pass_the_preflight_and_the_request(spa_server):
    answer = preflight(spa_server, SPA, APOLLO_AND_TRACING)
    assert answer.status_code == 200, answer.text
    allowed = {h.strip().lower() for h in answer.headers["access-control-allow-headers"].split(",")}
    assert set(APOLLO_AND_TRACING.split(",")) <= allowed
    sent = spa_server.http.post(
        "/graphql",
        json={"query": "{ viewer { role } }"},
        headers={
            "Origin": SPA,
            "Authorization": f"Bearer {spa_server.admin_token}",
            "apollographql-client-name": "sales-web",
            "apollographql-client-version": "1.4.2",
        },
    )
    assert sent.json() == {"data": {"viewer": {"role": "admin"}}, "extensions": sent.json()["extensions"]}
    assert sent.headers["access-control-allow-origin"] == SPA


def test_a_request_header_the_operator_added_passes_the_preflight_and_others_do_not(spa_server):
    assert preflight(spa_server, SPA, "authorization,x-tenant-id").status_code == 200
    refused = preflight(spa_server, SPA, "authorization,x-not-allowed")
    assert refused.status_code == 400 and "x-not-allowed" not in refused.headers["access-control-allow-headers"]


def test_a_page_on_an_origin_not_listed_gets_no_cors_answer(spa_server):
    answer = preflight(spa_server, "http://localhost:5174", "authorization")
    assert "access-control-allow-origin" not in answer.headers


# --- settings that stop the start -----------------------------------------------------------------


def serve(cli, directory, *args: str) -> subprocess.CompletedProcess:
    command, env = cli
    return subprocess.run(
        [*command, "serve", "--port", "0", *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env=env,
        cwd=directory,
    )


@pytest.mark.parametrize(
    ("origins", "why"),
    [
        ("localhost:5173", "'localhost:5173' is not an origin: give its scheme, e.g. http://localhost:5173"),
        ("http://localhost:5173/app", "without a path"),
        ("*,http://localhost:5173", "'*' already allows every origin"),
    ],
)
def test_serve_refuses_cors_origins_that_are_not_origins_in_one_line(cli, tmp_path, origins, why):
    url = f"sqlite:///{tmp_path / 'salesflow.db'}"
    done = serve(cli, tmp_path, "--database-url", url, "--cors-origins", origins)
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("salesflow: --cors-origins / SALESFLOW_CORS_ORIGINS: ") and why in done.stderr
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert not (tmp_path / "salesflow.db").exists()  # refused before the database was touched


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_serve_refuses_an_in_memory_database_before_printing_a_token(cli, tmp_path, url):
    done = serve(cli, tmp_path, "--database-url", url)
    assert done.returncode == 2 and done.stdout == "" and not TOKEN.search(done.stderr)
    assert (
        done.stderr.startswith(f"salesflow: {url} is an in-memory SQLite database") and "Traceback" not in done.stderr
    )


# --- the admin serve makes ----------------------------------------------------------------------------


def test_serve_makes_an_admin_when_migrate_and_token_create_made_only_other_users(
    backend, empty_database, cli, tmp_path, serve_on
):
    command, env = cli
    for step in (["migrate"], ["token", "create", "--user", "maria", "--role", "sales_rep"]):
        done = subprocess.run(
            [*command, *step, "--database-url", empty_database], capture_output=True, text=True, env=env, timeout=60
        )
        assert done.returncode == 0, done.stderr
    with serve_on(empty_database, tmp_path) as server:
        assert "No active admin among the 1 user here" in server.stdout_path.read_text()
        assert server.admin().run("{ viewer { user { name } role } }")["viewer"] == {
            "user": {"name": "admin"},
            "role": "admin",
        }
