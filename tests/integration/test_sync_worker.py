"""The sync worker delivers the outbox to each backend: once per invoice, retried with backoff,
dead-lettered after too many failures, and never duplicated when it dies mid-way."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from salesflow.adapters.local import LocalBackend
from salesflow.domain.accounting import BackendError, Capabilities, Health, PaymentPage
from salesflow.domain.sync import RetryPolicy
from salesflow.statemachine import accounting
from salesflow.statemachine import invoice as invoices


class Ledger:
    """A backend for the worker's tests: it keeps what it was sent, keyed by idempotency key (as a
    real backend must), and fails on cue."""

    capabilities = Capabilities(can_void=True, pulls_payments=False)

    def __init__(self, name: str = "ledger"):
        self.name = name
        self.records: dict[str, str] = {}  # idempotency key -> invoice number
        self.calls = 0
        self.failures: list[BackendError] = []

    def push_invoice(self, invoice, customer, *, idempotency_key):
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        self.records.setdefault(idempotency_key, invoice.number)
        return f"{self.name}:{invoice.number}"

    def void_invoice(self, invoice, external_ref, *, idempotency_key):
        self.calls += 1
        self.records.setdefault(idempotency_key, f"void {external_ref}")

    def fetch_payments(self, cursor):
        return PaymentPage([], cursor)

    def health(self):
        return Health(True)


class Clock:
    def __init__(self):
        self.now = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

    def __call__(self):
        return self.now


def _worker(uow, backends, clock, policy=RetryPolicy(max_attempts=3, base_seconds=10)):
    return accounting.SyncWorker(lambda: uow, backends, policy=policy, clock=clock, jitter=lambda: 0.0)


def _jobs(uow):
    with uow:
        return [(j.backend, j.operation, j.status, j.attempts) for j in uow.sync_jobs.find(order_by="id")]


def test_each_issued_invoice_reaches_every_backend_once(story, uow):
    first, second = story.issued_invoice(), story.issued_invoice()
    ledger, clock = Ledger(), Clock()
    worker = _worker(uow, [ledger, LocalBackend()], clock)
    assert worker.run_once() == {"ledger": 2, "local": 2}
    assert sorted(ledger.records.values()) == sorted([first.number, second.number])
    assert worker.run_once() == {"ledger": 0, "local": 0} and ledger.calls == 2
    assert {status for _b, _o, status, _a in _jobs(uow)} == {"done"}


def test_a_failing_backend_is_retried_with_backoff_then_succeeds(story, uow):
    story.issued_invoice()
    ledger, clock = Ledger(), Clock()
    ledger.failures = [BackendError("503 from the ledger")]
    worker = _worker(uow, [ledger], clock)
    assert worker.run_once() == {"ledger": 0}
    with uow:
        job = uow.sync_jobs.find()[0]
    assert job.status == "pending" and job.attempts == 1 and "503" in job.last_error
    assert job.next_attempt_at == clock.now + timedelta(seconds=5)  # base 10 s, jitter 0 → half of it
    assert worker.run_once() == {"ledger": 0} and ledger.calls == 1  # not due yet
    clock.now += timedelta(seconds=6)
    assert worker.run_once() == {"ledger": 1} and len(ledger.records) == 1


def test_after_max_attempts_the_job_is_dead_lettered_and_can_be_retried(story, uow, actor):
    issued = story.issued_invoice()
    ledger, clock = Ledger(), Clock()
    ledger.failures = [BackendError("down")] * 3
    worker = _worker(uow, [ledger], clock)
    for _ in range(4):
        worker.run_once()
        clock.now += timedelta(hours=1)
    assert _jobs(uow) == [("ledger", "push", "dead", 3)] and ledger.records == {}
    accounting.retry(uow, issued.id, actor=actor, now=clock())
    assert worker.run_once() == {"ledger": 1} and list(ledger.records.values()) == [issued.number]


def test_a_permanent_error_dead_letters_at_once(story, uow):
    story.issued_invoice()
    ledger = Ledger()
    ledger.failures = [BackendError("invoice refused: unknown tax code", transient=False)]
    _worker(uow, [ledger], Clock()).run_once()
    assert _jobs(uow) == [("ledger", "push", "dead", 1)]


def test_a_worker_that_dies_between_push_and_settlement_does_not_duplicate(story, uow, monkeypatch):
    issued = story.issued_invoice()
    ledger, clock = Ledger(), Clock()
    worker = _worker(uow, [ledger], clock)
    real_settle = accounting.settle

    def crash(*args, **kwargs):
        raise KeyboardInterrupt("killed after the backend answered")

    monkeypatch.setattr(accounting, "settle", crash)
    with pytest.raises(KeyboardInterrupt):
        worker.run_once()
    monkeypatch.setattr(accounting, "settle", real_settle)
    assert worker.run_once() == {"ledger": 0}  # the dead worker's claim holds until its lease runs out
    clock.now += worker.lease
    assert worker.run_once() == {"ledger": 1}
    assert ledger.calls == 2 and list(ledger.records.values()) == [issued.number]  # same key: one record


def test_a_void_follows_its_push_with_the_reference_the_push_got(story, uow, actor):
    issued = story.issued_invoice()
    ledger, clock = Ledger(), Clock()
    worker = _worker(uow, [ledger], clock)
    worker.run_once()
    invoices.void_invoice(uow, issued.id, "wrong customer", actor=actor)
    worker.run_once()
    assert f"void ledger:{issued.number}" in ledger.records.values()
    assert [(o, s) for _b, o, s, _a in _jobs(uow)] == [("push", "done"), ("void", "done")]


def test_backoff_doubles_up_to_its_cap_with_jitter_between_half_and_all():
    policy = RetryPolicy(max_attempts=20, base_seconds=2, cap_seconds=60)
    assert [policy.delay(n, 1.0).total_seconds() for n in (1, 2, 3, 6, 10)] == [2, 4, 8, 60, 60]
    assert policy.delay(3, 0.0).total_seconds() == 4


def test_backends_get_amounts_at_the_currency_precision_not_the_stores(story, uow):
    from salesflow.adapters.webhook import WebhookBackend
    from salesflow.adapters.webhook.receiver import Receiver

    issued = story.issued_invoice(("7", "456.07", "0", "0"))
    with Receiver("precision-secret-000001") as receiver:
        _worker(uow, [WebhookBackend(receiver.url, "precision-secret-000001")], Clock()).run_once()
        (event,) = receiver.processed.values()
    sent = event["data"]["invoice"]
    assert (sent["total"], sent["lines"][0]["quantity"], sent["lines"][0]["unitPrice"]) == ("3192.49", "7", "456.07")
    assert issued.number == sent["number"]


def test_two_workers_never_call_a_backend_with_the_same_job_at_once(story, uow):
    story.issued_invoice()
    ledger, clock = Ledger(), Clock()
    first, second = _worker(uow, [ledger], clock), _worker(uow, [ledger], clock)
    assert accounting.enqueue(uow, "ledger", now=clock.now) == 1
    (job,) = accounting.due_jobs(uow, "ledger", now=clock.now)
    claimed = accounting.prepare(uow, job.id, first.lease, now=clock.now)
    assert claimed is not None and accounting.prepare(uow, job.id, second.lease, now=clock.now) is None
    assert second.run_once() == {"ledger": 0} and ledger.calls == 0


def test_an_answer_that_comes_back_after_the_lease_changes_nothing(story, uow):
    story.issued_invoice()
    ledger, clock = Ledger(), Clock()
    slow, quick = _worker(uow, [ledger], clock), _worker(uow, [ledger], clock)
    accounting.enqueue(uow, "ledger", now=clock.now)
    (job,) = accounting.due_jobs(uow, "ledger", now=clock.now)
    late = accounting.prepare(uow, job.id, slow.lease, now=clock.now)  # its call hangs past the lease
    clock.now += slow.lease + timedelta(seconds=1)
    assert quick.run_once() == {"ledger": 1}
    accounting.settle(uow, job.id, late.claim, error=BackendError("refused", transient=False), now=clock.now)
    assert _jobs(uow) == [("ledger", "push", "done", 2)]


def test_a_job_whose_attempts_keep_killing_the_worker_is_dead_lettered(story, uow, monkeypatch):
    story.issued_invoice()
    ledger, clock = Ledger(), Clock()
    worker = _worker(uow, [ledger], clock)

    def die(*args, **kwargs):
        raise KeyboardInterrupt("the call takes the worker down")

    monkeypatch.setattr(accounting, "attempt", die)
    for _ in range(3):  # max_attempts=3 in _worker
        with pytest.raises(KeyboardInterrupt):
            worker.run_once()
        clock.now += worker.lease
    assert worker.run_once() == {"ledger": 0}
    with uow:
        (job,) = uow.sync_jobs.find()
    assert (job.status, job.attempts) == ("dead", 3) and "worker stopped" in job.last_error


def test_the_sync_operations_take_their_time_from_their_caller_never_the_wall_clock(story, uow, actor):
    issued = story.issued_invoice()
    with pytest.raises(TypeError, match="pass now="):
        accounting.retry(uow, issued.id, actor=actor)
    with pytest.raises(TypeError, match="pass now="):
        accounting.enqueue(uow, "ledger")


def test_a_dead_job_queued_again_is_due_by_the_workers_clock_years_from_today(story, uow, actor):
    issued = story.issued_invoice()
    ledger, clock = Ledger(), Clock()
    clock.now = datetime(2041, 3, 1, 12, 0, tzinfo=UTC)
    ledger.failures = [BackendError("refused", transient=False)]
    worker = _worker(uow, [ledger], clock)
    worker.run_once()
    (job,) = worker.retry(issued.id, actor=actor)
    assert job.next_attempt_at == clock.now
    assert worker.run_once() == {"ledger": 1}
