"""Records written before the keys were folded get them: the migration backfills them once, and
`salesflow reindex` recomputes them after an operator changes the phone regions."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import insert
from support import reload

from salesflow.adapters.sql import tables as t
from salesflow.adapters.sql.migrate import alembic_config, downgrade, upgrade
from salesflow.domain import normalize
from salesflow.domain.query import Filter, PageSpec
from salesflow.gateway.cli import main
from salesflow.statemachine import lead as leads
from salesflow.statemachine import records


@pytest.fixture
def regions():
    """Whatever a test or a command sets, the configured phone regions come back afterwards."""
    before = normalize.phone_regions()
    yield normalize.use_phone_regions
    normalize.use_phone_regions(before)


def search(uow, repo: str, text: str) -> list[int]:
    with uow:
        rows, _more = getattr(uow, repo).page(PageSpec(filter=Filter(search=text), limit=100))
        uow.commit()
    return sorted(r.id for r in rows)


def before_search_keys() -> str:
    """The revision the search-key migration follows."""
    return ScriptDirectory.from_config(alembic_config()).get_revision("0011").down_revision


def test_the_migration_gives_records_written_before_it_their_keys(engine, uow, actor):
    downgrade(engine, before_search_keys())
    now = datetime.now(UTC)
    stamps = dict(created_at=now, updated_at=now, version=1)
    with engine.begin() as conn:  # as the previous release wrote them: no key for a Persian name
        conn.execute(insert(t.accounts).values(id=901, name="شرکت بازرگانی پارسیان", name_key="", **stamps))
        conn.execute(
            insert(t.leads).values(
                id=902,
                title="İstanbul Halı siparişi",
                status="new",
                company_name="شركت بازرگاني پارسيان",
                phone="0912 345 6789",
                phone_key="9123456789",
                company_key=None,
                **stamps,
            )
        )
        conn.execute(
            insert(t.contacts).values(
                id=903, name="علي رضائي", phone="+98 912 345 6789", phone_key="989123456789", **stamps
            )
        )
    upgrade(engine)
    lead = reload(uow, "leads", 902)
    assert (lead.company_key, lead.phone_key, lead.version) == ("بازرگانیپارسیان", "+989123456789", 1)
    assert reload(uow, "accounts", 901).name_key == "بازرگانیپارسیان"
    assert reload(uow, "contacts", 903).phone_key == "+989123456789"
    assert search(uow, "leads", "istanbul") == [902]
    assert search(uow, "accounts", "پارسیان") == [901]
    assert search(uow, "contacts", "علی رضایی") == [903]
    plan = leads.convert_lead(uow, 902, dry_run=True, actor=actor)
    assert sorted((d.kind, d.id) for d in plan.duplicates) == [("account", 901), ("contact", 903)]


def test_the_upgrade_rewrites_the_search_keys_the_previous_release_wrote(engine, uow):
    """At 0011 a search key held each text folded as written: no joined Persian compound, no E.164."""
    downgrade(engine, "0011")
    now = datetime(2026, 3, 1, tzinfo=UTC)
    stamps = dict(created_at=now, updated_at=now, version=3)
    with engine.begin() as conn:
        conn.execute(
            insert(t.accounts).values(
                id=911, name="شرکت پارس تک", name_key="پارستک", search_key="شرکت پارس تک", **stamps
            )
        )
        conn.execute(
            insert(t.contacts).values(
                id=912,
                name="مریم",
                phone="0912 345 6789",
                phone_key="+989123456789",
                search_key="مریم\n0912 345 6789",
                **stamps,
            )
        )
    upgrade(engine)
    assert search(uow, "accounts", "پارس\u200cتک") == search(uow, "accounts", "پارستک") == [911]
    assert search(uow, "contacts", "+98 912 345") == search(uow, "contacts", "0098912345") == [912]
    assert (reload(uow, "accounts", 911).version, reload(uow, "contacts", 912).version) == (3, 3)


def test_reindex_rereads_local_numbers_after_the_phone_regions_change(
    database_url, uow, actor, regions, monkeypatch, capsys
):
    """0212 555 12 34 is a number in Istanbul and in Tehran; an office in Turkey puts TR first."""
    contact = records.create_contact(uow, "Halı Evi", phone="0212 555 12 34", actor=actor)
    assert reload(uow, "contacts", contact.id).phone_key == "+982125551234"
    monkeypatch.setenv("SALESFLOW_PHONE_REGIONS", "TR,IR")
    assert main(["reindex", "--database-url", database_url]) == 0
    assert "contacts: 1 rows rekeyed" in capsys.readouterr().out
    stored = reload(uow, "contacts", contact.id)
    assert (stored.phone_key, stored.version) == ("+902125551234", contact.version)
    lead = leads.create_lead(uow, "Carpets", phone="+90 212 555 12 34", actor=actor)
    plan = leads.convert_lead(uow, lead.id, dry_run=True, actor=actor)
    assert [(d.kind, d.id, d.matched_on) for d in plan.duplicates] == [("contact", contact.id, "phone")]


def test_reindex_changes_nothing_when_the_keys_are_current(database_url, story, capsys):
    story.lead(company_name="Yılmaz Ticaret A.Ş.", phone="0532 123 45 67")
    assert main(["reindex", "--database-url", database_url]) == 0
    out = capsys.readouterr().out
    assert "leads: 0 rows rekeyed" in out and "accounts: 0 rows rekeyed" in out


def test_an_unknown_phone_region_is_refused_before_any_command_runs(monkeypatch, regions, capsys, tmp_path):
    monkeypatch.setenv("SALESFLOW_PHONE_REGIONS", "IR,ZZ")
    assert main(["migrate", "--database-url", f"sqlite:///{tmp_path / 'x.db'}"]) == 2
    assert "ZZ" in capsys.readouterr().err and not (tmp_path / "x.db").exists()
