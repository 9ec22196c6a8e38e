"""Payments pulled from a backend: applied exactly once each, whatever is read twice, and refused
with a coded error (kept, never applied) when they do not fit the invoice."""

from __future__ import annotations

import threading
from datetime import date
from decimal import Decimal

import pytest

from salesflow.adapters.sql import SqlUnitOfWork
from salesflow.domain.accounting import BackendError, Capabilities, ExternalPayment, Health, PaymentPage
from salesflow.statemachine import accounting


class Bank:
    """A backend whose users enter payments; the cursor is a position in their list, as a text."""

    capabilities = Capabilities(can_void=False, pulls_payments=True)

    def __init__(self, name="bank", page_size=2):
        self.name, self.page_size = name, page_size
        self.payments: list[ExternalPayment] = []
        self.down = False
        self.reads = 0

    def pay(self, number, amount, currency="EUR", *, cumulative=False, external_id=None):
        self.payments.append(
            ExternalPayment(
                external_id=external_id or f"p{len(self.payments) + 1}",
                invoice_number=number,
                amount=Decimal(amount),
                currency=currency,
                paid_at=date(2026, 12, 1),
                reference="SEPA",
                cumulative=cumulative,
            )
        )

    def push_invoice(self, invoice, customer, *, idempotency_key):
        return invoice.number

    def fetch_payments(self, cursor):
        self.reads += 1
        if self.down:
            raise BackendError("bank unreachable")
        start = int(cursor or 0)
        page = self.payments[start : start + self.page_size]
        return PaymentPage(page, str(start + len(page)))

    def health(self):
        return Health(not self.down)


def _worker(uow, *backends):
    return accounting.SyncWorker(lambda: uow, list(backends), jitter=lambda: 0.0)


def _invoice(uow, invoice_id):
    with uow:
        return uow.invoices.get(invoice_id)


def _payments(uow, invoice_id):
    with uow:
        return sorted((p.source, p.external_id, p.amount) for p in uow.payments.find(invoice_id=invoice_id))


def test_pulled_payments_move_the_invoice_to_partially_paid_then_paid_once_each(story, uow):
    issued = story.issued_invoice()  # 237.88 EUR
    bank = Bank()
    bank.pay(issued.number, "100.00")
    worker = _worker(uow, bank)
    worker.pull(bank)
    assert _invoice(uow, issued.id).status == "partially_paid"
    bank.pay(issued.number, "137.88")
    counts = worker.pull(bank)
    assert counts == {"applied": 1, "duplicate": 0, "rejected": 0, "reversed": 0}
    paid = _invoice(uow, issued.id)
    assert (paid.status, paid.amount_paid, paid.amount_due) == ("paid", Decimal("237.88"), Decimal("0.00"))
    assert _payments(uow, issued.id) == [("bank", "p1", Decimal("100.00")), ("bank", "p2", Decimal("137.88"))]
    with uow:
        (cursor,) = uow.sync_cursors.find(backend="bank")
    assert cursor.payments_cursor == "2"


def test_a_crash_before_the_cursor_is_saved_reads_the_page_again_and_applies_nothing_twice(story, uow, monkeypatch):
    issued = story.issued_invoice()
    bank = Bank(page_size=3)
    for amount in ("10.00", "20.00", "30.00"):
        bank.pay(issued.number, amount)
    worker = _worker(uow, bank)

    def die(*args, **kwargs):
        raise KeyboardInterrupt("killed before the cursor was saved")

    real = accounting.save_payments_cursor
    monkeypatch.setattr(accounting, "save_payments_cursor", die)
    with pytest.raises(KeyboardInterrupt):
        worker.pull(bank)
    monkeypatch.setattr(accounting, "save_payments_cursor", real)
    assert worker.pull(bank) == {"applied": 0, "duplicate": 3, "rejected": 0, "reversed": 0}
    assert _invoice(uow, issued.id).amount_paid == Decimal("60.00")
    assert len(_payments(uow, issued.id)) == 3


def test_payments_that_do_not_fit_are_refused_with_their_code_and_kept_once(story, uow):
    issued = story.issued_invoice()
    bank = Bank(page_size=10)
    bank.pay("INV/1999/00042", "5.00")
    bank.pay(issued.number, "500.00")
    bank.pay(issued.number, "5.00", currency="USD")
    bank.pay(issued.number, "-5.00")
    bank.pay(issued.number, "5.00")
    worker = _worker(uow, bank)
    assert worker.pull(bank) == {"applied": 1, "duplicate": 0, "rejected": 4, "reversed": 0}
    assert _invoice(uow, issued.id).amount_paid == Decimal("5.00")
    with uow:
        rejected = sorted((r.external_id, r.code) for r in uow.rejected_payments.find())
    assert rejected == [("p1", "NOT_FOUND"), ("p2", "OVER_PAYMENT"), ("p3", "CURRENCY_MISMATCH"), ("p4", "VALIDATION")]
    with uow:
        uow.sync_cursors.find(backend="bank")[0].payments_cursor = None
        uow.commit()
    assert worker.pull(bank) == {"applied": 0, "duplicate": 1, "rejected": 4, "reversed": 0}
    with uow:
        assert len(uow.rejected_payments.find()) == 4


def test_running_totals_apply_the_difference(story, uow):
    issued = story.issued_invoice()
    bank = Bank()
    bank.pay(issued.number, "40.00", cumulative=True, external_id="m1@40.00")
    bank.pay(issued.number, "40.00", cumulative=True, external_id="m1@40.00-again")  # a re-read of the same state
    bank.pay(issued.number, "100.25", cumulative=True, external_id="m1@100.25")
    _worker(uow, bank).pull(bank)
    assert sorted(amount for _s, _e, amount in _payments(uow, issued.id)) == [Decimal("40.00"), Decimal("60.25")]


def test_an_unreachable_backend_keeps_its_cursor(story, uow):
    issued = story.issued_invoice()
    bank = Bank()
    bank.pay(issued.number, "10.00")
    bank.down = True
    worker = _worker(uow, bank)
    assert worker.pull(bank) == {"applied": 0, "duplicate": 0, "rejected": 0, "reversed": 0}
    bank.down = False
    assert worker.pull(bank)["applied"] == 1


def test_each_backend_has_its_own_cursor_and_the_same_id_in_two_backends_is_two_payments(story, uow):
    issued = story.issued_invoice()
    one, two = Bank("one"), Bank("two")
    one.pay(issued.number, "10.00")
    two.pay(issued.number, "15.00")
    worker = _worker(uow, one, two)
    worker.run_once()
    assert _payments(uow, issued.id) == [("one", "p1", Decimal("10.00")), ("two", "p1", Decimal("15.00"))]


def test_two_workers_pulling_the_same_page_at_once_apply_each_payment_once(story, engine):
    invoices = [story.issued_invoice() for _ in range(3)]
    bank = Bank(page_size=50)
    for n in range(30):
        bank.pay(invoices[n % 3].number, "1.00")
    barrier = threading.Barrier(4)
    results = []

    def pull():
        worker = accounting.SyncWorker(lambda: SqlUnitOfWork(engine), [bank])
        barrier.wait()
        results.append(worker.pull(bank))

    threads = [threading.Thread(target=pull) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r["applied"] for r in results) == 30
    uow = SqlUnitOfWork(engine)
    assert [_invoice(uow, i.id).amount_paid for i in invoices] == [Decimal("10.00")] * 3
