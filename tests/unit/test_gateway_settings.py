"""Gateway settings come from flags, else SALESFLOW_* variables, else defaults; CORS is opt-in."""

import pytest
from starlette.testclient import TestClient

from salesflow.adapters.sql import install
from salesflow.adapters.sql.migrate import head_revision
from salesflow.gateway.app import create_app
from salesflow.gateway.auth import bearer
from salesflow.gateway.settings import SettingError, Settings


def test_environment_variables_set_what_flags_do_not():
    env = {
        "SALESFLOW_PORT": "9001",
        "SALESFLOW_CORS_ORIGINS": "https://app.example, https://b.example",
        "SALESFLOW_INTROSPECTION": "false",
        "SALESFLOW_DATABASE_URL": "sqlite:///x.db",
    }
    s = Settings.from_env(env, port=9100, host=None)
    assert s.port == 9100 and s.host == "127.0.0.1" and s.introspection is False
    assert s.cors_origins == ("https://app.example", "https://b.example") and s.database_url == "sqlite:///x.db"
    assert Settings.from_env(s.to_env()) == s


def test_the_request_limits_come_from_flags_or_their_environment_variables():
    env = {"SALESFLOW_MAX_COST": "1234", "SALESFLOW_QUERY_TIMEOUT": "2.5", "SALESFLOW_MAX_BODY_BYTES": "65536"}
    s = Settings.from_env(env, max_cost=999)
    assert (s.max_cost, s.query_timeout, s.max_body_bytes) == (999, 2.5, 65536)
    defaults = Settings.from_env({})
    assert (defaults.max_cost, defaults.query_timeout, defaults.max_body_bytes) == (200_000, 10.0, 2 * 1024 * 1024)


def test_only_bearer_authorization_counts():
    assert bearer("Bearer abc") == "abc" and bearer("bearer  abc ") == "abc"
    assert bearer("Basic abc") is None and bearer("") is None and bearer(None) is None and bearer("Bearer ") is None


def test_cors_answers_configured_origins_only(tmp_path):
    url = f"sqlite:///{tmp_path / 'cors.db'}"
    install(url).dispose()
    app = create_app(Settings(database_url=url, cors_origins=("https://app.example",)))
    with TestClient(app) as http:
        ok = http.options(
            "/graphql",
            headers={
                "Origin": "https://app.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
        assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == "https://app.example"
        other = http.options(
            "/graphql", headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"}
        )
        assert "access-control-allow-origin" not in other.headers


def test_a_page_on_a_cors_origin_can_read_why_its_request_was_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'cors401.db'}"
    install(url).dispose()
    app = create_app(Settings(database_url=url, cors_origins=("https://app.example",)))
    with TestClient(app) as http:
        refused = http.post(
            "/graphql",
            json={"query": "{ viewer { role } }"},
            headers={"Origin": "https://app.example", "Authorization": "Bearer expired"},
        )
    assert refused.status_code == 401 and refused.headers["access-control-allow-origin"] == "https://app.example"
    assert "www-authenticate" in refused.headers["access-control-expose-headers"].lower()
    assert 'error="invalid_token"' in refused.headers["www-authenticate"]
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_health_and_readiness(tmp_path):
    url = f"sqlite:///{tmp_path / 'ready.db'}"
    install(url).dispose()
    with TestClient(create_app(Settings(database_url=url))) as http:
        assert http.get("/healthz").json() == {"status": "ok"}
        ready = http.get("/readyz")
        assert ready.status_code == 200 and ready.json()["migration"] == head_revision()
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    with TestClient(create_app(Settings(database_url=empty))) as http:
        assert http.get("/readyz").status_code == 503


def _viewer_typo(introspection: bool, tmp_path) -> tuple[dict, dict]:
    import sys

    sys.path.insert(0, str(__import__("pathlib").Path(__file__).resolve().parents[1]))
    from gql import Gateway

    url = f"sqlite:///{tmp_path / f'intro-{introspection}.db'}"
    install(url).dispose()
    gw = Gateway(url, introspection=introspection)
    try:
        client = gw.client()
        return client.post("{ viewr { role } }"), client.post("{ __schema { types { name } } }")
    finally:
        gw.close()


def test_with_introspection_off_there_is_no_schema_and_no_field_suggestions(tmp_path):
    typo, schema = _viewer_typo(False, tmp_path)
    assert "Did you mean" not in typo["errors"][0]["message"]
    assert schema.get("data") is None and schema["errors"]


def test_with_introspection_on_a_typo_gets_a_suggestion(tmp_path):
    typo, schema = _viewer_typo(True, tmp_path)
    assert "Did you mean" in typo["errors"][0]["message"]
    assert schema["data"]["__schema"]["types"]


def test_cors_settings_are_normalised_once_from_flags_and_environment_alike():
    env = {"SALESFLOW_CORS_ORIGINS": "http://localhost:5173/", "SALESFLOW_CORS_HEADERS": "X-Tenant-Id"}
    from_env = Settings.from_env(env)
    assert from_env.cors_origins == ("http://localhost:5173",) and from_env.cors_headers == ("x-tenant-id",)
    from_flags = Settings.from_env({}, cors_origins="http://localhost:5173/", cors_headers="X-Tenant-Id")
    assert from_flags == from_env == Settings.from_env(from_env.to_env())


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SALESFLOW_CORS_ORIGINS": "localhost:5173"}, "--cors-origins / SALESFLOW_CORS_ORIGINS: 'localhost:5173'"),
        ({"SALESFLOW_CORS_HEADERS": "x tenant"}, "--cors-headers / SALESFLOW_CORS_HEADERS: 'x tenant'"),
        ({"SALESFLOW_PORT": "eighty"}, "SALESFLOW_PORT: 'eighty' is not a whole number"),
    ],
)
def test_a_setting_that_cannot_be_used_is_refused_in_one_line_naming_it(env, named):
    with pytest.raises(SettingError) as refused:
        Settings.from_env(env)
    assert str(refused.value).startswith(named) and "\n" not in str(refused.value)
