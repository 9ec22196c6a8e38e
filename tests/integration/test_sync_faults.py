"""Faults over 1,000 invoices: three real backends at once (a webhook receiver, the fake Odoo, a
beancount ledger) go down, time out, answer 500 and lose answers, and the worker is killed between
a backend's answer and its acknowledgement, and between applying payments and saving the cursor.

In the end not one invoice is lost and not one is duplicated in any backend, and every payment
made in Odoo or typed into the ledger is applied exactly once. `SALESFLOW_FAULT_INVOICES` changes
the count (default 1,000).
"""

from __future__ import annotations

import os
import random
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from support import issue_invoices, job_statuses

from salesflow.adapters.odoo import OdooBackend
from salesflow.adapters.odoo.fake import FakeOdoo
from salesflow.adapters.sql import SqlUnitOfWork
from salesflow.adapters.webhook import WebhookBackend
from salesflow.adapters.webhook.receiver import Receiver
from salesflow.domain.sync import RetryPolicy
from salesflow.statemachine import accounting

beancount = pytest.importorskip("beancount", reason="the beancount extra is not installed")
from beancount import loader  # noqa: E402
from beancount.core import data  # noqa: E402

from salesflow.adapters.beancount import BeancountBackend  # noqa: E402
from salesflow.adapters.beancount.naming import invoice_link  # noqa: E402

N = int(os.environ.get("SALESFLOW_FAULT_INVOICES", "1000"))
SECRET = "fault-test-secret-0123"
BOOKS = 'option "operating_currency" "EUR"\n2020-01-01 open Assets:Bank\n'


class Killed(BaseException):
    """The worker process dying: not an Exception, so nothing in the worker catches it."""


class Chaos:
    """Seeded faults, chosen afresh before every pass of the worker."""

    def __init__(self, rng: random.Random, receiver: Receiver, odoo: FakeOdoo, monkeypatch):
        self.rng, self.receiver, self.odoo = rng, receiver, odoo
        self.kills = {"after the backend answered": 0, "before the payments cursor was saved": 0}
        self.faults: dict[str, int] = {}
        settle, save = accounting.settle, accounting.save_payments_cursor

        def settle_or_die(uow, job_id, claim, *, external_ref=None, error=None, **kw):
            if error is None and self.rng.random() < 0.03:
                self.kills["after the backend answered"] += 1
                raise Killed("killed between the backend's answer and the acknowledgement")
            return settle(uow, job_id, claim, external_ref=external_ref, error=error, **kw)

        def save_or_die(uow, backend, cursor, **kw):
            if self.rng.random() < 0.3:
                self.kills["before the payments cursor was saved"] += 1
                raise Killed("killed after applying payments, before saving the cursor")
            return save(uow, backend, cursor, **kw)

        monkeypatch.setattr(accounting, "settle", settle_or_die)
        monkeypatch.setattr(accounting, "save_payments_cursor", save_or_die)

    def before_pass(self) -> None:
        rng, receiver, odoo = self.rng, self.receiver, self.odoo
        receiver.up()
        odoo.up()
        webhook = [
            ("webhook down", receiver.down),
            ("webhook 5xx/429", lambda: receiver.fail_next(rng.randint(1, 20), rng.choice([500, 502, 503, 429]))),
            ("webhook timeout", lambda: receiver.slow_next(rng.randint(1, 3), 0.4)),
            ("webhook answer lost", lambda: receiver.lose_next_answer(rng.randint(1, 5))),
        ]
        odoo_faults = [
            ("odoo down", odoo.down),
            ("odoo 503", lambda: odoo.down(503)),
            ("odoo 500", lambda: odoo.fail_next(rng.randint(1, 20), 500)),
            (
                "odoo answer lost",
                lambda: [odoo.lose_next_answer(mode=rng.choice(["drop", "500"])) for _ in range(rng.randint(1, 4))],
            ),
        ]
        for faults in (webhook, odoo_faults):
            if rng.random() < 0.5:  # half the passes go by without a fault here
                name, fault = rng.choice(faults)
                fault()
                self.faults[name] = self.faults.get(name, 0) + 1


def _run_until(engine, backends, chaos, clock, done, *, passes: int = 400) -> int:
    """Worker passes, each after new faults, a worker started afresh after each kill; returns passes."""
    policy = RetryPolicy(max_attempts=40, base_seconds=1, cap_seconds=600)
    for n in range(1, passes + 1):
        chaos.before_pass()
        worker = accounting.SyncWorker(
            lambda: SqlUnitOfWork(engine),
            backends,
            policy=policy,
            clock=lambda: clock[0],
            jitter=chaos.rng.random,
            batch=200,
        )
        try:
            worker.run_once()
        except Killed:
            pass
        clock[0] += timedelta(minutes=15)  # every backoff has run out by the next pass
        if done():
            return n
    raise AssertionError(f"not done after {passes} passes: jobs {job_statuses(engine)}")


def test_a_thousand_invoices_through_faults_arrive_once_and_every_payment_applies_once(
    engine, actor, tmp_path, monkeypatch
):
    uow = SqlUnitOfWork(engine)
    issued = issue_invoices(uow, actor, N)
    numbers = [inv.number for inv in issued]
    assert len(set(numbers)) == N and issued[0].total == Decimal("53.68")
    ledger = tmp_path / "books.beancount"
    ledger.write_text(BOOKS)
    rng = random.Random(20261123)
    with Receiver(SECRET, keep_bodies=False) as receiver, FakeOdoo() as odoo:
        backends = [
            WebhookBackend(receiver.url, SECRET, timeout=0.25),
            OdooBackend(odoo.url, odoo.db, odoo.api_key, timeout=0.5, settle_seconds=0),
            BeancountBackend(ledger),
        ]
        chaos = Chaos(rng, receiver, odoo, monkeypatch)
        clock = [datetime.now(UTC)]
        passes = _run_until(engine, backends, chaos, clock, lambda: job_statuses(engine) == {"done": 3 * N})

        # -- delivered: once each, in every backend -----------------------------------------------------
        assert all(receiver.count("invoice.issued", number) == 1 for number in numbers)
        assert len(receiver.processed) == N and receiver.rejected == []
        moves = odoo.moves()
        assert sorted(m["ref"] for m in moves) == sorted(numbers)
        assert {m["state"] for m in moves} == {"posted"} and {m["amount_total"] for m in moves} == {Decimal("53.68")}
        entries, errors, _ = loader.load_file(str(ledger))
        assert errors == []
        booked = [
            e.meta["invoice"]
            for e in entries
            if isinstance(e, data.Transaction) and "invoice" in e.meta and "voids" not in e.meta
        ]
        assert sorted(booked) == sorted(numbers)
        if shutil.which("bean-check"):
            check = subprocess.run(["bean-check", str(ledger)], capture_output=True, text=True, timeout=300)
            assert check.returncode == 0, check.stdout + check.stderr

        # -- payments: some in Odoo (in one or two parts), some typed into the ledger ----------------------
        expected: dict[str, Decimal] = {}
        by_hand = []
        for i, number in enumerate(numbers):
            if i % 10 == 0:  # an accountant types the transfer into the books
                by_hand.append(
                    f'\n2026-12-01 * "Customer" "Transfer" ^{invoice_link(number)}\n'
                    f"  Assets:Bank  20.00 EUR\n  Assets:Receivable  -20.00 EUR\n"
                )
                expected[number] = Decimal("20.00")
            elif i % 3 == 0:
                odoo.pay(number, "53.68")
                expected[number] = Decimal("53.68")
            elif i % 3 == 1:
                odoo.pay(number, "10.00")
                odoo.pay(number, "13.67")
                expected[number] = Decimal("23.67")
        with ledger.open("a") as books:
            books.write("".join(by_hand))

        def all_paid() -> bool:
            check = SqlUnitOfWork(engine)
            with check:
                return sum(inv.amount_paid for inv in check.invoices.find()) == sum(expected.values())

        passes += _run_until(engine, backends, chaos, clock, all_paid)
        for _ in range(3):  # and nothing more arrives however often it is read again
            chaos.before_pass()
            try:  # Odoo's statements of unpaid invoices may still move the cursor, and a kill may hit its save
                accounting.SyncWorker(lambda: SqlUnitOfWork(engine), backends, clock=lambda: clock[0]).pull(backends[1])
            except Killed:
                pass

    check = SqlUnitOfWork(engine)
    with check:
        paid = {inv.number: inv.amount_paid for inv in check.invoices.find()}
        payments = check.payments.find()
        assert check.rejected_payments.find() == []
    assert {n: a for n, a in paid.items() if a} == expected
    assert all(paid[n] == Decimal("0.00") for n in numbers if n not in expected)
    assert len({(p.source, p.external_id) for p in payments}) == len(payments)
    assert chaos.kills["after the backend answered"] >= N // 100 and len(chaos.faults) >= 6, (chaos.kills, chaos.faults)
    assert chaos.kills["before the payments cursor was saved"] >= 1
    print(f"\n{N} invoices, {passes} passes, kills {chaos.kills}, faults {chaos.faults}")
