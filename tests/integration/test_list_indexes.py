"""Lists at any size: every ordering a list accepts is served by an index (no sort of the table), a
page after a cursor seeks straight to it, a search goes through the text index (SQLite FTS5 trigram,
PostgreSQL pg_trgm; for a term of one or two characters, the index of each key's characters and
pairs) and finds exactly what a LIKE over every row finds, the index follows every
write in its own transaction, and a count stops at COUNT_CAP + 1. On SQLite and PostgreSQL.

The plans are read with EXPLAIN (QUERY PLAN). PostgreSQL plans a table of a few rows with a sequential
scan and a sort whatever indexes it has, so there the plan is read with sequential scans and sorts
priced out (enable_seqscan, enable_sort off): what it then still sorts or scans, no index can serve.
"""

from __future__ import annotations

import re
import sqlite3
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select, text, update
from sqlalchemy.engine import make_url
from support import POSTGRES_URL

from salesflow.adapters.sql import create_engine
from salesflow.adapters.sql import tables as t
from salesflow.adapters.sql.compiler import Statement
from salesflow.adapters.sql.mapping import MAPPINGS, search_key_of
from salesflow.adapters.sql.migrate import downgrade, upgrade
from salesflow.adapters.sql.queries import FEW_MATCHES, conditions, count_query, page_query
from salesflow.domain.lead import Lead
from salesflow.domain.normalize import search_terms
from salesflow.domain.query import COUNT_CAP, Filter, PageSpec
from salesflow.schema.core.ordering import OrderField
from salesflow.statemachine import lead as leads

LEADS = MAPPINGS[Lead]
BY_TABLE = {m.table.name: m for m in MAPPINGS.values()}
NOW = datetime(2026, 3, 1, tzinfo=UTC)
#: a list's prefix filter -> the value it is tried with
PREFIX_VALUES = {"owner_id": 1, "status": ("open",), "stage_id": 1}


@pytest.fixture
def database_url(reused_database_url):
    return reused_database_url


def plan_of(engine, statement) -> str:
    """The database's plan of a statement, as text (SQLite: EXPLAIN QUERY PLAN; PostgreSQL: EXPLAIN
    with sequential scans and sorts priced out)."""
    # the statement's own parameters, not literals: older SQLAlchemy renders LIKE's ESCAPE '\' as a
    # literal that PostgreSQL refuses
    with engine.connect() as conn:
        written = Statement(conn.dialect)  # as compiled reads send it: text and converted parameters
        sql = written.embed(statement)
        if engine.dialect.name == "sqlite":
            rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", written.params).all()
            return "\n".join(row[-1] for row in rows)
        conn.exec_driver_sql("SET enable_seqscan = off")
        conn.exec_driver_sql("SET enable_sort = off")
        conn.exec_driver_sql("SET enable_incremental_sort = off")
        return "\n".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {sql}", written.params).all())


def sorts(plan: str) -> bool:
    return "TEMP B-TREE" in plan or any(line.strip().startswith(("Sort", "->  Sort")) for line in plan.splitlines())


def a_status(table) -> str:
    return {"leads": "new", "opportunities": "open", "quotes": "draft", "orders": "open", "invoices": "issued"}[
        table.name
    ]


def orderings():
    for table in t.LISTED:
        for field in OrderField:
            if field.value in table.c:
                yield table.name, field.value


@pytest.mark.parametrize("list_name, key", list(orderings()))
def test_every_ordering_of_every_list_reads_an_index_under_each_prefix_filter_without_a_sort(engine, list_name, key):
    mapping = BY_TABLE[list_name]
    for prefix in t.PREFIXES:
        if not all(p in mapping.table.c for p in prefix):
            continue
        flt = {p: PREFIX_VALUES[p] for p in prefix}
        if "status" in flt:
            flt = {"statuses": (a_status(mapping.table),)}
        for descending in (False, True):
            spec = PageSpec(filter=Filter(**flt), order_by=key, descending=descending, limit=20)
            plan = plan_of(engine, page_query(mapping, spec))
            assert not sorts(plan), (prefix, descending, plan)
            if prefix and engine.dialect.name == "sqlite":  # the filter is where the walk starts
                assert f"ix_{list_name}_{'_'.join(prefix)}" in plan and "Filter" not in plan, (prefix, plan)
            # (PostgreSQL weighs the prefix index against a walk of the primary key by the table's
            # statistics, which a table of a few rows makes a toss-up: there the indexes are checked
            # to exist, below, and the benchmark reads the plans at a million rows.)


def test_every_keyset_index_the_tables_describe_is_in_the_database(engine):
    catalog = (
        "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = :t"  # expression indexes too
        if engine.dialect.name == "sqlite"
        else "SELECT indexname FROM pg_indexes WHERE tablename = :t"
    )
    with engine.connect() as conn:
        for table in t.LISTED:
            present = set(conn.execute(text(catalog), {"t": table.name}).scalars())
            assert {name for name, _ in t.keyset_indexes(table)} <= present, table.name


def test_the_sortable_fields_are_the_ordering_enum(engine):
    """tables.SORTABLE, which the indexes are made from, is what the GraphQL orderBy offers."""
    assert set(t.SORTABLE) == {field.value for field in OrderField}


@pytest.mark.parametrize(
    "key, after", [("amount", ("125.5", 7)), ("created_at", (NOW.isoformat(), 7)), ("title", ("m", 7))]
)
def test_a_page_after_a_cursor_seeks_to_it_in_the_index(engine, key, after):
    mapping = BY_TABLE["opportunities"]
    for owner in (None, 1):
        spec = PageSpec(filter=Filter(owner_id=owner), order_by=key, descending=True, after=after, limit=20)
        plan = plan_of(engine, page_query(mapping, spec))
        assert not sorts(plan), plan
        if engine.dialect.name == "sqlite":
            assert (
                f"SEARCH opportunities USING INDEX ix_opportunities_{'owner_id_' if owner else ''}{key}_id" in plan
            ), plan
        else:
            assert "Index Cond" in plan and "ROW(" in plan, plan


def test_a_draft_invoice_without_a_number_is_ordered_through_the_expression_index(engine):
    spec = PageSpec(order_by="number", after=("INV/2026/0007", 3), limit=20)
    plan = plan_of(engine, page_query(BY_TABLE["invoices"], spec))
    assert not sorts(plan) and "ix_invoices_number_id" in plan, plan


# --- search through the text index ----------------------------------------------------------------


def add_leads(engine, titles, **columns) -> list[int]:
    """Leads written straight to the table, with the search keys the store writes."""
    with engine.begin() as conn:
        first = (conn.execute(select(t.leads.c.id).order_by(t.leads.c.id.desc()).limit(1)).scalar() or 0) + 1
        rows = [
            dict(
                id=first + i,
                title=title,
                status="new",
                version=1,
                created_at=NOW + timedelta(seconds=first + i),
                updated_at=NOW,
                search_key=search_key_of(LEADS.searched, {"title": title, **columns}.get),
                **columns,
            )
            for i, title in enumerate(titles)
        ]
        conn.execute(insert(t.leads), rows)
    return [r["id"] for r in rows]


def found(engine, search: str, **flt) -> list[int]:
    with engine.connect() as conn:
        spec = PageSpec(filter=Filter(search=search, **flt), order_by="created_at", descending=True, limit=100)
        return [row.id for row in conn.execute(page_query(LEADS, spec))][:100]


def found_by_like(engine, search: str, **flt) -> list[int]:
    """The same list read row by row with a LIKE over every search key (queries.conditions), no index."""
    table = t.leads
    with engine.connect() as conn:
        query = (
            select(table.c.id)
            .where(*conditions(LEADS, Filter(search=search, **flt)))
            .order_by(table.c.created_at.desc(), table.c.id.desc())
            .limit(101)
        )
        return [row.id for row in conn.execute(query)][:100]


TITLES = [
    "Yılmaz Ticaret A.Ş.",
    "YILMAZ TİCARET",
    "شرکت پارس‌تک",
    "پارس تک",
    "فاطمة أحمدي",
    "Müller GmbH",
    "Lead 15 48",
    "50% off_sale",
    'Quote "the" deal',
    "Istanbul İstanbul",
]
SEARCHES = [
    "yilmaz",
    "Yılmaz",
    "پارستک",
    "پارس تک",
    "فاطمه احمدی",
    "muller",
    "154",
    "50%",
    "off_",
    '"the"',
    "istanbul",
    "nothing here",
    "a",
    "İs",
]


@pytest.mark.parametrize("search", SEARCHES)
def test_a_search_finds_through_the_index_what_a_like_over_every_row_finds(engine, search):
    ids = add_leads(engine, TITLES)
    add_leads(engine, ["0912 345 6789"], phone="0912 345 6789")
    assert found(engine, search) == found_by_like(engine, search)
    assert set(found(engine, search)) <= set(ids) | {ids[-1] + 1}


def test_a_phone_dialled_from_abroad_is_found_through_the_index(engine):
    (ident,) = add_leads(engine, ["Maryam"], phone="0912 345 6789")
    assert found(engine, "0098 912 345") == found(engine, "+98 912 345") == [ident]


@pytest.mark.parametrize(
    "term, index", [("yilmaz", "leads_search"), ("zq", "leads_search_short"), ("q", "leads_search_short")]
)
def test_a_search_reads_the_text_index_for_its_length_of_term(engine, term, index):
    """A term of three characters or more reads the trigram index, a shorter one the index of characters
    and pairs. On PostgreSQL a page's planner weighs the trigram index against a walk of the list by the
    term's estimated share of rows (benchmarks/scale.py measures both), and a short term's page reads
    its index when a walk of the first rows has not filled it (queries._limits)."""
    spec = PageSpec(filter=Filter(search=term), order_by="created_at", descending=True, limit=20)
    if engine.dialect.name == "sqlite":
        for statement in (page_query(LEADS, spec), count_query(LEADS, spec)):
            plan = plan_of(engine, statement)
            assert f"SCAN {index} VIRTUAL TABLE INDEX" in plan, plan
    else:
        plan = plan_of(engine, count_query(LEADS, spec))
        assert re.search(rf"Bitmap Index Scan on {index}\b", plan), plan


SHORT_TERMS = ["a", "İs", "ı", "zq", "پا", "ک", "۱۵", "5", "%", "_", '"', "h\u200cا", "gmb", "ş", " ", "\u200c", "👍"]


def found_in_the_keys(engine, search: str) -> list[int]:
    """The leads whose stored search key contains a term of the search, found in Python, newest first."""
    terms = search_terms(search)
    with engine.connect() as conn:
        rows = conn.execute(
            select(t.leads.c.id, t.leads.c.search_key).order_by(t.leads.c.created_at.desc(), t.leads.c.id.desc())
        ).all()
    return [ident for ident, key in rows if any(term in key for term in terms)][:100]


@pytest.mark.parametrize("search", SHORT_TERMS)
def test_a_term_of_one_or_two_characters_finds_through_its_index_what_the_keys_hold(engine, search):
    add_leads(engine, TITLES)
    add_leads(engine, ["0912 345 6789"], phone="0912 345 6789")
    add_leads(engine, [f"Lead {i}" for i in range(30)])
    assert found(engine, search) == found_in_the_keys(engine, search)
    with engine.connect() as conn:
        counted = conn.execute(count_query(LEADS, PageSpec(filter=Filter(search=search)))).scalar_one()
    assert counted == len(found_in_the_keys(engine, search))


def test_the_short_terms_are_found_in_latin_turkish_and_persian_keys():
    """Not every term of the test above may come out empty: it would prove nothing about finding."""
    keys = [search_key_of(LEADS.searched, {"title": title}.get) for title in TITLES]
    held = [term for term in SHORT_TERMS if any(t_ in key for t_ in search_terms(term) for key in keys)]
    assert {"a", "İs", "پا", "ک", "ş", "5", "%"} <= set(held), held


def test_the_short_term_index_follows_a_rename_a_hand_edit_and_a_delete(engine, uow, actor):
    lead = leads.create_lead(uow, "Ağaç Yapı", actor=actor)
    assert found(engine, "ğa") == found(engine, "ç") == [lead.id]
    leads.update_lead(uow, lead.id, title="Karadeniz Balık", actor=actor)
    assert (found(engine, "ğa"), found(engine, "ç"), found(engine, "dz"), found(engine, "lı")) == (
        [],
        [],
        [],
        [lead.id],
    )
    # an operator's hand edit in the database's own shell: no function of ours is there
    if engine.dialect.name == "sqlite":
        with sqlite3.connect(engine.url.database) as shell:
            shell.execute("UPDATE leads SET title = 'Zq', search_key = 'zq' WHERE id = ?", (lead.id,))
    else:
        with engine.begin() as conn:
            conn.execute(text("UPDATE leads SET title = 'Zq', search_key = 'zq' WHERE id = :id"), {"id": lead.id})
    assert (found(engine, "lı"), found(engine, "zq"), found(engine, "q")) == ([], [lead.id], [lead.id])
    if engine.dialect.name == "sqlite":  # a row given another id by hand is found under it by both indexes
        with sqlite3.connect(engine.url.database) as shell:
            shell.execute("UPDATE leads SET id = id + 1000, search_key = 'zqzq' WHERE id = ?", (lead.id,))
            shell.execute("UPDATE leads SET id = id + 1000 WHERE id = ?", (lead.id + 1000,))
            shell.commit()
            assert (found(engine, "zq"), found(engine, "qzq")) == ([lead.id + 2000], [lead.id + 2000])
            shell.execute("UPDATE leads SET id = ?, search_key = 'zq' WHERE id = ?", (lead.id, lead.id + 2000))
    with engine.begin() as conn:
        conn.execute(t.leads.delete().where(t.leads.c.id == lead.id))
    assert found(engine, "zq") == found(engine, "q") == []


def test_a_term_found_in_more_records_than_the_index_reads_one_by_one_is_paged_along_the_list(engine):
    ids = add_leads(engine, [f"Solar {i}" for i in range(FEW_MATCHES + 30)])
    add_leads(engine, ["Lunar 1", "Lunar 2"])
    page = found(engine, "solar")
    assert page == found_by_like(engine, "solar") == sorted(ids, reverse=True)[:100]
    with engine.connect() as conn:
        assert conn.execute(count_query(LEADS, PageSpec(filter=Filter(search="solar")))).scalar_one() == COUNT_CAP + 1
        assert conn.execute(count_query(LEADS, PageSpec(filter=Filter(search="lunar")))).scalar_one() == 2


def test_a_search_under_a_filter_finds_only_the_records_that_pass_both(engine, uow, actor):
    mine = add_leads(engine, ["Yılmaz Gıda", "Yılmaz Nakliyat"], owner_id=actor.id)
    add_leads(engine, ["Yılmaz Ticaret"])
    assert (
        found(engine, "yilmaz", owner_id=actor.id) == found_by_like(engine, "yilmaz", owner_id=actor.id) == mine[::-1]
    )


def test_the_text_index_follows_a_rename_and_forgets_a_deleted_record(engine, uow, actor):
    lead = leads.create_lead(uow, "Anadolu Gıda", actor=actor)
    assert found(engine, "anadolu") == [lead.id]
    leads.update_lead(uow, lead.id, title="Karadeniz Balık", actor=actor)
    assert (found(engine, "anadolu"), found(engine, "karadeniz")) == ([], [lead.id])
    with engine.begin() as conn:
        conn.execute(t.leads.delete().where(t.leads.c.id == lead.id))
    assert found(engine, "karadeniz") == []


def test_a_write_rolled_back_leaves_the_text_index_as_it_was(engine):
    (ident,) = add_leads(engine, ["Ege Tekstil"])
    with engine.connect() as conn:
        conn.execute(update(t.leads).where(t.leads.c.id == ident).values(title="Trakya", search_key="trakya"))
        conn.rollback()
    assert (found(engine, "ege tekstil"), found(engine, "trakya")) == ([ident], [])
    assert (found(engine, "ks"), found(engine, "ky")) == ([ident], [])


def test_records_written_before_the_text_index_existed_are_found_through_it(engine):
    downgrade(engine, "0017")
    with engine.begin() as conn:
        conn.execute(
            insert(t.accounts).values(
                id=71,
                name="Öztürk Nakliyat",
                name_key="ozturknakliyat",
                search_key="ozturk nakliyat",
                version=1,
                created_at=NOW,
                updated_at=NOW,
            )
        )
    upgrade(engine)
    spec = PageSpec(filter=Filter(search="Öztürk"), limit=20)
    with engine.connect() as conn:
        assert [row.id for row in conn.execute(page_query(BY_TABLE["accounts"], spec))] == [71]
        assert [
            row.id for row in conn.execute(page_query(BY_TABLE["accounts"], PageSpec(filter=Filter(search="zt"))))
        ] == [71]
        if engine.dialect.name == "sqlite":  # the FTS5 tables hold the row, not only the LIKE's fallback
            assert conn.execute(
                text("SELECT rowid FROM accounts_search WHERE accounts_search MATCH '\"ozturk\"'")
            ).all() == [(71,)]
            assert conn.execute(
                text("SELECT rowid FROM accounts_search_short WHERE accounts_search_short MATCH 'x7a74'")
            ).all() == [(71,)]


# --- counts ---------------------------------------------------------------------------------------


def test_a_count_is_exact_up_to_the_cap_and_stops_one_past_it(engine):
    add_leads(engine, [f"Lead {i}" for i in range(COUNT_CAP)])
    with engine.connect() as conn:
        assert conn.execute(count_query(LEADS, PageSpec())).scalar_one() == COUNT_CAP
    add_leads(engine, ["one more", "and another"])
    with engine.connect() as conn:
        assert conn.execute(count_query(LEADS, PageSpec())).scalar_one() == COUNT_CAP + 1
        assert conn.execute(count_query(LEADS, PageSpec(filter=Filter(search="another")))).scalar_one() == 1


# --- PostgreSQL: the extension ---------------------------------------------------------------------


@pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL (SALESFLOW_TEST_POSTGRES_URL)")
def test_a_role_that_may_not_create_pg_trgm_is_told_what_to_run_and_nothing_of_the_revision_is_applied():
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    role, database = f"salesflow_r_{uuid.uuid4().hex[:8]}", f"salesflow_x_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        conn.execute(text(f'CREATE DATABASE "{database}"'))
    url = make_url(POSTGRES_URL).set(database=database)
    with create_engine(url.render_as_string(hide_password=False), isolation_level="AUTOCOMMIT").connect() as conn:
        conn.execute(text(f'GRANT CREATE ON SCHEMA public TO "{role}"'))
    engine = create_engine(url.set(username=role, password=None).render_as_string(hide_password=False))
    try:
        upgrade(engine, "0017")
        with pytest.raises(RuntimeError, match=r"run `CREATE EXTENSION pg_trgm;`"):
            upgrade(engine)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0017"
            assert conn.execute(text("SELECT count(*) FROM pg_indexes WHERE indexname LIKE '%_search'")).scalar() == 0
        with create_engine(url.render_as_string(hide_password=False)).begin() as conn:
            conn.execute(text("CREATE EXTENSION pg_trgm"))
        upgrade(engine)  # once it is there, the role's migration goes on
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM pg_indexes WHERE indexname LIKE '%_search'")).scalar() == 8
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()


@pytest.mark.skipif(not POSTGRES_URL, reason="needs PostgreSQL (SALESFLOW_TEST_POSTGRES_URL)")
@pytest.mark.parametrize(
    "setting, value",
    [
        # psycopg prepares a statement after five runs and PostgreSQL may then reuse one plan for any
        # term: the walk along the list that suits a common term reads every row for a rare one
        ("plan_cache_mode", "force_custom_plan"),
        # a page of a million-row list can be priced above jit_above_cost while it reads twenty rows:
        # JIT would spend milliseconds compiling what runs in less than one (benchmarks/scale.py)
        ("jit", "off"),
    ],
)
def test_postgresql_sessions_plan_each_search_for_its_term_and_compile_nothing(setting, value):
    engine = create_engine(POSTGRES_URL)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql(f"SHOW {setting}").scalar_one() == value
    finally:
        engine.dispose()
