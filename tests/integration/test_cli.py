"""The operator's commands, run in-process as `salesflow …` would run them."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from support import needs_poppler, sent_quotes

from salesflow.adapters.sql import create_engine
from salesflow.gateway.cli import main


def test_demo_prints_the_seed_story_on_a_fresh_temporary_database(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["demo"]) == 0
    out = capsys.readouterr().out
    assert "converted" in out and "superseded" in out
    assert "INV/" in out and " paid " in out
    story = [line for line in out.splitlines() if not line.startswith("wrote ")]
    assert story[-1].endswith("EUR") and "invoices add up to the order" in story[-1]


@needs_poppler
def test_demo_writes_the_proforma_and_both_invoices_as_pdfs_in_english_and_persian(capsys, tmp_path):
    out_dir = tmp_path / "docs"
    assert main(["demo", "--documents", str(out_dir)]) == 0
    written = sorted(p.name for p in out_dir.iterdir())
    numbers = [
        line.split()[1].replace("/", "-")
        for line in capsys.readouterr().out.splitlines()
        if line.startswith("invoice ")
    ]
    assert len(numbers) == 2 and len(written) == 6
    for number in numbers:
        assert {f"{number}.en.pdf", f"{number}.fa-IR.pdf"} <= set(written)
    for name in written:
        assert (out_dir / name).read_bytes().startswith(b"%PDF-")
    persian = subprocess.run(
        ["pdftotext", str(out_dir / f"{numbers[0]}.fa-IR.pdf"), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "صورتحساب" in persian and "Parsian Trading Ltd" in persian


def test_a_second_demo_on_the_same_database_is_refused_cleanly(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    assert main(["demo", "--database-url", url, "--documents", ""]) == 0
    capsys.readouterr()
    assert main(["demo", "--database-url", url, "--documents", ""]) == 1
    err = capsys.readouterr().err
    assert err.startswith("salesflow: DUPLICATE (accountId):") and "Traceback" not in err


@pytest.mark.parametrize("url", ["mysql://app:secret@db.example/sales", "nosuchdb://somewhere"])
def test_an_unsupported_database_url_is_one_line_naming_the_supported_schemes(url, capsys):
    assert main(["migrate", "--database-url", url]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err and "secret" not in err
    assert err.startswith(f"salesflow: {url.split(':')[0]}:// databases are not supported")
    assert "sqlite://" in err and "postgresql://" in err


def test_a_database_that_cannot_be_reached_is_reported_without_a_traceback(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'no-such-folder' / 'x.db'}"
    assert main(["migrate", "--database-url", url]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"salesflow: cannot use the database at {tmp_path / 'no-such-folder' / 'x.db'}")
    assert "Traceback" not in err


def test_migrate_reads_the_database_url_from_the_environment(tmp_path, monkeypatch, capsys):
    target = tmp_path / "from-env.db"
    monkeypatch.setenv("SALESFLOW_DATABASE_URL", f"sqlite:///{target}")
    assert main(["migrate"]) == 0
    assert target.exists() and str(target) in capsys.readouterr().out


def test_diagrams_are_written_where_asked_and_nowhere_else(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- lifecycle:start -->\nold\n<!-- lifecycle:end -->\n", encoding="utf-8")
    out = tmp_path / "out" / "lifecycle.md"
    assert main(["diagrams", "--output", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.count("```mermaid") == 5 and "stateDiagram-v2" in text
    assert readme.read_text(encoding="utf-8").endswith("\nold\n<!-- lifecycle:end -->\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["README.md", "out"]


def test_diagrams_refresh_the_readme_named_and_refuse_one_without_markers(tmp_path, capsys):
    readme = tmp_path / "README.md"
    readme.write_text("intro\n<!-- lifecycle:start -->\nold\n<!-- lifecycle:end -->\ntail\n", encoding="utf-8")
    assert main(["diagrams", "--output", str(tmp_path / "l.md"), "--readme", str(readme)]) == 0
    refreshed = readme.read_text(encoding="utf-8")
    assert refreshed.startswith("intro\n") and refreshed.endswith("tail\n") and refreshed.count("```mermaid") == 5
    plain = tmp_path / "PLAIN.md"
    plain.write_text("no markers\n", encoding="utf-8")
    assert main(["diagrams", "--output", str(tmp_path / "l.md"), "--readme", str(plain)]) == 1
    assert (
        plain.read_text(encoding="utf-8") == "no markers\n" and "no <!-- lifecycle:start -->" in capsys.readouterr().err
    )


@pytest.mark.parametrize(
    "command",
    [["token", "create", "--user", "maria", "--role", "admin"], ["sync", "--once"], ["expire-quotes"]],
    ids=["token", "sync", "expire-quotes"],
)
def test_commands_refuse_a_database_that_was_never_created_and_say_where_they_looked(
    command, tmp_path, monkeypatch, capsys
):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("SALESFLOW_DATABASE_URL", raising=False)
    assert main(command) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"salesflow: no salesflow database at {tmp_path / 'salesflow.db'} (SQLite).")
    assert "salesflow migrate --database-url" in err and "SALESFLOW_DATABASE_URL" in err
    assert list(tmp_path.iterdir()) == []  # nothing was created


def test_a_postgresql_database_that_was_never_migrated_is_refused_without_its_password(capsys):
    base = os.environ.get("SALESFLOW_TEST_POSTGRES_URL")
    if not base:
        pytest.skip("SALESFLOW_TEST_POSTGRES_URL is not set")
    name = f"salesflow_empty_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(base).set(database=name, password="hunter2").render_as_string(hide_password=False)
        assert main(["token", "create", "--user", "maria", "--role", "admin", "--database-url", url]) == 2
        err = capsys.readouterr().err
        assert f"no salesflow database at {make_url(url).render_as_string(hide_password=True)}" in err
        assert "hunter2" not in err
        with create_engine(url.replace(":hunter2", "")).connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")).scalar() == 0
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_expire_quotes_expires_the_lapsed_ones_and_says_how_many(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'quotes.db'}"
    assert main(["migrate", "--database-url", url]) == 0
    sent = sent_quotes(url, (5, 10, 60))
    capsys.readouterr()
    assert main(["expire-quotes", "--database-url", url]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "2 lapsed quotes expired"
    assert sorted(line.split()[0] for line in out[1:]) == sorted(q.display_number for q in sent[:2])
    assert main(["expire-quotes", "--database-url", url]) == 0
    assert capsys.readouterr().out.strip() == "0 lapsed quotes expired"


def test_token_create_prints_a_token_once_and_stores_only_its_hash(tmp_path, capsys):
    from sqlalchemy import create_engine as sa_engine

    url = f"sqlite:///{tmp_path / 'tokens.db'}"
    assert main(["migrate", "--database-url", url]) == 0
    capsys.readouterr()
    assert main(["token", "create", "--user", "maria", "--role", "sales_rep", "--database-url", url]) == 0
    token = capsys.readouterr().out.strip()
    assert token.startswith("sf_") and len(token) > 40
    with sa_engine(url).connect() as conn:
        stored = conn.execute(text("SELECT token_hash FROM api_tokens")).scalars().all()
        role = conn.execute(text("SELECT role FROM users WHERE name = 'maria'")).scalar_one()
    assert role == "sales_rep" and len(stored) == 1 and token not in stored[0] and len(stored[0]) == 64


def test_a_listing_piped_into_a_reader_that_stops_early_ends_quietly(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'piped.db'}"
    assert main(["migrate", "--database-url", url]) == 0
    assert main(["token", "create", "--user", "maria", "--role", "sales_rep", "--database-url", url]) == 0
    capsys.readouterr()
    # `salesflow user list | grep -q maria`: the reader has gone before the listing is written
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    child = subprocess.Popen(
        [sys.executable, "-m", "salesflow.gateway.cli", "user", "list", "--json", "--database-url", url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    child.stdout.close()
    err = child.stderr.read().decode()
    assert child.wait(timeout=60) == 141
    assert "Traceback" not in err and err == ""


def test_token_create_refuses_an_unknown_role_or_a_changed_role(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'tokens.db'}"
    assert main(["migrate", "--database-url", url]) == 0
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


def _users(url: str) -> dict[str, tuple[str, bool]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT name, role, active FROM users")).all()
    finally:
        engine.dispose()
    return {name: (role, bool(active)) for name, role, active in rows}


def test_serve_makes_an_admin_when_the_users_made_before_it_are_none(database_url, capsys):
    import io

    from salesflow.gateway.server import prepare
    from salesflow.gateway.settings import Settings

    assert main(["token", "create", "--user", "maria", "--role", "sales_manager", "--database-url", database_url]) == 0
    capsys.readouterr()
    settings = Settings(database_url=database_url)
    first, second = io.StringIO(), io.StringIO()
    token = prepare(settings, out=first)
    assert token and token in first.getvalue() and "No active admin among the 1 user here" in first.getvalue()
    assert _users(database_url) == {"maria": ("sales_manager", True), "admin": ("admin", True)}
    assert prepare(settings, out=second) is None and second.getvalue() == ""
    assert len(_users(database_url)) == 2


def test_the_admin_serve_makes_takes_another_name_when_admin_is_a_user_of_another_role(database_url, capsys):
    import io

    from salesflow.gateway.server import prepare
    from salesflow.gateway.settings import Settings

    assert main(["token", "create", "--user", "admin", "--role", "sales_rep", "--database-url", database_url]) == 0
    capsys.readouterr()
    out = io.StringIO()
    assert prepare(Settings(database_url=database_url), out=out)
    assert "created user 'admin-2'" in out.getvalue()
    assert _users(database_url) == {"admin": ("sales_rep", True), "admin-2": ("admin", True)}


def test_two_serves_starting_at_once_make_one_admin(database_url):
    from concurrent.futures import ThreadPoolExecutor
    from threading import Barrier

    from salesflow.gateway.server import admin_if_none

    engine, both = create_engine(database_url), Barrier(2)

    def start(_):
        both.wait()
        return admin_if_none(engine)

    try:
        with ThreadPoolExecutor(2) as pool:
            made = [m for m in pool.map(start, range(2)) if m is not None]
    finally:
        engine.dispose()
    assert len(made) == 1 and made[0].issued.user.name == "admin"
    assert _users(database_url) == {"admin": ("admin", True)}


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:", "sqlite:///file::memory:?uri=true"])
def test_an_in_memory_sqlite_database_is_refused_in_one_line(url, capsys):
    assert main(["migrate", "--database-url", url]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"salesflow: {url} is an in-memory SQLite database") and "sqlite:///salesflow.db" in err


def test_sync_once_delivers_to_the_local_backend_and_unknown_backends_are_refused(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'sync.db'}"
    assert main(["migrate", "--database-url", url]) == 0
    capsys.readouterr()
    assert main(["sync", "--once", "--database-url", url]) == 0
    assert "local: 0 delivered" in capsys.readouterr().out
    assert main(["sync", "--once", "--accounting", "nosuch", "--database-url", url]) == 1
    assert "unknown accounting backend 'nosuch'" in capsys.readouterr().err


def test_sync_check_on_a_beancount_ledger_leaves_its_folder_as_it_was(tmp_path, capsys, monkeypatch):
    pytest.importorskip("beancount", reason="the beancount extra is not installed")
    books = tmp_path / "books"
    books.mkdir()
    ledger_file = books / "ledger.beancount"
    ledger_file.write_text('option "operating_currency" "EUR"\n2020-01-01 open Assets:Bank\n')
    monkeypatch.setenv("SALESFLOW_BEANCOUNT_LEDGER", str(ledger_file))

    def listing():
        return {p.relative_to(books).as_posix(): (p.stat().st_mtime_ns, p.stat().st_size) for p in books.rglob("*")}

    before = listing()
    nowhere = tmp_path / "never.db"
    assert main(["sync", "--check", "--accounting", "beancount", "--database-url", f"sqlite:///{nowhere}"]) == 0
    assert "beancount: ok ledger.beancount passed a full check" in capsys.readouterr().out
    assert listing() == before and not nowhere.exists()


def test_sync_check_asks_each_backend_and_retry_dead_requeues_after_a_long_outage(tmp_path, capsys, monkeypatch):
    from salesflow.adapters.webhook.receiver import Receiver

    url = f"sqlite:///{tmp_path / 'sync.db'}"
    assert main(["demo", "--database-url", url, "--documents", ""]) == 0  # the seed story issues two invoices
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
