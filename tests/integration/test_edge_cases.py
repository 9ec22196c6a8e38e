"""Edge cases found in review: re-invoicing after a void, free goods, huge numbers, owners, history."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from support import expect, reload

from salesflow.domain.errors import ErrorCode
from salesflow.statemachine import invoice as invoices
from salesflow.statemachine import lead as leads
from salesflow.statemachine import opportunity as opportunities
from salesflow.statemachine import order as orders
from salesflow.statemachine import records


@pytest.fixture
def database_url(reused_database_url):
    return reused_database_url


def test_a_line_invoiced_again_after_a_void_still_adds_up_to_the_order_line(story, uow, actor):
    order = story.order(("3", "3.335"))  # 10.005 → 10.01, but each unit alone rounds to 3.34 or 3.33
    staged = [story.deliver(reload(uow, "orders", order.id), {0: 1}).invoice for _ in range(3)]
    issued = [invoices.issue_invoice(uow, inv.id, actor=actor) for inv in staged]
    assert [i.total for i in issued] == [Decimal("3.34"), Decimal("3.33"), Decimal("3.34")]
    invoices.void_invoice(uow, issued[1].id, "wrong address", actor=actor)
    again = invoices.issue_invoice(uow, orders.convert_order_to_invoice(uow, order.id, actor=actor).id, actor=actor)
    live = [issued[0], again, issued[2]]
    assert sum(i.total for i in live) == reload(uow, "orders", order.id).total == Decimal("10.01")


def test_an_invoice_for_free_goods_is_settled_when_issued(story, uow, actor):
    free = story.issued_invoice(("2", "0"))
    assert (free.total, free.status, free.number is not None) == (Decimal(0), "paid", True)


@pytest.mark.parametrize("huge", ["1e22", "1e30", "9" * 40])
def test_numbers_too_large_for_any_amount_are_validation_errors(story, uow, actor, huge):
    opp = story.opportunity()
    with expect(ErrorCode.VALIDATION, ("lines", "0", "quantity")):
        orders.create_order(uow, opp.id, "EUR", story.lines((huge, "1")), actor=actor)
    with expect(ErrorCode.VALIDATION, ("amount",)):
        invoices.record_payment(uow, story.issued_invoice().id, huge, actor=actor)


def test_a_stage_probability_with_seven_decimals_is_refused(uow, actor):
    with expect(ErrorCode.VALIDATION, ("probability",)):
        records.create_stage(uow, "Trial", "12.1234567", actor=actor)


@pytest.mark.parametrize(
    "create",
    [
        lambda uow, actor: leads.create_lead(uow, "Chairs", owner_id=4242, actor=actor),
        lambda uow, actor: opportunities.create_opportunity(uow, "Chairs", owner_id=4242, actor=actor),
        lambda uow, actor: records.create_account(uow, "Acme", owner_id=4242, actor=actor),
        lambda uow, actor: records.create_contact(uow, "Sara", owner_id=4242, actor=actor),
    ],
    ids=["lead", "opportunity", "account", "contact"],
)
def test_an_owner_who_does_not_exist_is_not_found(uow, actor, create, store_snapshot):
    before = store_snapshot()
    with expect(ErrorCode.NOT_FOUND, ("ownerId",)):
        create(uow, actor)
    assert store_snapshot() == before


def test_names_that_grow_when_normalised_still_convert(story, uow, actor):
    lead = story.lead(company_name="\ufb01" * 150)  # the ligature ﬁ normalises to two letters
    assert leads.convert_lead(uow, lead.id, currency="EUR", actor=actor).account.name_key


def test_one_operation_moves_a_version_by_one(story, uow, actor):
    opp = story.opportunity()
    quote = story.sent_quote(opp=opp)
    accepted = orders.convert_quote_to_order(uow, quote.id, actor=actor)  # wins and re-prices the opportunity
    assert accepted.opportunity.version == opp.version + 1 == reload(uow, "opportunities", opp.id).version


def test_an_issued_invoice_cannot_be_put_back_to_draft_even_in_raw_sql(story, engine):
    issued = story.issued_invoice()
    with pytest.raises(IntegrityError, match="immutable"), engine.begin() as conn:
        conn.execute(text("UPDATE invoices SET status = 'draft' WHERE id = :id"), {"id": issued.id})
