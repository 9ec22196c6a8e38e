"""Money never overflows: sums over stored amounts stay exact on SQLite and PostgreSQL, and an
amount too large to keep is a coded error at input."""

from __future__ import annotations

from decimal import Decimal

import pytest

from salesflow.domain.errors import DomainError
from salesflow.domain.query import Filter
from salesflow.statemachine import opportunity, order

BIG = [dict(description="Plant", quantity="900", unit_price="1000000000000")]


def test_the_pipeline_sums_opportunities_whose_total_no_integer_column_could_hold(uow, actor):
    for i in range(3):
        opp = opportunity.create_opportunity(uow, f"Plant {i}", currency="EUR", amount="900000000000000", actor=actor)
    with uow:
        rows = uow.opportunities.totals(Filter(), ("stage_id",), "amount")
    assert [(count, total) for _stage, count, total in rows] == [(3, Decimal("2700000000000000"))]
    assert opp.amount == Decimal("900000000000000")


def test_a_second_order_that_would_push_its_opportunity_past_the_limit_is_refused_on_its_lines(uow, actor):
    opp = opportunity.create_opportunity(uow, "Plant", currency="EUR", actor=actor)
    order.create_order(uow, opp.id, "EUR", BIG, actor=actor)
    with pytest.raises(DomainError) as caught:
        order.create_order(uow, opp.id, "EUR", BIG, actor=actor)
    assert (caught.value.code.value, caught.value.field) == ("VALIDATION", ("lines",))
    with uow:
        assert uow.opportunities.get(opp.id).amount == Decimal("900000000000000")
        assert len(uow.orders.find(opportunity_id=opp.id)) == 1
