"""The whole seed story through the store, on every backend."""

from decimal import Decimal

from salesflow.adapters.sql import SqlUnitOfWork
from salesflow.gateway.demo import run_story


def test_the_seed_story_runs_from_lead_to_a_paid_invoice(engine):
    lines = []
    docs = run_story(SqlUnitOfWork(engine), say=lines.append)
    assert docs["lead"].status == "converted"
    assert docs["previous_quote"].status == "superseded"
    assert docs["quote"].status == "accepted" and docs["quote"].revision == 1
    assert docs["opportunity"].status == "won"
    assert docs["opportunity"].amount == docs["order"].total
    assert [i.status for i in docs["invoices"]] == ["paid", "issued"]
    assert sum(i.total for i in docs["invoices"]) == docs["order"].total
    assert docs["invoices"][0].number.endswith("00001") and docs["invoices"][1].number.endswith("00002")
    assert docs["payment"].amount == docs["invoices"][0].total
    assert docs["order"].total == Decimal("11474.33")
    assert len(lines) >= 10
