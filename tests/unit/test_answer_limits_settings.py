"""The answer-size budget and the operations a WebSocket may run at once come from flags, else their
SALESFLOW_* variables, else defaults (16 MiB, 10), and reach the schema and the WebSocket handler."""

import subprocess
import sys

from salesflow.adapters.sql import install
from salesflow.gateway.app import create_app
from salesflow.gateway.settings import Settings


def test_the_answer_limits_come_from_flags_or_their_environment_variables():
    env = {
        "SALESFLOW_MAX_RESPONSE_BYTES": "65536",
        "SALESFLOW_MAX_SUBSCRIPTIONS_PER_SOCKET": "4",
        "SALESFLOW_MAX_SUBSCRIPTIONS_PER_USER": "12",
    }
    s = Settings.from_env(env, max_subscriptions_per_socket=3)
    assert (s.max_response_bytes, s.max_subscriptions_per_socket, s.max_subscriptions_per_user) == (65536, 3, 12)
    defaults = Settings.from_env({})
    limits = (defaults.max_response_bytes, defaults.max_subscriptions_per_socket, defaults.max_subscriptions_per_user)
    assert limits == (16 * 1024 * 1024, 10, 30)
    assert Settings.from_env(s.to_env()) == s


def test_the_app_builds_its_schema_and_sockets_with_those_limits(tmp_path):
    url = f"sqlite:///{tmp_path / 'sf.db'}"
    install(url).dispose()
    app = create_app(Settings(database_url=url, max_response_bytes=4096, max_subscriptions_per_socket=2))
    assert app.state.schema.max_response_bytes == 4096
    view = next(route.endpoint for route in app.routes if getattr(route, "path", None) == "/graphql")
    assert view.max_subscriptions_per_connection == 2 and view.max_operations_per_user == 30
    unlimited = create_app(Settings(database_url=url, max_response_bytes=0, max_subscriptions_per_socket=0))
    assert unlimited.state.schema.max_response_bytes is None


def test_serve_help_names_the_flags():
    shown = subprocess.run(
        [sys.executable, "-m", "salesflow.gateway.cli", "serve", "--help"], capture_output=True, text=True
    ).stdout
    assert "--max-response-bytes" in shown and "SALESFLOW_MAX_RESPONSE_BYTES" in shown
    assert "--max-subscriptions-per-socket" in shown and "SALESFLOW_MAX_SUBSCRIPTIONS_PER_SOCKET" in shown
    assert "--max-subscriptions-per-user" in shown and "SALESFLOW_MAX_SUBSCRIPTIONS_PER_USER" in shown
