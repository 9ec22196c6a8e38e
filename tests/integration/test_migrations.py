"""The schema as Alembic builds it, on SQLite and PostgreSQL: from nothing to head and back, equal to
the tables module, status CHECKs generated from the lifecycles, idempotent data files, SQLite pragmas,
and the operator's `salesflow migrate`."""

from __future__ import annotations

import csv
import re
import shutil
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Column, Integer, MetaData, func, insert, inspect, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from support import BACKENDS, POSTGRES_URL

import salesflow
from salesflow.adapters.sql import SqlUnitOfWork, create_engine, install, load_data
from salesflow.adapters.sql import tables as t
from salesflow.adapters.sql.migrate import (
    alembic_config,
    current_revision,
    downgrade,
    head_revision,
    needs_upgrade,
    upgrade,
)
from salesflow.domain.parties import User
from salesflow.statemachine import LIFECYCLES

ROOT = Path(salesflow.__file__).resolve().parent
#: document type -> its table
DOCUMENT_TABLES = {
    "lead": "leads",
    "opportunity": "opportunities",
    "quote": "quotes",
    "order": "orders",
    "invoice": "invoices",
}


def csv_rows(name: str) -> list[dict]:
    with (ROOT / "data" / name).open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(params=BACKENDS)
def empty_url(request, tmp_path):
    """A database with nothing in it: no tables, no alembic_version."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = f"salesflow_e_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def empty_engine(empty_url):
    eng = create_engine(empty_url)
    yield eng
    eng.dispose()


def table_names(engine) -> set[str]:
    """The tables, but a text index's (SQLite's FTS5 tables, which tables.py does not describe)."""
    return {name for name in inspect(engine).get_table_names() if not t.is_search_index(name)}


def invoice_triggers(engine) -> set[str]:
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return set(conn.scalars(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")))
        return set(conn.scalars(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"))) | set(
            conn.scalars(text("SELECT proname FROM pg_proc WHERE proname LIKE 'salesflow_%'"))
        )


def schema_differences(engine, metadata=t.metadata) -> list:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(
            conn, opts={"compare_type": True, "compare_server_default": True, "include_name": t.described}
        )
        return compare_metadata(ctx, metadata)


# --- from nothing to head, and back ----------------------------------------------------------


def test_an_empty_database_is_migrated_to_head_by_alembic(empty_url, empty_engine):
    assert table_names(empty_engine) == set()
    assert current_revision(empty_engine) is None
    # what `alembic upgrade head` does: env.py opens its own engine from the configured URL
    command.upgrade(alembic_config(empty_url), "head")
    assert table_names(empty_engine) == set(t.metadata.tables) | {"alembic_version"}
    assert current_revision(empty_engine) == head_revision()
    assert not needs_upgrade(empty_engine)
    assert invoice_triggers(empty_engine)
    loaded = load_data(empty_engine)
    assert loaded == {
        "data/stages.csv": len(csv_rows("stages.csv")),
        "data/number_series.csv": len(csv_rows("number_series.csv")),
        "data/company.csv": 1,
    }


def test_downgrade_to_base_and_upgrade_again(engine, story):
    story.issued_invoice()  # with documents in it, and an issued (protected) invoice
    triggers = invoice_triggers(engine)
    assert triggers
    downgrade(engine, "base")
    assert table_names(engine) <= {"alembic_version"}
    assert current_revision(engine) is None
    assert invoice_triggers(engine) == set()
    upgrade(engine)
    assert table_names(engine) == set(t.metadata.tables) | {"alembic_version"}
    assert current_revision(engine) == head_revision()
    assert invoice_triggers(engine) == triggers
    assert schema_differences(engine) == []
    load_data(engine)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(t.stages)) == len(csv_rows("stages.csv"))
        assert conn.scalar(select(func.count()).select_from(t.invoices)) == 0


def test_the_migrated_schema_matches_the_tables_module(engine):
    # No type-rendering noise to filter: ScaledDecimal/UTCDateTime compare through their dialect
    # implementations (BIGINT on SQLite, NUMERIC(38, s) on PostgreSQL), which the migration created.
    assert schema_differences(engine) == []
    # The comparison is live: a column the migration does not create is reported.
    extra = MetaData(naming_convention=t.metadata.naming_convention)
    for table in t.metadata.tables.values():
        table.to_metadata(extra)
    extra.tables["stages"].append_column(Column("colour", Integer))
    diffs = schema_differences(engine, extra)
    assert [(d[0], d[2], d[3].name) for d in diffs] == [("add_column", "stages", "colour")]


# --- status CHECK constraints come from the lifecycles ---------------------------------------


def make_document(story, doc: str):
    if doc == "lead":
        return story.lead()
    if doc == "opportunity":
        return story.opportunity()
    if doc == "quote":
        return story.draft_quote()
    if doc == "order":
        return story.order()
    return story.deliver(story.order()).invoice  # a draft invoice


#: a legal move away from each document's initial state, allowed by every other constraint
OTHER_STATE = {
    "lead": "disqualified",
    "opportunity": "lost",
    "quote": "canceled",
    "order": "canceled",
    "invoice": "canceled",
}


def illegal_states(doc: str) -> list[str]:
    states = set(LIFECYCLES[doc].states)
    foreign = sorted({s for d in LIFECYCLES.values() for s in d.states} - states)
    return ["bogus", "", LIFECYCLES[doc].initial.upper(), f"{LIFECYCLES[doc].initial} ", *foreign[:2]]


def assert_status_check_rejects(engine, table: str, statement) -> None:
    with pytest.raises(IntegrityError) as err:
        with engine.begin() as conn:
            conn.execute(statement)
    assert f"ck_{table}_status" in str(err.value.orig)


@pytest.mark.parametrize("doc", list(DOCUMENT_TABLES))
def test_status_check_rejects_an_update_to_a_state_outside_the_lifecycle(engine, story, doc):
    table = DOCUMENT_TABLES[doc]
    doc_id = make_document(story, doc).id
    if doc == "invoice":  # a draft has no number yet, and any status but draft/canceled needs one
        with engine.begin() as conn:
            conn.execute(text("UPDATE invoices SET number = 'TEST/1' WHERE id = :id"), dict(id=doc_id))
    set_status = text(f"UPDATE {table} SET status = :status WHERE id = :id")
    for status in illegal_states(doc):
        assert_status_check_rejects(engine, table, set_status.bindparams(status=status, id=doc_id))
    with engine.begin() as conn:
        assert conn.execute(set_status.bindparams(status=OTHER_STATE[doc], id=doc_id)).rowcount == 1
    with engine.connect() as conn:
        assert conn.scalar(text(f"SELECT status FROM {table} WHERE id = {doc_id}")) == OTHER_STATE[doc]


@pytest.mark.parametrize("doc", list(DOCUMENT_TABLES))
def test_status_check_rejects_an_insert_with_a_state_outside_the_lifecycle(engine, story, doc):
    table = t.metadata.tables[DOCUMENT_TABLES[doc]]
    doc_id = make_document(story, doc).id
    with engine.connect() as conn:
        row = dict(conn.execute(select(table).where(table.c.id == doc_id)).mappings().one())
    del row["id"]
    if "number" in table.c:  # a copy needs its own number (and an invoice outside draft needs one)
        row["number"] = f"COPY/{uuid.uuid4().hex[:8]}"
    for status in illegal_states(doc):
        assert_status_check_rejects(engine, table.name, insert(table).values(**{**row, "status": status}))
    with engine.begin() as conn:  # the same row with a legal status goes in
        conn.execute(insert(table).values(**{**row, "status": LIFECYCLES[doc].initial}))


def check_values(engine, table: str) -> set[str]:
    checks = {c["name"]: c["sqltext"] for c in inspect(engine).get_check_constraints(table)}
    return set(re.findall(r"'([^']*)'", checks[f"ck_{table}_status"]))


@pytest.mark.parametrize("doc", list(DOCUMENT_TABLES))
def test_the_status_check_allows_exactly_the_lifecycle_states(engine, doc):
    # Alembic's autogenerate does not compare CHECK constraints, so a state added to a lifecycle
    # without a migration is only caught here.
    lifecycle = LIFECYCLES[doc]
    assert check_values(engine, DOCUMENT_TABLES[doc]) == set(lifecycle.states)
    assert set(lifecycle.machine.states) == set(lifecycle.states)


# --- data files ------------------------------------------------------------------------------


def counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {
            tbl.name: conn.scalar(select(func.count()).select_from(tbl))
            for tbl in (t.stages, t.number_series, t.company, t.external_ids)
        }


def test_loading_the_data_files_twice_changes_nothing(engine, database_url):
    first = counts(engine)
    assert first == {
        "stages": len(csv_rows("stages.csv")),
        "number_series": len(csv_rows("number_series.csv")),
        "company": 1,
        "external_ids": len(csv_rows("stages.csv")) + len(csv_rows("number_series.csv")) + 1,
    }
    assert set(load_data(engine).values()) == {0}
    install(database_url).dispose()  # the whole `salesflow migrate` again
    assert counts(engine) == first


def test_a_users_rename_of_a_stage_survives_a_reload(engine):
    with engine.begin() as conn:
        stage_id = conn.scalar(select(t.external_ids.c.res_id).where(t.external_ids.c.name == "stage_prospecting"))
        original = conn.execute(select(t.stages).where(t.stages.c.id == stage_id)).mappings().one()
        conn.execute(update(t.stages).where(t.stages.c.id == stage_id).values(name="Cold calls", sequence=5))
        conn.execute(update(t.number_series).where(t.number_series.c.code == "invoice").values(prefix="RE"))
    before = counts(engine)
    load_data(engine)
    assert counts(engine) == before
    with engine.connect() as conn:
        stage = conn.execute(select(t.stages).where(t.stages.c.id == stage_id)).mappings().one()
        names = set(conn.scalars(select(t.stages.c.name)))
        prefix = conn.scalar(select(t.number_series.c.prefix).where(t.number_series.c.code == "invoice"))
    assert original["name"] == "Prospecting"
    assert (stage["name"], stage["sequence"]) == ("Cold calls", 5)
    assert "Prospecting" not in names
    assert prefix == "RE"


# --- SQLite connections ----------------------------------------------------------------------


def test_sqlite_connections_run_with_wal_and_foreign_keys(tmp_path):
    url = f"sqlite:///{tmp_path / 'pragmas.db'}"
    install(url).dispose()
    engine = create_engine(url)
    try:
        one, two = engine.raw_connection(), engine.raw_connection()  # every pooled connection, not just one
        try:
            for conn in (one, two):
                assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
                assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        finally:
            one.close()
            two.close()
        now = datetime.now(UTC)
        with pytest.raises(IntegrityError):
            with engine.begin() as conn:
                conn.execute(
                    insert(t.contacts).values(name="x", account_id=999_999, version=1, created_at=now, updated_at=now)
                )
    finally:
        engine.dispose()


# --- the operator's command ------------------------------------------------------------------


def salesflow_command() -> list[str]:
    beside = Path(sys.executable).with_name("salesflow")
    if beside.exists():
        return [str(beside)]
    found = shutil.which("salesflow")
    return [found] if found else [sys.executable, "-m", "salesflow.gateway.cli"]


def test_salesflow_migrate_creates_a_working_database_and_can_run_again(empty_url, tmp_path):
    for _ in range(2):
        done = subprocess.run(
            [*salesflow_command(), "migrate", "--database-url", empty_url],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
    engine = create_engine(empty_url)
    try:
        assert current_revision(engine) == head_revision()
        assert counts(engine)["stages"] == len(csv_rows("stages.csv"))
        assert counts(engine)["number_series"] == len(csv_rows("number_series.csv"))
        from salesflow.statemachine import opportunity, order

        uow = SqlUnitOfWork(engine)
        now = datetime.now(UTC)
        with uow:
            actor = uow.users.add(User(name="operator", role="admin", created_at=now, updated_at=now))
            uow.commit()
        opp = opportunity.create_opportunity(uow, "First sale", currency="EUR", actor=actor)
        placed = order.create_order(
            uow, opp.id, "EUR", [dict(description="chair", quantity="2", unit_price="10")], actor=actor
        )
        assert placed.number == f"SO/{now.year}/00001"
        assert placed.total == 20
    finally:
        engine.dispose()
    assert not list(tmp_path.glob("salesflow.db")), "the default database must not be created"
