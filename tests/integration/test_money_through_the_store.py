"""Money end to end through the real store: staged deliveries invoice an order line to the cent,
and Decimals are stored and summed exactly on SQLite (scaled integers) and PostgreSQL (NUMERIC)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.exc import StatementError

from salesflow.adapters.sql import tables as t
from salesflow.domain.errors import DomainError, ErrorCode
from salesflow.domain.money import line_amounts
from salesflow.statemachine import invoice as invoices

D = Decimal
LINE_DECIMALS = (
    "quantity",
    "unit_price",
    "discount_percent",
    "tax_rate",
    "subtotal",
    "discount_amount",
    "net_amount",
    "tax_amount",
    "total",
)
ORDER_LINE_DECIMALS = LINE_DECIMALS + ("delivered_quantity", "invoiced_quantity")
DOC_DECIMALS = ("subtotal", "discount_total", "tax_total", "total")


def decimals(max_units: int, places: int = 6):
    return st.integers(0, places).flatmap(lambda p: st.integers(0, max_units * 10**p).map(lambda n: D(n).scaleb(-p)))


@st.composite
def staged_orders(draw):
    """A currency, k delivery stages and 1–2 lines, each line's quantity split over the stages."""
    currency = draw(st.sampled_from(["JPY", "EUR", "KWD"]))
    stages = draw(st.integers(1, 4))
    lines = []
    for _ in range(draw(st.integers(1, 2))):
        parts = draw(st.lists(st.integers(0, 10**9), min_size=stages, max_size=stages).filter(any))
        lines.append(
            dict(
                parts=[D(p).scaleb(-6) for p in parts],
                price=draw(decimals(1_000_000)),
                disc=draw(decimals(100)),
                rate=draw(decimals(30)),
            )
        )
    return currency, stages, lines


def read(uow, load):
    """Load documents in a transaction of their own and keep them usable after it.

    Leaving a unit of work rolls back, and a rollback expires what the session loaded; committing a
    read-only transaction writes nothing and keeps the loaded values (they are plain dataclasses).
    """
    with uow:
        result = load(uow)
        uow.commit()
    return result


def reload(uow, order_id):
    return read(
        uow,
        lambda u: (
            u.orders.get(order_id),
            u.invoices.find(order_id=order_id),
            u.connection.execute(
                select(func.sum(t.invoice_lines.c.total)).join(t.invoices).where(t.invoices.c.order_id == order_id)
            ).scalar_one(),
        ),
    )


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=staged_orders())
def test_per_delivery_invoices_of_a_staged_order_add_up_to_the_order(story, plan):
    currency, stages, specs = plan
    order = story.order(
        *[(str(sum(s["parts"])), str(s["price"]), str(s["disc"]), str(s["rate"])) for s in specs],
        currency=currency,
        policy="per_delivery",
    )
    made = []
    for stage in range(stages):
        wanted = {i: s["parts"][stage] for i, s in enumerate(specs) if s["parts"][stage] > 0}
        if wanted:
            result = story.deliver(order, wanted)
            assert result.invoice is not None, "PER_DELIVERY makes an invoice for every delivery"
            made.append(result.invoice.id)

    order, bills, sql_total = reload(story.uow, order.id)
    assert order.status == "delivered"
    assert sorted(b.id for b in bills) == sorted(made)
    assert len({b.delivery_id for b in bills}) == len(made)
    for line, spec in zip(order.lines, specs):
        expected = line_amounts(sum(spec["parts"]), spec["price"], spec["disc"], spec["rate"], currency)
        assert (line.subtotal, line.discount_amount, line.net_amount, line.tax_amount, line.total) == (
            expected.gross,
            expected.discount,
            expected.net,
            expected.tax,
            expected.total,
        )
        assert line.invoiced_quantity == line.delivered_quantity == line.quantity
        billed = [bl for b in bills for bl in b.lines if bl.order_line_id == line.id]
        assert len(billed) == sum(1 for p in spec["parts"] if p > 0)
        for name in ("quantity", "subtotal", "discount_amount", "net_amount", "tax_amount", "total"):
            assert sum((getattr(bl, name) for bl in billed), D(0)) == getattr(line, name), name
    for name in DOC_DECIMALS:
        assert sum((getattr(b, name) for b in bills), D(0)) == getattr(order, name), name
    assert order.total == order.subtotal - order.discount_total + order.tax_total
    assert type(sql_total) is Decimal and sql_total == order.total


def test_decimals_survive_a_round_trip_exactly(story, engine):
    order = story.order(
        ("0.1", "0.1"),
        ("0.000001", "123456789.123456"),
        ("3", "0.335", "12.5", "19"),
        ("999999.999999", "0.000001", "33.333333", "7.654321"),
    )
    again = read(story.uow, lambda u: u.orders.get(order.id))
    for before, after in zip(order.lines, again.lines):
        for name in ORDER_LINE_DECIMALS:
            value = getattr(after, name)
            assert type(value) is Decimal, name
            assert value == getattr(before, name), name
    for name in DOC_DECIMALS:
        assert type(getattr(again, name)) is Decimal and getattr(again, name) == getattr(order, name)
    first, tiny = again.lines[0], again.lines[1]
    assert (first.quantity, first.unit_price, first.subtotal) == (D("0.1"), D("0.1"), D("0.01"))
    assert (tiny.quantity, tiny.unit_price, tiny.subtotal) == (D("0.000001"), D("123456789.123456"), D("123.46"))
    assert again.lines[3].discount_percent == D("33.333333") and again.lines[3].tax_rate == D("7.654321")

    # What the database itself holds is never a binary float: a scaled integer on SQLite, NUMERIC on PostgreSQL.
    with engine.connect() as conn:
        raw = conn.exec_driver_sql(
            f"SELECT quantity, unit_price, subtotal FROM order_lines WHERE id = {first.id}"
        ).one()
    if engine.dialect.name == "sqlite":
        assert tuple(raw) == (100_000, 100_000, 100)  # 0.1 at 6 decimals, 0.01 at 4
    else:
        assert all(type(v) is Decimal for v in raw)
        assert tuple(raw) == (D("0.1"), D("0.1"), D("0.01"))


def test_irr_amounts_keep_no_decimals_and_round_trip(story, actor):
    inv = story.issued_invoice(("1", "12345.5", "0", "9"), currency="IRR")
    assert (inv.subtotal, inv.tax_total, inv.total) == (D("12346"), D("1111"), D("13457"))
    with pytest.raises(DomainError) as err:
        invoices.record_payment(story.uow, inv.id, "0.5", actor=actor)
    assert err.value.code == ErrorCode.VALIDATION
    invoices.record_payment(story.uow, inv.id, "1000", actor=actor)
    again, payment = read(story.uow, lambda u: (u.invoices.get(inv.id), u.payments.find(invoice_id=inv.id)[0]))
    assert type(again.total) is Decimal and again.total == D("13457")
    assert type(again.amount_paid) is Decimal and again.amount_paid == D("1000")
    assert again.amount_due == D("12457")
    assert type(payment.amount) is Decimal and payment.amount == D("1000")
    assert again.status == "partially_paid"


def test_kwd_amounts_keep_three_decimals_and_round_trip(story, actor):
    inv = story.issued_invoice(("1", "1.2345"), ("3", "0.0005", "0", "5"), currency="KWD")
    assert (inv.subtotal, inv.total) == (D("1.237"), D("1.237"))
    invoices.record_payment(story.uow, inv.id, "0.001", actor=actor)
    again = read(story.uow, lambda u: u.invoices.get(inv.id))
    assert [ln.subtotal for ln in again.lines] == [D("1.235"), D("0.002")]
    assert all(type(ln.total) is Decimal for ln in again.lines)
    assert again.total == D("1.237") and again.amount_paid == D("0.001") and again.amount_due == D("1.236")


def test_a_sql_sum_over_a_money_column_is_exact(story, engine):
    order = story.order(*[("0.1", "1")] * 10)  # ten lines of 0.10; as floats they sum to 0.9999999999999999
    with engine.connect() as conn:
        money, qty = conn.execute(
            select(func.sum(t.order_lines.c.subtotal), func.sum(t.order_lines.c.quantity)).where(
                t.order_lines.c.order_id == order.id
            )
        ).one()
        raw = conn.exec_driver_sql(f"SELECT SUM(subtotal) FROM order_lines WHERE order_id = {order.id}").scalar()
    assert type(money) is Decimal and money == D("1.00") == order.subtotal
    assert type(qty) is Decimal and qty == D("1")
    assert not isinstance(raw, float)
    assert raw == (10_000 if engine.dialect.name == "sqlite" else D("1.00"))


def test_the_store_refuses_an_amount_it_cannot_hold_exactly(story):
    order = story.order(("1", "10"))
    with story.uow as uow:
        line = uow.orders.get(order.id).lines[0]
        line.subtotal = D("10.00001")  # money columns keep four decimals
        with pytest.raises(StatementError) as err:
            uow.flush()
    assert "more than 4 decimals" in str(err.value)
    assert read(story.uow, lambda u: u.orders.get(order.id).lines[0].subtotal) == D("10.00")
