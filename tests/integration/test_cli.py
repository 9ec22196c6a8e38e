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
