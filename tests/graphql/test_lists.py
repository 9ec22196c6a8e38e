"""Lists are keyset pages: walked with first/after they give every record once, in order, with the
right totalCount and hasNextPage; they sort by the field asked; filters narrow them.

250 leads are seeded in one transaction through the statemachine operations, with creation times
set by the test (pairs share a timestamp, so the id must break ties) and titles shuffled against
creation order.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest

from salesflow.adapters.sql import SqlUnitOfWork, create_engine
from salesflow.statemachine import lead as lead_ops
from salesflow.statemachine.engine import Context, operation

N = 250
BASE = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)
PAGE = "pageInfo { hasNextPage hasPreviousPage startCursor endCursor } totalCount"
LEADS = (
    """query($first: Int, $after: String, $filter: LeadFilter, $orderBy: Ordering) {
  leads(first: $first, after: $after, filter: $filter, orderBy: $orderBy) {
    %s edges { cursor node { id title status createdAt owner { name } } } } }"""
    % PAGE
)


@operation
def _seed(ctx: Context, specs: list[dict]) -> list[int]:
    ids = []
    for spec in specs:
        at = Context(ctx.uow, ctx.actor, spec.pop("at"))
        then = spec.pop("then")
        lead = lead_ops.create_lead.inner(at, **spec)
        if then in ("working", "disqualified"):
            lead_ops.mark_lead_contacted.inner(at, lead.id)
        if then == "disqualified":
            lead_ops.disqualify_lead.inner(at, lead.id, "no budget")
        ids.append(lead.id)
    return ids


class Seeded:
    """What was seeded, to derive every expectation from."""

    def __init__(self, rows: list[dict]):
        self.rows = rows

    def ids(self, rows=None) -> list[str]:
        return [r["gid"] for r in (self.rows if rows is None else rows)]

    def where(self, test) -> list[dict]:
        return [r for r in self.rows if test(r)]


@pytest.fixture
def leads(gateway, admin) -> Seeded:
    from strawberry.relay import GlobalID

    gateway.client("mina", "sales_manager")
    engine = create_engine(gateway.database_url)
    uow = SqlUnitOfWork(engine)
    with uow:
        root, mina = uow.users.find(name="root")[0], uow.users.find(name="mina")[0]
        uow.commit()
    titles = list(range(N))
    random.Random(20250301).shuffle(titles)
    rows = []
    for i in range(N):
        rows.append(
            dict(
                at=BASE + timedelta(minutes=i // 2),  # two leads per minute: ties broken by id
                title=f"Lead {titles[i]:03d}",
                company_name=f"Needle Works {i}" if i % 10 == 3 else f"Company {i}",
                email=f"buyer{i}@example.com",
                owner_id=mina.id if i % 3 == 0 else root.id,
                then="working" if i % 4 == 1 else "disqualified" if i % 7 == 2 else "new",
            )
        )
    ids = []
    for start in range(0, N, 25):  # small transactions: a unit of work's flush grows with what it holds
        ids += _seed(uow, [dict(r) for r in rows[start : start + 25]], actor=root)
    engine.dispose()
    for row, ident in zip(rows, ids):
        row["id"], row["gid"] = ident, str(GlobalID("Lead", str(ident)))
        row["owner"] = "mina" if row["owner_id"] == mina.id else "root"
        row["status"] = row["then"].upper()
    return Seeded(rows)


def walk(client, first: int = 100, **variables) -> tuple[list[dict], list[dict]]:
    """Every page of the leads list: (the nodes in order, the pages' pageInfo and totalCount)."""
    nodes, pages, after = [], [], None
    for _ in range(N // max(first, 1) + 3):
        page = client.run(LEADS, {"first": first, "after": after, **variables})["leads"]
        pages.append(page)
        nodes += [e["node"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            return nodes, pages
        assert page["edges"], "a page says there is more but brings nothing"
        assert page["pageInfo"]["endCursor"] == page["edges"][-1]["cursor"]
        after = page["pageInfo"]["endCursor"]
    raise AssertionError("the walk does not end")


def _newest_first(rows):
    return sorted(rows, key=lambda r: (r["at"], r["id"]), reverse=True)


def test_walking_250_leads_by_pages_of_100_gives_each_once_newest_first(admin, leads):
    nodes, pages = walk(admin)
    assert [len(p["edges"]) for p in pages] == [100, 100, 50]
    assert [p["pageInfo"]["hasNextPage"] for p in pages] == [True, True, False]
    assert [p["pageInfo"]["hasPreviousPage"] for p in pages] == [False, True, True]
    assert {p["totalCount"] for p in pages} == {N}
    ids = [n["id"] for n in nodes]
    assert len(ids) == len(set(ids)) == N, "duplicates or gaps between pages"
    assert ids == leads.ids(_newest_first(leads.rows)), "newest first, the id breaking ties"
    assert [datetime.fromisoformat(n["createdAt"]) for n in nodes] == [r["at"] for r in _newest_first(leads.rows)]


@pytest.mark.parametrize("first", [1, 7, 100])
def test_any_page_size_walks_the_same_list_oldest_first(admin, leads, first):
    if first == 1:  # one per page is slow; walk only the start of it
        page = admin.run(LEADS, {"first": 1, "orderBy": {"field": "CREATED_AT", "direction": "ASC"}})["leads"]
        second = admin.run(
            LEADS,
            {
                "first": 1,
                "after": page["pageInfo"]["endCursor"],
                "orderBy": {"field": "CREATED_AT", "direction": "ASC"},
            },
        )["leads"]
        assert [page["edges"][0]["node"]["id"], second["edges"][0]["node"]["id"]] == leads.ids()[:2]
        return
    nodes, pages = walk(admin, first, orderBy={"field": "CREATED_AT", "direction": "ASC"})
    assert [n["id"] for n in nodes] == leads.ids(sorted(leads.rows, key=lambda r: (r["at"], r["id"])))
    assert len(pages) == -(-N // first)


@pytest.mark.parametrize("direction", ["ASC", "DESC"])
def test_leads_sort_by_title(admin, leads, direction):
    nodes, _ = walk(admin, orderBy={"field": "TITLE", "direction": direction})
    titles = [n["title"] for n in nodes]
    assert titles == sorted((r["title"] for r in leads.rows), reverse=direction == "DESC")
    assert len(set(titles)) == N


def test_the_default_page_is_20(admin, leads):
    page = admin.run(LEADS, {})["leads"]
    assert len(page["edges"]) == 20 and page["pageInfo"]["hasNextPage"] and page["totalCount"] == N


def test_a_page_of_exactly_what_is_left_has_no_next_page(admin, leads):
    after = None
    for _ in range(2):
        after = admin.run(LEADS, {"first": 100, "after": after})["leads"]["pageInfo"]["endCursor"]
    last = admin.run(LEADS, {"first": 50, "after": after})["leads"]
    assert (len(last["edges"]), last["pageInfo"]["hasNextPage"]) == (50, False)
    beyond = admin.run(LEADS, {"first": 50, "after": last["pageInfo"]["endCursor"]})["leads"]
    assert (beyond["edges"], beyond["pageInfo"]["hasNextPage"], beyond["totalCount"]) == ([], False, N)


def test_leads_filtered_by_status(admin, leads):
    for statuses in (["NEW"], ["WORKING"], ["DISQUALIFIED"], ["WORKING", "DISQUALIFIED"]):
        nodes, pages = walk(admin, filter={"status": statuses})
        expected = leads.where(lambda r, statuses=statuses: r["status"] in statuses)
        assert pages[0]["totalCount"] == len(expected) > 0, statuses
        assert [n["id"] for n in nodes] == leads.ids(_newest_first(expected)), statuses
        assert {n["status"] for n in nodes} == set(statuses)


def test_leads_filtered_by_text_search(admin, leads):
    expected = leads.where(lambda r: "Needle" in r["company_name"])
    for text in ("needle", "NEEDLE works", "Needle"):
        nodes, pages = walk(admin, 10, filter={"search": text})
        assert pages[0]["totalCount"] == len(expected) == 25, text
        assert [n["id"] for n in nodes] == leads.ids(_newest_first(expected)), text
    one = admin.run(LEADS, {"filter": {"search": "buyer17@example.com"}})["leads"]
    assert [e["node"]["id"] for e in one["edges"]] == leads.ids(
        leads.where(lambda r: r["email"] == "buyer17@example.com")
    )
    title = leads.rows[5]["title"]
    assert [e["node"]["title"] for e in admin.run(LEADS, {"filter": {"search": title}})["leads"]["edges"]] == [title]
    for wildcard in ("%", "_", "Lead _0", "\\"):
        assert admin.run(LEADS, {"filter": {"search": wildcard}})["leads"]["totalCount"] == 0, (
            f"{wildcard!r} is searched as text, not as a LIKE pattern"
        )


def test_leads_filtered_by_creation_time(admin, leads):
    after, before = BASE + timedelta(minutes=40), BASE + timedelta(minutes=100)
    nodes, pages = walk(admin, filter={"createdAfter": after.isoformat()})
    expected = leads.where(lambda r: r["at"] >= after)
    assert pages[0]["totalCount"] == len(expected) == N - 80
    assert [n["id"] for n in nodes] == leads.ids(_newest_first(expected))
    nodes, pages = walk(admin, filter={"createdAfter": after.isoformat(), "createdBefore": before.isoformat()})
    expected = leads.where(lambda r: after <= r["at"] < before)
    assert pages[0]["totalCount"] == len(expected) == 120
    assert [n["id"] for n in nodes] == leads.ids(_newest_first(expected))
    # the same instant written in another time zone
    tehran = after.astimezone(timezone(timedelta(hours=3, minutes=30))).isoformat()
    assert admin.run(LEADS, {"filter": {"createdAfter": tehran}})["leads"]["totalCount"] == N - 80


def test_leads_filtered_by_owner(admin, leads):
    mina = admin.run('{ leads(filter: {search: "Company 0"}) { edges { node { owner { id name } } } } }')
    mina_id = next(e["node"]["owner"]["id"] for e in mina["leads"]["edges"] if e["node"]["owner"]["name"] == "mina")
    nodes, pages = walk(admin, filter={"ownerId": mina_id})
    expected = leads.where(lambda r: r["owner"] == "mina")
    assert pages[0]["totalCount"] == len(expected) == 84
    assert [n["id"] for n in nodes] == leads.ids(_newest_first(expected))
    assert {n["owner"]["name"] for n in nodes} == {"mina"}
    both = admin.run(LEADS, {"filter": {"ownerId": mina_id, "status": ["NEW"], "search": "needle"}})["leads"]
    assert both["totalCount"] == len([r for r in expected if r["status"] == "NEW" and "Needle" in r["company_name"]])


def test_filter_and_order_together_page_through_the_same_set(admin, leads):
    nodes, pages = walk(admin, 30, filter={"status": ["NEW"]}, orderBy={"field": "TITLE", "direction": "ASC"})
    expected = sorted(leads.where(lambda r: r["status"] == "NEW"), key=lambda r: r["title"])
    assert [n["id"] for n in nodes] == leads.ids(expected)
    assert all(p["totalCount"] == len(expected) for p in pages)


# --- the other lists ---------------------------------------------------------------------------


def _edges(page) -> list[str]:
    return [e["node"]["id"] for e in page["edges"]]


def test_opportunities_filtered_by_stage_and_account(admin, sales, gq):
    stages = sales.stages()
    acme = admin.mutate("createAccount", gq.CREATE_ACCOUNT, {"i": {"name": "ACME"}})["account"]["id"]
    globex = admin.mutate("createAccount", gq.CREATE_ACCOUNT, {"i": {"name": "Globex"}})["account"]["id"]
    made = {}
    for title, account, stage in [
        ("a1", acme, "Prospecting"),
        ("a2", acme, "Proposal"),
        ("a3", acme, "Proposal"),
        ("g1", globex, "Proposal"),
        ("g2", globex, "Negotiation"),
        ("none", None, "Proposal"),
    ]:
        opp = sales.opportunity(title, **({"accountId": account} if account else {}))
        if stage != "Prospecting":
            admin.mutate(
                "moveOpportunityStage",
                gq.MOVE_STAGE,
                {"i": {"opportunityId": opp["id"], "stageId": stages[stage]["id"]}},
            )
        made[title] = opp["id"]
    query = """query($f: OpportunityFilter) { opportunities(filter: $f, orderBy: {field: TITLE, direction: ASC})
               { totalCount edges { node { id title stage { name } account { name } } } } }"""

    def titles(flt):
        page = admin.run(query, {"f": flt})["opportunities"]
        assert page["totalCount"] == len(page["edges"])
        return [e["node"]["title"] for e in page["edges"]]

    assert titles({"stageId": stages["Proposal"]["id"]}) == ["a2", "a3", "g1", "none"]
    assert titles({"accountId": acme}) == ["a1", "a2", "a3"]
    assert titles({"accountId": globex, "stageId": stages["Negotiation"]["id"]}) == ["g2"]
    assert titles({"accountId": acme, "stageId": stages["Negotiation"]["id"]}) == []
    assert titles({"stageId": stages["Qualification"]["id"]}) == []
    assert titles({"search": "a"}) == ["a1", "a2", "a3"]


def test_quotes_filtered_by_opportunity(admin, sales):
    first, second = sales.opportunity("First"), sales.opportunity("Second")
    q1 = sales.quote(first["id"])
    q2 = sales.send(sales.quote(first["id"])["id"])
    q3 = sales.quote(second["id"])
    query = """query($f: QuoteFilter) { quotes(filter: $f, orderBy: {field: CREATED_AT, direction: ASC})
               { totalCount edges { node { id number opportunity { id } } } } }"""
    page = admin.run(query, {"f": {"opportunityId": first["id"]}})["quotes"]
    assert (page["totalCount"], _edges(page)) == (2, [q1["id"], q2["id"]])
    assert {e["node"]["opportunity"]["id"] for e in page["edges"]} == {first["id"]}
    page = admin.run(query, {"f": {"opportunityId": second["id"]}})["quotes"]
    assert (page["totalCount"], _edges(page)) == (1, [q3["id"]])
    page = admin.run(query, {"f": {"opportunityId": first["id"], "status": ["SENT"]}})["quotes"]
    assert _edges(page) == [q2["id"]]
    page = admin.run(query, {"f": {"search": q3["number"]}})["quotes"]
    assert _edges(page) == [q3["id"]]


def test_invoices_filtered_by_status(admin, sales):
    draft = sales.deliver(sales.order())["invoice"]
    issued = sales.issue(sales.deliver(sales.order())["invoice"]["id"])
    paid_invoice = sales.issue(sales.deliver(sales.order())["invoice"]["id"])
    paid = sales.pay(paid_invoice["id"], paid_invoice["total"])["invoice"]
    query = """query($f: InvoiceFilter) { invoices(filter: $f, orderBy: {field: CREATED_AT, direction: ASC})
               { totalCount edges { node { id status number } } } }"""

    def ids(statuses):
        page = admin.run(query, {"f": {"status": statuses}})["invoices"]
        assert page["totalCount"] == len(page["edges"])
        assert {e["node"]["status"] for e in page["edges"]} <= set(statuses)
        return _edges(page)

    assert ids(["DRAFT"]) == [draft["id"]]
    assert ids(["ISSUED"]) == [issued["id"]]
    assert ids(["PAID"]) == [paid["id"]]
    assert ids(["ISSUED", "PAID", "PARTIALLY_PAID"]) == [issued["id"], paid["id"]]
    assert ids(["VOID", "CANCELED"]) == []
    numbered = admin.run(
        "{ invoices(orderBy: {field: NUMBER, direction: DESC}, filter: {status: [ISSUED, PAID]}) "
        "{ edges { node { number } } } }"
    )["invoices"]["edges"]
    assert [e["node"]["number"] for e in numbered] == sorted([issued["number"], paid["number"]], reverse=True)
