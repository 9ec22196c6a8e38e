"""An accountant corrects the books: payments edited in place, deleted, reversed, moved to another
file in the beancount ledger, cancelled or unreconciled in Odoo. After every sync the invoice's
amount paid equals the backend's, nothing applies twice, and a reversal is a record in its history."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest
from support import issue_invoices, job_statuses

from salesflow.adapters.odoo import OdooBackend
from salesflow.adapters.odoo.fake import FakeOdoo
from salesflow.adapters.sql import SqlUnitOfWork
from salesflow.statemachine import accounting

pytest.importorskip("beancount", reason="the beancount extra is not installed")
from salesflow.adapters.beancount import BeancountBackend  # noqa: E402
from salesflow.adapters.beancount.naming import invoice_link  # noqa: E402

BOOKS = 'option "operating_currency" "EUR"\n2020-01-01 open Assets:Bank\n'
NOW = datetime(2026, 12, 20, 9, 0, tzinfo=UTC)


def transfer(number: str, amount: str, day: int = 1, narration: str = "Transfer") -> str:
    return (
        f'\n2026-12-{day:02d} * "Customer" "{narration}" ^{invoice_link(number)}\n'
        f"  Assets:Bank  {amount} EUR\n  Assets:Receivable  -{amount} EUR\n"
    )


def reversing(number: str, amount: str, day: int = 15, narration: str = "Reversal: transfer bounced") -> str:
    return (
        f'\n2026-12-{day:02d} * "Customer" "{narration}" ^{invoice_link(number)}\n'
        f"  Assets:Bank  -{amount} EUR\n  Assets:Receivable  {amount} EUR\n"
    )


def delivered(engine, worker, invoices: int) -> None:
    """Pass until every invoice reached the backends. On PostgreSQL the outbox shows only
    transactions older than every running one, cluster-wide: another database's long
    transaction can hold a fresh entry back for a moment."""
    for _ in range(100):
        worker.run_pass()
        if job_statuses(engine) == {"done": invoices}:
            return
        time.sleep(0.1)
    raise AssertionError(f"not delivered: {job_statuses(engine)}")


class Books:
    """A ledger an accountant keeps, salesflow's beancount backend on it, and a worker syncing both."""

    def __init__(self, engine, actor, folder: Path, invoices: int = 1):
        self.engine, self.uow = engine, SqlUnitOfWork(engine)
        self.invoices = issue_invoices(self.uow, actor, invoices)
        self.main = folder / "books.beancount"
        self.main.write_text(BOOKS)
        self.backend = BeancountBackend(self.main, recheck_seconds=0)
        self.worker = accounting.SyncWorker(lambda: SqlUnitOfWork(engine), [self.backend], clock=lambda: NOW)
        delivered(engine, self.worker, invoices)  # the invoices reach the ledger, which now includes salesflow's files
        self.header = self.main.read_text()

    def sync(self) -> dict:
        return self.worker.run_pass()["beancount"].payments

    def type(self, text: str) -> None:
        with self.main.open("a") as out:
            out.write(text)

    def invoice(self, index: int = 0):
        with self.uow:
            return self.uow.invoices.get(self.invoices[index].id)

    def payments(self, index: int = 0) -> list[tuple[Decimal, bool]]:
        with self.uow:
            found = self.uow.payments.find(invoice_id=self.invoices[index].id, order_by="id")
            return [(p.amount, p.reversed) for p in found]

    def history(self, index: int = 0) -> list[tuple[str, str, str | None]]:
        with self.uow:
            found = self.uow.activities.find(
                document_type="invoice", document_id=self.invoices[index].id, order_by="id"
            )
            return [(a.trigger, a.to_state, a.reason) for a in found][2:]  # after create and issue


@pytest.fixture
def books(engine, actor, tmp_path):
    return Books(engine, actor, tmp_path)


def test_a_payment_corrected_in_place_replaces_the_one_it_corrects(books):
    number = books.invoices[0].number
    books.type(transfer(number, "10.00"))
    books.sync()
    books.main.write_text(books.main.read_text().replace("10.00", "12.00"))  # the accountant fixes a typo
    assert books.sync() == {"applied": 1, "duplicate": 0, "rejected": 0, "reversed": 1}
    assert books.invoice().amount_paid == Decimal("12.00")
    assert books.payments() == [(Decimal("10.00"), True), (Decimal("12.00"), False)]
    assert [t for t, _s, _r in books.history()] == ["pay", "reverse_payment", "pay"]
    assert books.sync() == {"applied": 0, "duplicate": 0, "rejected": 0, "reversed": 0}


def test_a_reversing_entry_reverses_its_payment_and_says_why(books):
    number = books.invoices[0].number
    books.type(transfer(number, "10.00", day=1) + transfer(number, "3.00", day=2))
    books.sync()
    books.type(reversing(number, "10.00"))
    books.sync()
    invoice = books.invoice()
    assert (invoice.amount_paid, invoice.status) == (Decimal("3.00"), "partially_paid")
    trigger, status, reason = books.history()[-1]
    assert (trigger, status) == ("reverse_payment", "partially_paid") and "transfer bounced" in reason
    with books.uow:
        (reversal,) = books.uow.payment_reversals.find()
    assert (reversal.amount, reversal.source, reversal.reason) == (
        Decimal("10.00"),
        "beancount",
        "Reversal: transfer bounced",
    )
    books.type(reversing(number, "3.00", day=16))
    books.sync()
    assert (books.invoice().amount_paid, books.invoice().status) == (Decimal("0.00"), "issued")


def test_a_deleted_payment_is_reversed_and_the_invoice_is_issued_again(books):
    number = books.invoices[0].number
    books.type(transfer(number, "53.68"))
    books.sync()
    assert books.invoice().status == "paid"
    books.main.write_text(books.header)  # the accountant deletes the transaction
    books.sync()
    assert (books.invoice().amount_paid, books.invoice().status) == (Decimal("0.00"), "issued")
    assert books.payments() == [(Decimal("53.68"), True)]
    books.type(transfer(number, "53.68"))  # and types it again
    books.sync()
    assert (books.invoice().amount_paid, books.invoice().status) == (Decimal("53.68"), "paid")


def test_a_payment_moved_to_another_file_is_the_same_payment(books):
    number = books.invoices[0].number
    books.type(transfer(number, "10.00"))
    books.sync()
    (books.main.parent / "2026-12.beancount").write_text(transfer(number, "10.00"))
    books.main.write_text(books.header + 'include "2026-12.beancount"\n')
    assert books.sync() == {"applied": 0, "duplicate": 0, "rejected": 0, "reversed": 0}
    assert books.payments() == [(Decimal("10.00"), False)]


def test_one_payment_no_amount_can_be_is_refused_and_the_ones_after_it_still_apply(engine, actor, tmp_path):
    books = Books(engine, actor, tmp_path, invoices=2)
    first, second = (inv.number for inv in books.invoices)
    books.type(transfer(first, "100000000000000000000.00") + transfer(second, "20.00", day=2))
    assert books.sync()["rejected"] == 1
    assert (books.invoice(0).amount_paid, books.invoice(1).amount_paid) == (Decimal("0.00"), Decimal("20.00"))
    with books.uow:
        (rejected,) = books.uow.rejected_payments.find()
    assert (rejected.code, rejected.amount, rejected.reported_amount) == (
        "VALIDATION",
        None,
        "100000000000000000000.00",
    )
    books.main.write_text(books.main.read_text().replace("100000000000000000000.00", "1.00"))  # corrected
    books.sync()
    assert books.invoice(0).amount_paid == Decimal("1.00")


def _ledger_totals(model: dict[str, list[list]]) -> dict[str, Decimal]:
    return {n: sum((Decimal(a) * sign for a, sign, _day in entries), Decimal(0)) for n, entries in model.items()}


def test_an_accountant_editing_the_books_at_random_never_makes_them_drift(engine, actor, tmp_path, monkeypatch):
    """Forty invoices, eight rounds of an accountant's edits (new transfers, amounts changed,
    transactions deleted, reversing entries, transactions moved between files) with the worker
    killed before it saves its cursor now and then: after every round each invoice's amount paid
    is the ledger's, and no payment stands twice."""
    books = Books(engine, actor, tmp_path, invoices=40)
    rng = random.Random(20261220)
    numbers = [inv.number for inv in books.invoices]
    model: dict[str, list[list]] = {n: [] for n in numbers}  # number -> [amount text, sign, day]
    files = [books.main.parent / f"part{i}.beancount" for i in range(3)]
    save = accounting.save_payments_cursor

    def flaky_save(*args, **kwargs):
        if rng.random() < 0.25:
            raise KeyboardInterrupt("killed before the cursor was saved")
        return save(*args, **kwargs)

    monkeypatch.setattr(accounting, "save_payments_cursor", flaky_save)

    def write() -> None:
        parts = [[] for _ in files]
        for number, entries in model.items():
            for amount, sign, day in entries:
                text = transfer(number, amount, day) if sign > 0 else reversing(number, amount, day)
                parts[rng.randrange(len(files))].append(text)  # the accountant files them anywhere
        for path, texts in zip(files, parts):
            path.write_text("".join(texts))
        books.main.write_text(books.header + "".join(f'include "{p.name}"\n' for p in files))

    for _round in range(8):
        for number in rng.sample(numbers, 12):
            entries, total = model[number], _ledger_totals({number: model[number]})[number]
            move = rng.choice(["pay", "pay", "edit", "delete", "reverse"])
            payments = [e for e in entries if e[1] > 0]
            reversed_amounts = [e[0] for e in entries if e[1] < 0]
            if move == "pay" and total + Decimal("5.00") <= Decimal("53.68"):
                entries.append([f"{rng.randint(1, 500) / 100:.2f}", 1, rng.randint(1, 10)])
            elif move == "edit" and payments:
                target = rng.choice(payments)
                if target[0] not in reversed_amounts:
                    target[0] = f"{Decimal(target[0]) + Decimal('0.50'):.2f}"
            elif move == "delete" and entries:
                entries.remove(rng.choice(entries))
            elif move == "reverse" and payments:
                target = rng.choice(payments)
                entries.append([target[0], -1, 20])
            if (
                _ledger_totals({number: entries})[number] > Decimal("53.68")
                or _ledger_totals({number: entries})[number] < 0
            ):
                entries.clear()  # the accountant thinks again
        write()
        for _ in range(10):
            try:
                books.sync()
                break
            except KeyboardInterrupt:
                continue
        books.sync()
        expected = _ledger_totals(model)
        with books.uow:
            paid = {inv.number: inv.amount_paid for inv in books.uow.invoices.find()}
            standing = [(p.source, p.external_id) for p in books.uow.payments.find() if not p.reversed]
            rejected = books.uow.rejected_payments.find()
        assert paid == expected, f"round {_round}"
        assert len(standing) == len(set(standing))
        assert rejected == []


# -- Odoo --------------------------------------------------------------------------------------------------------


@pytest.fixture
def odoo():
    with FakeOdoo() as server:
        yield server


def _odoo_worker(engine, odoo):
    backend = OdooBackend(odoo.url, odoo.db, odoo.api_key, settle_seconds=0, clock=lambda: NOW)
    return accounting.SyncWorker(lambda: SqlUnitOfWork(engine), [backend], clock=lambda: NOW)


def _paid(engine, invoice) -> tuple[Decimal, str]:
    uow = SqlUnitOfWork(engine)
    with uow:
        found = uow.invoices.get(invoice.id)
        return found.amount_paid, found.status


def test_a_payment_unreconciled_or_cancelled_in_odoo_comes_back_as_a_reversal(engine, actor, odoo):
    (invoice,) = issue_invoices(SqlUnitOfWork(engine), actor, 1)
    worker = _odoo_worker(engine, odoo)
    delivered(engine, worker, 1)
    first = odoo.pay(invoice.number, "20.00")
    second = odoo.pay(invoice.number, "33.68")
    worker.run_pass()
    assert _paid(engine, invoice) == (Decimal("53.68"), "paid")
    odoo.unreconcile(second)  # the accountant takes the payment off the invoice
    worker.run_pass()
    assert _paid(engine, invoice) == (Decimal("20.00"), "partially_paid")
    odoo.cancel_payment(first)
    worker.run_pass()
    assert _paid(engine, invoice) == (Decimal("0.00"), "issued")
    odoo.pay(invoice.number, "53.68")
    worker.run_pass()
    worker.run_pass()
    assert _paid(engine, invoice) == (Decimal("53.68"), "paid")


def test_odoo_payments_changed_at_random_never_drift(engine, actor, odoo):
    invoices = issue_invoices(SqlUnitOfWork(engine), actor, 15)
    worker = _odoo_worker(engine, odoo)
    delivered(engine, worker, len(invoices))
    rng = random.Random(7)
    live: dict[str, list[int]] = {inv.number: [] for inv in invoices}
    for _round in range(6):
        for number in rng.sample(list(live), 6):
            residual = odoo.moves(number)[0]["amount_residual"]
            if live[number] and rng.random() < 0.5:
                payment = live[number].pop(rng.randrange(len(live[number])))
                (odoo.unreconcile if rng.random() < 0.5 else odoo.cancel_payment)(payment)
            elif residual > 0:
                live[number].append(odoo.pay(number, min(residual, Decimal(rng.randint(100, 3000)) / 100)))
        worker.run_pass()
        for inv in invoices:
            move = odoo.moves(inv.number)[0]
            assert _paid(engine, inv)[0] == move["amount_total"] - move["amount_residual"], f"round {_round}"
