"""`totalCount` over GraphQL: exact for a list of up to COUNT_CAP records, and past that COUNT_CAP with
`totalCountCapped` set, whatever else the page asks for; on each backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from salesflow.adapters.sql import create_engine
from salesflow.adapters.sql import tables as t
from salesflow.adapters.sql.mapping import MAPPINGS, search_key_of
from salesflow.domain.lead import Lead
from salesflow.domain.query import COUNT_CAP

COUNTED = (
    "query($f: LeadFilter) { leads(first: 2, filter: $f) { totalCount totalCountCapped edges { node { title } } } }"
)
NOW = datetime(2026, 3, 1, tzinfo=UTC)


def many_leads(gateway, n: int, word: str = "Lead") -> None:
    """n leads written straight to the table (with the search keys the store writes)."""
    searched = MAPPINGS[Lead].searched
    engine = create_engine(gateway.database_url)
    with engine.begin() as conn:
        conn.execute(
            insert(t.leads),
            [
                dict(
                    title=f"{word} {i}",
                    status="new",
                    version=1,
                    created_at=NOW + timedelta(seconds=i),
                    updated_at=NOW,
                    search_key=search_key_of(searched, {"title": f"{word} {i}"}.get),
                )
                for i in range(n)
            ],
        )
    engine.dispose()


def test_a_short_list_counts_exactly(admin):
    for title in ("Ege", "Trakya", "Marmara"):
        admin.mutate(
            "createLead", "mutation($t: String!) { createLead(input: {title: $t}) { errors { code } } }", {"t": title}
        )
    leads = admin.run(COUNTED)["leads"]
    assert (leads["totalCount"], leads["totalCountCapped"], len(leads["edges"])) == (3, False, 2)


def test_a_list_of_exactly_the_cap_is_still_counted_exactly(gateway, admin):
    many_leads(gateway, COUNT_CAP)
    leads = admin.run(COUNTED)["leads"]
    assert (leads["totalCount"], leads["totalCountCapped"]) == (COUNT_CAP, False)


def test_a_list_longer_than_the_cap_says_so(gateway, admin):
    many_leads(gateway, COUNT_CAP + 1)
    many_leads(gateway, 3, word="Zanzibar")
    leads = admin.run(COUNTED)["leads"]
    assert (leads["totalCount"], leads["totalCountCapped"], len(leads["edges"])) == (COUNT_CAP, True, 2)
    only_total = admin.run("{ leads { totalCountCapped } }")["leads"]
    assert only_total == {"totalCountCapped": True}
    found = admin.run(COUNTED, {"f": {"search": "zanzibar"}})["leads"]
    assert (found["totalCount"], found["totalCountCapped"]) == (3, False)
    common = admin.run(COUNTED, {"f": {"search": "lead"}})["leads"]
    assert (common["totalCount"], common["totalCountCapped"]) == (COUNT_CAP, True)


def test_a_sales_rep_counts_only_its_own_records(gateway, admin):
    many_leads(gateway, COUNT_CAP + 1)
    rep = gateway.client("rep", "sales_rep")
    rep.mutate("createLead", """mutation { createLead(input: {title: "Mine"}) { errors { code } } }""")
    leads = rep.run(COUNTED)["leads"]
    assert (leads["totalCount"], leads["totalCountCapped"], [e["node"]["title"] for e in leads["edges"]]) == (
        1,
        False,
        ["Mine"],
    )
