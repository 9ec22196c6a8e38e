"""Orders are delivered in stages and invoiced by their policy; invoices are issued, paid or voided."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import exc, text
from support import expect, find, history, reload

from salesflow.domain.errors import DomainError, ErrorCode
from salesflow.statemachine import invoice as invoices
from salesflow.statemachine import order as orders


@pytest.fixture
def database_url(reused_database_url):
    return reused_database_url


def at(day, hour=12) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=UTC)


def line_quantities(uow, order_id):
    return [(ln.quantity, ln.delivered_quantity, ln.invoiced_quantity) for ln in reload(uow, "orders", order_id).lines]


# --- orders ---------------------------------------------------------------------------------------


def test_an_order_can_be_placed_straight_from_an_opportunity_without_a_quote(story, uow, actor, today):
    opp = story.opportunity()
    order = orders.create_order(
        uow,
        opp.id,
        "eur",
        story.lines(("10", "19.99", "0", "19"), ("1", "250", "10", "0")),
        invoicing_policy="on_completion",
        actor=actor,
    )
    stored = reload(uow, "orders", order.id)
    assert (stored.number, stored.status, stored.quote_id, stored.currency, stored.invoicing_policy) == (
        f"SO/{today.year}/00001",
        "open",
        None,
        "EUR",
        "on_completion",
    )
    assert [(ln.sequence, ln.total, ln.delivered_quantity, ln.invoiced_quantity) for ln in stored.lines] == [
        (10, Decimal("237.88"), 0, 0),
        (20, Decimal("225.00"), 0, 0),
    ]
    assert stored.total == Decimal("462.88")
    won = reload(uow, "opportunities", opp.id)
    assert (won.status, won.probability, won.amount) == ("won", Decimal(100), stored.total)
    assert history(uow, "opportunity", opp.id)[-1] == ("win", "open", "won", f"order {stored.number}")
    assert history(uow, "order", order.id) == [("create", None, "open", None)]


def test_an_order_needs_at_least_one_line(story, uow, actor, store_snapshot):
    opp = story.opportunity()
    before = store_snapshot()
    with expect(ErrorCode.VALIDATION, ("lines",)):
        orders.create_order(uow, opp.id, "EUR", [], actor=actor)
    assert store_snapshot() == before


def test_an_order_in_another_currency_than_its_opportunity_is_a_currency_mismatch(story, uow, actor, store_snapshot):
    opp = story.opportunity("EUR")
    before = store_snapshot()
    with expect(ErrorCode.CURRENCY_MISMATCH, ("currency",)):
        orders.create_order(uow, opp.id, "GBP", story.lines(), actor=actor)
    assert store_snapshot() == before


def test_an_order_is_delivered_in_stages(story, uow, actor, today):
    order = story.order(("10", "20"), ("4", "5"), policy="manual")
    first = story.deliver(order, {0: "4"})
    assert first.order.status == "partially_delivered"
    assert first.delivery.number == f"DL/{today.year}/00001"
    assert line_quantities(uow, order.id) == [(10, 4, 0), (4, 0, 0)]

    second = story.deliver(order, {0: "6", 1: "4"})
    assert second.order.status == "delivered"
    assert second.delivery.number == f"DL/{today.year}/00002"
    assert line_quantities(uow, order.id) == [(10, 10, 0), (4, 4, 0)]

    deliveries = find(uow, "deliveries", order_id=order.id)
    assert [[(dl.order_line_id, dl.quantity) for dl in d.lines] for d in deliveries] == [
        [(order.lines[0].id, Decimal(4))],
        [(order.lines[0].id, Decimal(6)), (order.lines[1].id, Decimal(4))],
    ]
    assert history(uow, "order", order.id)[1:] == [
        ("deliver", "open", "partially_delivered", f"delivery {first.delivery.number}"),
        ("deliver", "partially_delivered", "delivered", f"delivery {second.delivery.number}"),
    ]


def test_a_fractional_delivery_is_kept_exactly(story, uow):
    order = story.order(("2.5", "12.40"))
    result = story.deliver(order, {0: "0.125"})
    assert line_quantities(uow, order.id) == [(Decimal("2.5"), Decimal("0.125"), Decimal("0.125"))]
    assert result.invoice.total == Decimal("1.55")  # 0.125 × 12.40


@pytest.mark.parametrize("already, asked", [("0", "11"), ("4", "7"), ("4", "6.000001")])
def test_delivering_more_than_remains_is_over_delivery(story, uow, store_snapshot, already, asked):
    order = story.order(("10", "20"))
    if already != "0":
        story.deliver(order, {0: already})
    before = store_snapshot()
    with expect(ErrorCode.OVER_DELIVERY, ("lines", "0", "quantity")) as err:
        story.deliver(order, {0: asked})
    assert str(10 - Decimal(already)) in err.value.message
    assert store_snapshot() == before
    assert line_quantities(uow, order.id)[0][1] == Decimal(already)


def test_a_delivered_order_takes_no_more_deliveries(story, uow):
    order = story.order(("1", "20"))
    story.deliver(order)
    with expect(ErrorCode.INVALID_TRANSITION) as err:
        story.deliver(order, {0: "1"})
    assert "delivered" in err.value.message


def test_one_delivery_names_each_order_line_once(story, uow, actor, store_snapshot):
    order = story.order(("10", "20"))
    line_id = order.lines[0].id
    before = store_snapshot()
    with expect(ErrorCode.VALIDATION, ("lines", "1", "orderLineId")):
        orders.record_delivery(
            uow,
            order.id,
            [dict(order_line_id=line_id, quantity="1"), dict(order_line_id=line_id, quantity="1")],
            actor=actor,
        )
    with expect(ErrorCode.VALIDATION, ("lines",)):
        orders.record_delivery(uow, order.id, [], actor=actor)
    assert store_snapshot() == before


def test_a_line_of_another_order_cannot_be_delivered(story, uow, actor, store_snapshot):
    order, other = story.order(), story.order()
    before = store_snapshot()
    with expect(ErrorCode.NOT_FOUND, ("lines", "0", "orderLineId")):
        orders.record_delivery(uow, order.id, [dict(order_line_id=other.lines[0].id, quantity="1")], actor=actor)
    assert store_snapshot() == before


# --- invoicing policies ---------------------------------------------------------------------------


def test_per_delivery_policy_makes_a_draft_invoice_for_each_delivery_stage(story, uow):
    # 3 × 0.335 = 1.005: invoiced one by one, each stage is rounded cumulatively so the three add up
    # to the order line (1.01 + 0.19 tax), not to 3 × 0.34.
    order = story.order(("3", "0.335", "0", "19"), ("2", "100", "0", "19"), policy="per_delivery")
    assert order.total == Decimal("239.20")
    results = [
        story.deliver(order, {0: "1", 1: "1"}),
        story.deliver(order, {0: "1"}),
        story.deliver(order, {0: "1", 1: "1"}),
    ]

    drafts = find(uow, "invoices", order_id=order.id)
    assert [inv.id for inv in drafts] == [r.invoice.id for r in results]
    for result, inv in zip(results, drafts):
        assert (inv.status, inv.number, inv.delivery_id, inv.currency) == ("draft", None, result.delivery.id, "EUR")
        assert {ln.order_line_id: ln.quantity for ln in inv.lines} == {
            dl.order_line_id: dl.quantity for dl in result.delivery.lines
        }
    assert [[ln.net_amount for ln in inv.lines] for inv in drafts] == [
        [Decimal("0.34"), Decimal("100.00")],
        [Decimal("0.33")],
        [Decimal("0.34"), Decimal("100.00")],
    ]
    assert sum(inv.total for inv in drafts) == order.total
    assert line_quantities(uow, order.id) == [(3, 3, 3), (2, 2, 2)]
    assert [h[:3] for h in history(uow, "invoice", drafts[0].id)] == [("create", None, "draft")]


def test_on_completion_policy_makes_one_invoice_once_everything_is_delivered(story, uow):
    order = story.order(("10", "19.99", "0", "19"), ("2", "350", "5", "19"), policy="on_completion")
    partial = story.deliver(order, {0: "4"})
    assert partial.invoice is None
    assert find(uow, "invoices", order_id=order.id) == []

    final = story.deliver(order, {0: "6", 1: "2"})
    [inv] = find(uow, "invoices", order_id=order.id)
    assert inv.id == final.invoice.id and inv.delivery_id == final.delivery.id
    assert [(ln.quantity, ln.total) for ln in inv.lines] == [(ln.quantity, ln.total) for ln in order.lines]
    assert inv.total == order.total
    assert line_quantities(uow, order.id) == [(10, 10, 10), (2, 2, 2)]


def test_an_on_completion_order_is_not_invoiced_by_hand_before_everything_is_delivered(
    story, uow, actor, store_snapshot
):
    order = story.order(("10", "19.99", "0", "19"), policy="on_completion")
    story.deliver(order, {0: "4"})
    before = store_snapshot()
    with expect(ErrorCode.INVALID_TRANSITION, ("orderId",)) as refused:
        orders.convert_order_to_invoice(uow, order.id, actor=actor)
    assert "invoiced on completion" in refused.value.message
    assert store_snapshot() == before
    story.deliver(order, {0: "6"})  # the last delivery makes its one invoice: nothing is left to invoice by hand
    with expect(ErrorCode.NOTHING_TO_INVOICE, ("orderId",)):
        orders.convert_order_to_invoice(uow, order.id, actor=actor)
    assert len(find(uow, "invoices", order_id=order.id)) == 1


def test_manual_policy_makes_no_invoice_until_the_order_is_converted(story, uow, actor):
    order = story.order(("10", "19.99", "0", "19"), policy="manual")
    assert story.deliver(order, {0: "4"}).invoice is None
    assert find(uow, "invoices", order_id=order.id) == []

    first = orders.convert_order_to_invoice(uow, order.id, actor=actor)
    assert ([ln.quantity for ln in first.lines], first.delivery_id, first.status) == ([Decimal(4)], None, "draft")
    with expect(ErrorCode.NOTHING_TO_INVOICE, ("orderId",)):
        orders.convert_order_to_invoice(uow, order.id, actor=actor)

    story.deliver(order, {0: "6"})
    second = orders.convert_order_to_invoice(uow, order.id, actor=actor)
    assert [ln.quantity for ln in second.lines] == [Decimal(6)]
    assert first.total + second.total == order.total


def test_an_order_with_nothing_delivered_has_nothing_to_invoice(story, uow, actor, store_snapshot):
    order = story.order(policy="manual")
    before = store_snapshot()
    with expect(ErrorCode.NOTHING_TO_INVOICE, ("orderId",)):
        orders.convert_order_to_invoice(uow, order.id, actor=actor)
    assert store_snapshot() == before


def test_a_per_delivery_order_has_nothing_left_to_invoice_by_hand(story, uow, actor):
    order = story.order(policy="per_delivery")
    story.deliver(order, {0: "3"})
    with expect(ErrorCode.NOTHING_TO_INVOICE, ("orderId",)):
        orders.convert_order_to_invoice(uow, order.id, actor=actor)


# --- canceling orders -----------------------------------------------------------------------------


def test_an_order_with_nothing_delivered_can_be_canceled_and_the_opportunity_is_revalued(story, uow, actor):
    opp = story.opportunity()
    keep = story.order(("1", "100"), opp=opp)
    drop = story.order(("2", "100"), opp=opp)
    assert reload(uow, "opportunities", opp.id).amount == Decimal("300.00")

    canceled = orders.cancel_order(uow, drop.id, "ordered twice", actor=actor)
    assert (canceled.status, canceled.cancel_reason) == ("canceled", "ordered twice")
    assert history(uow, "order", drop.id)[-1] == ("cancel", "open", "canceled", "ordered twice")
    assert reload(uow, "opportunities", opp.id).amount == keep.total == Decimal("100.00")


def test_an_order_cannot_be_canceled_once_something_is_delivered(story, uow, actor, store_snapshot):
    order = story.order(("10", "20"), policy="manual")
    story.deliver(order, {0: "1"})
    before = store_snapshot()
    with expect(ErrorCode.INVALID_TRANSITION) as err:
        orders.cancel_order(uow, order.id, actor=actor)
    assert "partially_delivered" in err.value.message
    assert store_snapshot() == before
    assert reload(uow, "orders", order.id).status == "partially_delivered"


def test_a_canceled_order_takes_no_delivery_and_no_invoice(story, uow, actor):
    order = story.order(policy="manual")
    orders.cancel_order(uow, order.id, actor=actor)
    with expect(ErrorCode.INVALID_TRANSITION):
        story.deliver(order, {0: "1"})
    with expect(ErrorCode.INVALID_TRANSITION, ("orderId",)):
        orders.convert_order_to_invoice(uow, order.id, actor=actor)
    with expect(ErrorCode.INVALID_TRANSITION):
        orders.cancel_order(uow, order.id, actor=actor)


# --- issuing --------------------------------------------------------------------------------------


def test_issuing_gives_consecutive_numbers_per_year(story, uow, actor, today):
    order = story.order(("3", "100"), policy="per_delivery")
    drafts = [story.deliver(order, {0: "1"}).invoice for _ in range(3)]
    assert [d.number for d in drafts] == [None, None, None]

    first = invoices.issue_invoice(uow, drafts[0].id, actor=actor)
    second = invoices.issue_invoice(uow, drafts[1].id, actor=actor)
    assert (first.number, second.number) == (f"INV/{today.year}/00001", f"INV/{today.year}/00002")
    assert (first.status, first.issue_date, first.due_date) == ("issued", today, today + timedelta(days=30))
    assert history(uow, "invoice", first.id)[-1][:3] == ("issue", "draft", "issued")

    next_year = date(today.year + 1, 1, 2)
    third = invoices.issue_invoice(uow, drafts[2].id, actor=actor, now=at(next_year))
    assert (third.number, third.issue_date) == (f"INV/{next_year.year}/00001", next_year)


def test_a_refused_issue_takes_no_number(story, uow, actor, today, store_snapshot):
    order = story.order(("2", "100"), policy="per_delivery")
    a, b = (story.deliver(order, {0: "1"}).invoice for _ in range(2))
    invoices.issue_invoice(uow, a.id, actor=actor)
    before = store_snapshot()
    with expect(ErrorCode.INVALID_TRANSITION):
        invoices.issue_invoice(uow, a.id, actor=actor)
    with expect(ErrorCode.VALIDATION, ("dueDate",)):
        invoices.issue_invoice(uow, b.id, due_date=today - timedelta(days=1), actor=actor)
    assert store_snapshot() == before
    assert reload(uow, "invoices", b.id).number is None
    assert invoices.issue_invoice(uow, b.id, actor=actor).number == f"INV/{today.year}/00002"


# --- voiding --------------------------------------------------------------------------------------


def test_voiding_an_issued_invoice_releases_its_quantities_for_invoicing_again(story, uow, actor):
    order = story.order(("10", "19.99", "0", "19"), policy="per_delivery")
    issued = invoices.issue_invoice(uow, story.deliver(order, {0: "4"}).invoice.id, actor=actor)
    assert line_quantities(uow, order.id) == [(10, 4, 4)]

    voided = invoices.void_invoice(uow, issued.id, "wrong address", actor=actor)
    stored = reload(uow, "invoices", issued.id)
    assert (stored.status, stored.void_reason, stored.number) == ("void", "wrong address", issued.number)
    assert voided.status == "void"
    assert history(uow, "invoice", issued.id)[-1] == ("void", "issued", "void", "wrong address")
    assert line_quantities(uow, order.id) == [(10, 4, 0)]

    again = orders.convert_order_to_invoice(uow, order.id, actor=actor)
    assert ([ln.quantity for ln in again.lines], again.total) == ([Decimal(4)], issued.total)
    assert line_quantities(uow, order.id) == [(10, 4, 4)]


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_voiding_needs_a_reason(story, uow, actor, store_snapshot, reason):
    inv = story.issued_invoice()
    before = store_snapshot()
    with expect(ErrorCode.VALIDATION, ("reason",)):
        invoices.void_invoice(uow, inv.id, reason, actor=actor)
    assert store_snapshot() == before


def test_an_invoice_with_payments_cannot_be_voided(story, uow, actor, store_snapshot):
    inv = story.issued_invoice()
    invoices.record_payment(uow, inv.id, "10.00", actor=actor)
    before = store_snapshot()
    with expect(ErrorCode.INVALID_TRANSITION) as err:
        invoices.void_invoice(uow, inv.id, "customer disputes it", actor=actor)
    assert "partially_paid" in err.value.message
    assert store_snapshot() == before
    assert reload(uow, "invoices", inv.id).status == "partially_paid"


def test_a_draft_invoice_cannot_be_voided(story, uow, actor):
    order = story.order()
    draft = story.deliver(order).invoice
    with expect(ErrorCode.INVALID_TRANSITION):
        invoices.void_invoice(uow, draft.id, "never mind", actor=actor)


# --- payments -------------------------------------------------------------------------------------


def test_a_partial_payment_makes_the_invoice_partially_paid_and_the_rest_makes_it_paid(story, uow, actor, today):
    inv = story.issued_invoice(("10", "19.99", "0", "19"))
    assert inv.total == Decimal("237.88")

    payment, after_first = invoices.record_payment(uow, inv.id, "100.00", reference="bank 1", actor=actor)
    assert (payment.amount, payment.currency, payment.paid_at, payment.reference) == (
        Decimal("100.00"),
        "EUR",
        today,
        "bank 1",
    )
    assert (after_first.status, after_first.amount_paid, after_first.amount_due) == (
        "partially_paid",
        Decimal("100.00"),
        Decimal("137.88"),
    )

    _, after_second = invoices.record_payment(uow, inv.id, "137.88", reference="bank 2", actor=actor)
    stored = reload(uow, "invoices", inv.id)
    assert (stored.status, stored.amount_paid, stored.amount_due) == ("paid", Decimal("237.88"), Decimal("0.00"))
    assert [p.amount for p in find(uow, "payments", invoice_id=inv.id)] == [Decimal("100.00"), Decimal("137.88")]
    assert history(uow, "invoice", inv.id)[-2:] == [
        ("pay", "issued", "partially_paid", "bank 1"),
        ("pay", "partially_paid", "paid", "bank 2"),
    ]


def test_a_payment_in_full_makes_an_issued_invoice_paid_at_once(story, uow, actor):
    inv = story.issued_invoice(("1", "50", "0", "19"))
    _, paid = invoices.record_payment(uow, inv.id, "59.50", paid_at=date(2030, 1, 31), currency="eur", actor=actor)
    assert paid.status == "paid"
    assert find(uow, "payments", invoice_id=inv.id)[0].paid_at == date(2030, 1, 31)


@pytest.mark.parametrize("paid_first, amount", [(None, "237.89"), ("200.00", "37.89"), (None, "1000")])
def test_paying_more_than_is_due_is_over_payment(story, uow, actor, store_snapshot, paid_first, amount):
    inv = story.issued_invoice(("10", "19.99", "0", "19"))
    if paid_first:
        invoices.record_payment(uow, inv.id, paid_first, actor=actor)
    before = store_snapshot()
    with expect(ErrorCode.OVER_PAYMENT, ("amount",)):
        invoices.record_payment(uow, inv.id, amount, actor=actor)
    assert store_snapshot() == before
    assert reload(uow, "invoices", inv.id).amount_paid == Decimal(paid_first or "0")


def test_a_paid_or_draft_invoice_takes_no_payment(story, uow, actor, store_snapshot):
    inv = story.issued_invoice(("1", "10"))
    invoices.record_payment(uow, inv.id, "10.00", actor=actor)
    draft = story.deliver(story.order(("1", "10"))).invoice
    before = store_snapshot()
    for target in (inv, draft):
        with expect(ErrorCode.INVALID_TRANSITION):
            invoices.record_payment(uow, target.id, "1.00", actor=actor)
    assert store_snapshot() == before


def test_a_payment_in_another_currency_is_a_currency_mismatch(story, uow, actor, store_snapshot):
    inv = story.issued_invoice()
    before = store_snapshot()
    with expect(ErrorCode.CURRENCY_MISMATCH, ("currency",)):
        invoices.record_payment(uow, inv.id, "10.00", currency="USD", actor=actor)
    with expect(ErrorCode.UNKNOWN_CURRENCY, ("currency",)):
        invoices.record_payment(uow, inv.id, "10.00", currency="ZZZ", actor=actor)
    assert store_snapshot() == before


# --- issued invoices are immutable ----------------------------------------------------------------


def test_no_domain_operation_edits_an_issued_invoice(story, uow, actor, store_snapshot):
    inv = story.issued_invoice()
    assert not [name for name in vars(invoices) if name.startswith(("update", "edit", "delete"))]
    before = store_snapshot()
    with expect(ErrorCode.INVALID_TRANSITION):
        invoices.issue_invoice(uow, inv.id, actor=actor)
    with expect(ErrorCode.INVALID_TRANSITION):
        orders.cancel_order(uow, inv.order_id, actor=actor)
    assert store_snapshot() == before


def test_an_issued_invoice_changed_through_the_store_is_refused(story, uow):
    inv = story.issued_invoice()
    with pytest.raises(DomainError) as err:
        with uow:
            stored = uow.invoices.get(inv.id)
            stored.total += Decimal("1.00")
            uow.commit()
    assert err.value.code == ErrorCode.INVALID_TRANSITION and "immutable" in err.value.message
    assert reload(uow, "invoices", inv.id).total == inv.total


RAW_TAMPERING = {
    "update-total": "UPDATE invoices SET total = total + 100 WHERE id = :id",
    "update-number": "UPDATE invoices SET number = 'INV/1999/99999' WHERE id = :id",
    "update-due-date": "UPDATE invoices SET due_date = NULL WHERE id = :id",
    "delete-invoice": "DELETE FROM invoices WHERE id = :id",
    "update-lines": "UPDATE invoice_lines SET quantity = quantity * 2, total = total * 2 WHERE invoice_id = :id",
    "delete-lines": "DELETE FROM invoice_lines WHERE invoice_id = :id",
    "insert-line": """INSERT INTO invoice_lines (invoice_id, order_line_id, sequence, description, product_code,
                          quantity, unit_price, discount_percent, tax_rate, subtotal, discount_amount, net_amount,
                          tax_amount, total)
                      SELECT invoice_id, order_line_id, sequence + 1, description, product_code, quantity,
                          unit_price, discount_percent, tax_rate, subtotal, discount_amount, net_amount,
                          tax_amount, total
                      FROM invoice_lines WHERE invoice_id = :id""",
}


def _invoice_row(engine, invoice_id):
    with engine.connect() as conn:
        head = conn.execute(
            text("SELECT number, status, total, due_date FROM invoices WHERE id = :id"), dict(id=invoice_id)
        ).one()
        lines = conn.execute(
            text("SELECT id, quantity, total FROM invoice_lines WHERE invoice_id = :id ORDER BY id"),
            dict(id=invoice_id),
        ).all()
    return tuple(head), [tuple(ln) for ln in lines]


@pytest.mark.parametrize("statement", RAW_TAMPERING.values(), ids=RAW_TAMPERING.keys())
def test_the_database_refuses_raw_sql_that_edits_or_deletes_an_issued_invoice(story, engine, statement):
    inv = story.issued_invoice()
    before = _invoice_row(engine, inv.id)
    with pytest.raises(exc.IntegrityError, match="immutable"):
        with engine.begin() as conn:
            conn.execute(text(statement), dict(id=inv.id))
    assert _invoice_row(engine, inv.id) == before


@pytest.mark.parametrize("state", ["partially_paid", "paid", "void"])
def test_the_database_keeps_paid_and_voided_invoices_immutable_too(story, uow, actor, engine, state):
    inv = story.issued_invoice(("10", "19.99", "0", "19"))
    if state == "void":
        invoices.void_invoice(uow, inv.id, "test", actor=actor)
    else:
        invoices.record_payment(uow, inv.id, "1.00" if state == "partially_paid" else "237.88", actor=actor)
    before = _invoice_row(engine, inv.id)
    assert before[0][1] == state
    for name in ("update-total", "delete-invoice", "update-lines"):
        with pytest.raises(exc.IntegrityError, match="immutable"):
            with engine.begin() as conn:
                conn.execute(text(RAW_TAMPERING[name]), dict(id=inv.id))
    assert _invoice_row(engine, inv.id) == before


def test_the_database_lets_a_draft_invoice_change(story, engine):
    draft = story.deliver(story.order()).invoice
    with engine.connect() as conn:
        with conn.begin() as tx:
            for statement in RAW_TAMPERING.values():
                if "DELETE FROM invoices" not in statement:
                    conn.execute(text(statement), dict(id=draft.id))
            tx.rollback()
    assert _invoice_row(engine, draft.id)[0][1] == "draft"
