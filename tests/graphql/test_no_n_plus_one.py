"""A page costs a fixed number of SQL statements, however long it is: related records are loaded for
the whole page at once (one statement per level of nesting), never one per row.

100 opportunities, each with an account and 3 quotes of 3 lines, are seeded in one transaction
through the statemachine operations; statements are counted on the app's own engine.
"""

from __future__ import annotations

import contextlib
import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from salesflow.adapters.sql import SqlUnitOfWork, create_engine
from salesflow.statemachine import opportunity as opportunity_ops
from salesflow.statemachine import quote as quote_ops
from salesflow.statemachine import records as record_ops
from salesflow.statemachine.engine import Context, operation

N_OPPORTUNITIES = 100
BOUND = 10


@pytest.fixture
def gateway(database_url):
    """The app without a cost limit: these pages are priced far over the default budget (each quote
    may hold 1,000 lines), and what this module measures is the statements they run."""
    from gql import Gateway

    gw = Gateway(database_url, max_cost=0)
    yield gw
    gw.close()


PAGE = """query($first: Int) { opportunities(first: $first) { edges { node {
  title account { name } quotes { number lines { description total } } } } } }"""
PAGE_WITH_LIFECYCLE = """query($first: Int) { opportunities(first: $first) { totalCount edges { node {
  title status availableActions history { trigger toState actor { name } } owner { name } stage { name }
  account { name contacts { name } } quotes { number status availableActions history { trigger }
    lines { description total } opportunity { title } } } } } }"""


@operation
def _seed(ctx: Context, i: int) -> None:
    """One opportunity with its account and three quotes of three lines."""
    lines = [
        dict(description=f"item {k}", quantity="2", unit_price="10.50", discount_percent="0", tax_rate="19")
        for k in range(3)
    ]
    until = date.today() + timedelta(days=30)
    account = record_ops.create_account.inner(ctx, f"Account {i}")
    opp = opportunity_ops.create_opportunity.inner(ctx, f"Deal {i:03d}", account_id=account.id, currency="EUR")
    for _ in range(3):
        quote_ops.convert_opportunity_to_quote.inner(ctx, opp.id, "proforma", valid_until=until, lines=lines)


@pytest.fixture
def seeded(gateway, admin):
    engine = create_engine(gateway.database_url)
    uow = SqlUnitOfWork(engine)
    with uow:
        root = uow.users.find(name="root")[0]
        uow.commit()
    for i in range(N_OPPORTUNITIES):  # a transaction each: the unit of work stays small
        _seed(uow, i, actor=root)
    engine.dispose()


@contextlib.contextmanager
def counting(engine):
    """The statements requests run on engine (its token lookup included), in order.

    The app's event feed polls the same engine from asyncio's default executor (threads named
    asyncio_N) whenever it likes; those statements are no part of a request and are left out. So is
    PostgreSQL's `SET statement_timeout`: a connection sets it when the time its request has left no
    longer fits the value it holds (engine.py), which depends on how long the request took to get there
    on a loaded machine, not on how many records it reads.
    """
    statements: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        if threading.current_thread().name.startswith("asyncio_") or statement.startswith("SET statement_timeout"):
            return
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def run_counted(gateway, client, query: str, first: int) -> tuple[dict, list[str]]:
    with counting(gateway.app.state.engine) as statements:
        data = client.run(query, {"first": first})
    return data, list(statements)


def _show(statements: list[str]) -> str:
    return "\n".join(f"  {s[:160]}" for s in statements)


def test_a_page_of_100_costs_as_many_statements_as_a_page_of_10(gateway, admin, seeded):
    client = admin
    client.run(PAGE, {"first": 1})  # warm up: the token is looked up, caches filled
    small, small_sql = run_counted(gateway, client, PAGE, 10)
    big, big_sql = run_counted(gateway, client, PAGE, 100)
    assert len(small["opportunities"]["edges"]) == 10 and len(big["opportunities"]["edges"]) == 100
    node = big["opportunities"]["edges"][0]["node"]
    assert node["account"]["name"].startswith("Account ") and len(node["quotes"]) == 3
    assert all(len(q["lines"]) == 3 and q["lines"][0]["total"] == "24.99" for q in node["quotes"])
    assert len(big_sql) == len(small_sql), (
        f"first: 100 ran {len(big_sql)} statements, first: 10 ran {len(small_sql)}:\n{_show(big_sql)}"
    )
    assert len(big_sql) <= BOUND, f"{len(big_sql)} statements for one page:\n{_show(big_sql)}"


def test_history_and_available_actions_stay_bounded_too(gateway, admin, seeded):
    admin.run(PAGE_WITH_LIFECYCLE, {"first": 1})
    _small, small_sql = run_counted(gateway, admin, PAGE_WITH_LIFECYCLE, 10)
    big, big_sql = run_counted(gateway, admin, PAGE_WITH_LIFECYCLE, 100)
    node = big["opportunities"]["edges"][0]["node"]
    assert node["history"] == [{"trigger": "create", "toState": "open", "actor": {"name": "root"}}]
    assert "convertOpportunityToQuote" in node["availableActions"]
    assert all(
        q["history"] == [{"trigger": "create"}] and q["opportunity"]["title"] == node["title"] for q in node["quotes"]
    )
    assert len(big_sql) == len(small_sql), (
        f"first: 100 ran {len(big_sql)} statements, first: 10 ran {len(small_sql)}:\n{_show(big_sql)}"
    )
    assert len(big_sql) <= 2 * BOUND, f"{len(big_sql)} statements for one page:\n{_show(big_sql)}"


def test_nodes_fetch_a_page_of_ids_by_type_in_one_go(gateway, admin, seeded):
    ids = [
        e["node"]["id"]
        for e in admin.run("{ opportunities(first: 100) { edges { node { id } } } }")["opportunities"]["edges"]
    ]
    query = "query($ids: [ID!]!) { nodes(ids: $ids) { id ... on Opportunity { account { name } } } }"
    with counting(gateway.app.state.engine) as few:
        admin.run(query, {"ids": ids[:5]})
    with counting(gateway.app.state.engine) as many:
        data = admin.run(query, {"ids": ids})
    assert [n["id"] for n in data["nodes"]] == ids
    assert len(many) == len(few), f"{len(many)} vs {len(few)}:\n{_show(many)}"
