"""The operator's commands, run in-process as `salesflow …` would run them."""
from __future__ import annotations

from salesflow.gateway.cli import main


def test_demo_prints_the_seed_story_on_a_fresh_temporary_database(capsys):
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "converted" in out and "superseded" in out
    assert "INV/" in out and " paid " in out
    assert out.strip().endswith("EUR") and "invoices add up to the order" in out


def test_a_second_demo_on_the_same_database_is_refused_cleanly(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert main(["demo", "--database-url", url]) == 0
    capsys.readouterr()
    assert main(["demo", "--database-url", url]) == 1
    err = capsys.readouterr().err
    assert err.startswith("salesflow: DUPLICATE (accountId):") and "Traceback" not in err


def test_a_database_url_that_cannot_be_used_is_reported_without_a_traceback(capsys):
    assert main(["migrate", "--database-url", "nosuchdb://somewhere"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("salesflow: cannot use the database:") and "Traceback" not in err


def test_migrate_reads_the_database_url_from_the_environment(tmp_path, monkeypatch, capsys):
    target = tmp_path / "from-env.db"
    monkeypatch.setenv("SALESFLOW_DATABASE_URL", f"sqlite:///{target}")
    assert main(["migrate"]) == 0
    assert target.exists() and str(target) in capsys.readouterr().out


def test_diagrams_are_written_where_asked(tmp_path, capsys):
    out = tmp_path / "lifecycle.md"
    assert main(["diagrams", "--output", str(out), "--readme", str(tmp_path / "none.md")]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.count("```mermaid") == 5 and "stateDiagram-v2" in text


def test_token_create_prints_a_token_once_and_stores_only_its_hash(tmp_path, capsys):
    from sqlalchemy import create_engine as sa_engine
    from sqlalchemy import text
    url = f"sqlite:///{tmp_path / 'tokens.db'}"
    assert main(["token", "create", "--user", "maria", "--role", "sales_rep", "--database-url", url]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("sf_") and len(token) > 40
    with sa_engine(url).connect() as conn:
        stored = conn.execute(text("SELECT token_hash FROM api_tokens")).scalars().all()
        role = conn.execute(text("SELECT role FROM users WHERE name = 'maria'")).scalar_one()
    assert role == "sales_rep" and len(stored) == 1 and token not in stored[0] and len(stored[0]) == 64


def test_token_create_refuses_an_unknown_role_or_a_changed_role(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'tokens.db'}"
    assert main(["token", "create", "--user", "maria", "--role", "wizard", "--database-url", url]) == 1
    assert "VALIDATION (role)" in capsys.readouterr().err
    assert main(["token", "create", "--user", "maria", "--role", "sales_rep", "--database-url", url]) == 0
    assert main(["token", "create", "--user", "maria", "--role", "admin", "--database-url", url]) == 1
    assert "CONFLICT (role)" in capsys.readouterr().err


def test_schema_writes_the_sdl(tmp_path, capsys):
    out = tmp_path / "schema.graphql"
    assert main(["schema", "--output", str(out)]) == 0
    assert "type Query" in out.read_text(encoding="utf-8")


def test_first_start_makes_one_admin_and_prints_its_token_once(tmp_path):
    import io

    from salesflow.gateway.server import prepare
    from salesflow.gateway.settings import Settings
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'first.db'}")
    first, second = io.StringIO(), io.StringIO()
    token = prepare(settings, out=first)
    assert token and token in first.getvalue()
    assert prepare(settings, out=second) is None and second.getvalue() == ""


def test_sync_once_delivers_to_the_local_backend_and_unknown_backends_are_refused(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'sync.db'}"
    assert main(["sync", "--once", "--database-url", url]) == 0
    assert "local: 0 delivered" in capsys.readouterr().out
    assert main(["sync", "--once", "--accounting", "nosuch", "--database-url", url]) == 1
    assert "unknown accounting backend 'nosuch'" in capsys.readouterr().err


def test_sync_check_asks_each_backend_and_retry_dead_requeues_after_a_long_outage(tmp_path, capsys, monkeypatch):
    from salesflow.adapters.webhook.receiver import Receiver
    url = f"sqlite:///{tmp_path / 'sync.db'}"
    assert main(["demo", "--database-url", url]) == 0  # the seed story issues two invoices
    secret = "cli-webhook-secret-0001"
    with Receiver(secret) as receiver:
        monkeypatch.setenv("SALESFLOW_WEBHOOK_URL", receiver.url)
        monkeypatch.setenv("SALESFLOW_WEBHOOK_SECRET", secret)
        monkeypatch.setenv("SALESFLOW_SYNC_MAX_ATTEMPTS", "1")
        capsys.readouterr()
        receiver.down()
        assert main(["sync", "--check", "--accounting", "local,webhook", "--database-url", url]) == 3
        out = capsys.readouterr().out
        assert "local: ok" in out and "webhook: NOT OK webhook unreachable" in out
        nowhere = tmp_path / "never.db"
        assert main(["sync", "--check", "--accounting", "local", "--database-url", f"sqlite:///{nowhere}"]) == 0
        assert not nowhere.exists()  # asking the backends touches no database
        capsys.readouterr()
        assert main(["sync", "--once", "--accounting", "webhook", "--database-url", url]) == 0
        assert capsys.readouterr().out.strip() == "webhook: 0 delivered, 2 dead"
        receiver.up()
        assert main(["sync", "--check", "--accounting", "webhook", "--database-url", url]) == 0
        assert main(["sync", "--once", "--retry-dead", "--accounting", "webhook", "--database-url", url]) == 0
        out = capsys.readouterr().out
        assert "webhook: 2 dead jobs queued again" in out and "webhook: 2 delivered" in out
        assert len(receiver.processed) == 2
