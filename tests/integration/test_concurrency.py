"""Concurrency: racing clients on one store, on SQLite (WAL + BEGIN IMMEDIATE) and PostgreSQL.

DESIGN.md §2 "Consistency": every mutation is one transaction; converting locks its source (one
success, one clean error); documents carry a version and a stale write is CONFLICT; invoice numbers
are gapless. Each racing thread has its own SqlUnitOfWork (they are not thread-safe), over the
shared engine or over an engine of its own; the process test opens one engine per spawned process
on the same database URL.
Every wait is bounded, so a deadlock fails the test instead of hanging the run.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
import time
import traceback
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, text, update

from salesflow.adapters.sql import SqlUnitOfWork, create_engine
from salesflow.adapters.sql.tables import number_sequences
from salesflow.adapters.sql.tables import quotes as quotes_table
from salesflow.domain.errors import DomainError, ErrorCode
from salesflow.domain.invoice import Invoice
from salesflow.domain.normalize import company_key
from salesflow.statemachine import invoice as invoice_ops
from salesflow.statemachine import lead as lead_ops
from salesflow.statemachine import opportunity as opportunity_ops
from salesflow.statemachine import order as order_ops
from salesflow.statemachine import quote as quote_ops
from salesflow.statemachine import records as record_ops
from salesflow.statemachine.engine import operation
from salesflow.statemachine.numbering import set_series_calendar

pytestmark = pytest.mark.slow

N_THREADS = 8
#: Upper bound for a whole race (start to last join); a deadlock fails instead of hanging.
RACE_TIMEOUT = 30.0
BARRIER_TIMEOUT = 10.0


def this_year() -> int:
    return datetime.now(UTC).year


# --------------------------------------------------------------------------------------------------
# Racing helpers
# --------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    value: object = None
    error: BaseException | None = None


def race(n: int, work, timeout: float = RACE_TIMEOUT) -> list[Outcome]:
    """Run work(i) in n threads released together by a barrier; every thread must finish in time."""
    barrier = threading.Barrier(n)
    outcomes: list[Outcome | None] = [None] * n

    def run(i: int) -> None:
        try:
            barrier.wait(timeout=BARRIER_TIMEOUT)
            outcomes[i] = Outcome(value=work(i))
        except BaseException as exc:  # noqa: BLE001 - every outcome is inspected by the test
            outcomes[i] = Outcome(error=exc)

    threads = [threading.Thread(target=run, args=(i,), name=f"racer-{i}", daemon=True) for i in range(n)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + timeout
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    stuck = [t.name for t in threads if t.is_alive()]
    assert not stuck, f"still running after {timeout}s (deadlock or lost wake-up?): {stuck}"
    return outcomes


def describe(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))


def split(outcomes: list[Outcome], allowed: set[ErrorCode]) -> tuple[list, list[DomainError]]:
    """(successful values, domain errors); anything else (a raw exception, another code) fails."""
    unexpected = [
        o.error
        for o in outcomes
        if o.error is not None and not (isinstance(o.error, DomainError) and o.error.code in allowed)
    ]
    assert not unexpected, "unexpected failures:\n" + "\n".join(describe(e) for e in unexpected)
    return ([o.value for o in outcomes if o.error is None], [o.error for o in outcomes if o.error is not None])


def counter(engine, series: str, year: int, calendar: str = "gregorian") -> int | None:
    """The next number the series would hand out in that year (None if it never handed one out)."""
    with engine.connect() as conn:
        return conn.scalar(
            select(number_sequences.c.next_number).where(
                (number_sequences.c.series_code == series)
                & (number_sequences.c.calendar == calendar)
                & (number_sequences.c.year == year)
            )
        )


def draft_invoices(story, count: int) -> list[int]:
    """`count` draft invoices: one order of `count` units delivered (and so invoiced) one at a time."""
    order = story.order(("%d" % count, "10.00", "0", "19"))
    ids = []
    for _ in range(count):
        result = story.deliver(order, {0: 1})
        ids.append(result.invoice.id)
        order = result.order
    assert len(set(ids)) == count
    return ids


def expected_numbers(count: int, start: int = 1) -> list[str]:
    return [f"INV/{this_year()}/{i:05d}" for i in range(start, start + count)]


def _fail_after_numbering(ctx, invoice_id):
    """Issue inside the caller's transaction, then fail: everything, the number included, rolls back."""
    issued = invoice_ops.issue_invoice.inner(ctx, invoice_id)
    assert issued.number is not None and issued.status == "issued"
    raise DomainError(ErrorCode.VALIDATION, "something after the number failed")


issue_then_fail = operation(_fail_after_numbering)


@operation
def _empty_draft(ctx, order_id):
    """A draft invoice with no lines on an existing order: issuing it fails after the number is taken."""
    order = ctx.uow.orders.get(order_id)
    return ctx.create(
        ctx.uow.invoices,
        Invoice(order_id=order.id, currency=order.currency, account_id=order.account_id, owner_id=order.owner_id),
    )


def _order_of(engine, invoice_id) -> int:
    uow = SqlUnitOfWork(engine)
    with uow:
        return uow.invoices.get(invoice_id).order_id


# --------------------------------------------------------------------------------------------------
# Converting locks its source
# --------------------------------------------------------------------------------------------------


def test_racing_conversions_of_one_lead_make_exactly_one_of_each(engine, story, actor):
    lead = story.lead(email="sara.ahmadi@example.com", phone="+98 912 555 0101")

    def convert(i):
        return lead_ops.convert_lead(
            SqlUnitOfWork(engine), lead.id, currency="EUR", opportunity_title=f"deal from racer {i}", actor=actor
        )

    wins, errors = split(race(N_THREADS, convert), {ErrorCode.ALREADY_CONVERTED, ErrorCode.CONFLICT})
    assert len(wins) == 1, f"{len(wins)} conversions succeeded"
    assert len(errors) == N_THREADS - 1
    won = wins[0]

    uow = SqlUnitOfWork(engine)
    with uow:
        stored = uow.leads.get(lead.id)
        opps = uow.opportunities.find(lead_id=lead.id)
        accounts = uow.accounts.find()
        contacts = uow.contacts.find()
        conversions = uow.activities.find(document_type="lead", document_id=lead.id, trigger="convert")
        assert stored.status == "converted"
        assert [o.id for o in opps] == [won.opportunity.id] and len(uow.opportunities.find()) == 1
        assert [a.id for a in accounts] == [won.account.id]
        assert accounts[0].name_key == company_key(lead.company_name)
        assert [c.id for c in contacts] == [won.contact.id] and contacts[0].account_id == won.account.id
        assert (stored.converted_opportunity_id, stored.converted_account_id, stored.converted_contact_id) == (
            won.opportunity.id,
            won.account.id,
            won.contact.id,
        )
        assert len(conversions) == 1
        assert stored.version == lead.version + 1


def test_racing_acceptances_of_one_quote_make_exactly_one_order(engine, story, actor):
    quote = story.sent_quote(("3", "100.00", "0", "19"))

    def accept(i):
        own = create_engine(engine.url.render_as_string(hide_password=False))  # a client of its own
        try:
            return order_ops.convert_quote_to_order(SqlUnitOfWork(own), quote.id, actor=actor)
        finally:
            own.dispose()

    wins, errors = split(race(N_THREADS, accept), {ErrorCode.ALREADY_CONVERTED})
    assert len(wins) == 1, f"{len(wins)} acceptances succeeded"
    assert len(errors) == N_THREADS - 1
    order = wins[0].order

    uow = SqlUnitOfWork(engine)
    with uow:
        orders = uow.orders.find()
        stored_quote = uow.quotes.get(quote.id)
        opp = uow.opportunities.get(quote.opportunity_id)
        assert [o.id for o in orders] == [order.id] and orders[0].quote_id == quote.id
        assert stored_quote.status == "accepted"
        assert opp.status == "won" and opp.amount == order.total == quote.total
        assert len(uow.activities.find(document_type="quote", document_id=quote.id, trigger="accept")) == 1
        assert len(uow.activities.find(document_type="opportunity", document_id=opp.id, trigger="win")) == 1
    # The losers never took an order number: the series goes on with no gap.
    assert order.number == f"SO/{this_year()}/00001"
    assert counter(engine, "order", this_year()) == 2


# --------------------------------------------------------------------------------------------------
# Gapless invoice numbers
# --------------------------------------------------------------------------------------------------


def test_concurrent_issues_get_unique_gapless_numbers_despite_rollbacks(engine, story, actor):
    total = 40
    ids = draft_invoices(story, total)
    assert counter(engine, "invoice", this_year()) is None  # the first number of the year is raced too
    shares = [ids[i::N_THREADS] for i in range(N_THREADS)]

    def issue_share(i):
        uow = SqlUnitOfWork(engine)  # one unit of work per thread, reused for its sequential issues
        taken = []
        for k, inv_id in enumerate(shares[i]):
            if k % 2 == 0:  # a failed issue, rolled back after taking a number, between the others
                try:
                    issue_then_fail(uow, inv_id, actor=actor)
                except DomainError as exc:
                    assert exc.code == ErrorCode.VALIDATION
                else:
                    raise AssertionError("issue_then_fail did not fail")
            taken.append((inv_id, invoice_ops.issue_invoice(uow, inv_id, actor=actor).number))
        return taken

    results, _ = split(race(N_THREADS, issue_share), set())
    taken = dict(pair for share in results for pair in share)
    assert sorted(taken) == sorted(ids)
    assert sorted(taken.values()) == expected_numbers(total)

    uow = SqlUnitOfWork(engine)
    with uow:
        stored = {inv.id: inv for inv in uow.invoices.find()}
        assert {i: inv.number for i, inv in stored.items()} == taken  # each invoice keeps its one number
        assert all(inv.status == "issued" for inv in stored.values())
        assert all(len(uow.activities.find(document_type="invoice", document_id=i, trigger="issue")) == 1 for i in ids)
    assert counter(engine, "invoice", this_year()) == total + 1


def test_a_rolled_back_issue_does_not_consume_a_number(engine, story, actor, today):
    first, second, third = draft_invoices(story, 3)
    uow = SqlUnitOfWork(engine)

    # 0. The year's very first number taken then rolled back: the counter row goes too.
    with pytest.raises(DomainError) as err:
        issue_then_fail(uow, first, actor=actor)
    assert err.value.code == ErrorCode.VALIDATION
    assert counter(engine, "invoice", this_year()) is None
    assert invoice_ops.issue_invoice(uow, first, actor=actor).number == expected_numbers(1)[0]

    # 1. A failure after the number was taken, in the same transaction.
    with pytest.raises(DomainError) as err:
        issue_then_fail(uow, second, actor=actor)
    assert err.value.code == ErrorCode.VALIDATION
    # 2. The has_lines guard blocks the transition after the number was taken.
    empty = _empty_draft(uow, _order_of(engine, second), actor=actor)
    with pytest.raises(DomainError) as err:
        invoice_ops.issue_invoice(uow, empty.id, actor=actor)
    assert err.value.code == ErrorCode.VALIDATION and "line" in err.value.message
    # 3. A due date before the issue date.
    with pytest.raises(DomainError) as err:
        invoice_ops.issue_invoice(uow, second, due_date=today - timedelta(days=1), actor=actor)
    assert err.value.code == ErrorCode.VALIDATION and err.value.field == ("dueDate",)

    with uow:
        for inv_id in (second, empty.id):
            inv = uow.invoices.get(inv_id)
            assert (inv.status, inv.number, inv.issue_date) == ("draft", None, None)
        assert uow.activities.find(document_type="invoice", document_id=second, trigger="issue") == []
    assert counter(engine, "invoice", this_year()) == 2

    assert invoice_ops.issue_invoice(uow, second, actor=actor).number == expected_numbers(1, 2)[0]
    assert invoice_ops.issue_invoice(uow, third, actor=actor).number == expected_numbers(1, 3)[0]


# --------------------------------------------------------------------------------------------------
# Gapless on a Jalali series, and a change of calendar against numbers in flight
# --------------------------------------------------------------------------------------------------

#: 20 Dey 1405: a day on which the Jalali and Gregorian years differ in number and in when they began.
IN_1405 = datetime(2027, 1, 10, 12, tzinfo=UTC)


def jalali_invoices(engine, actor) -> None:
    set_series_calendar(SqlUnitOfWork(engine), "invoice", "jalali", actor=actor, now=IN_1405)


def started(work) -> tuple[threading.Thread, Outcome]:
    """work() running in a thread of its own, and where its outcome will be."""
    outcome = Outcome()

    def run() -> None:
        try:
            outcome.value = work()
        except BaseException as exc:  # noqa: BLE001 - inspected by the test
            outcome.error = exc

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def finished(thread: threading.Thread, outcome: Outcome) -> Outcome:
    thread.join(RACE_TIMEOUT)
    assert not thread.is_alive(), f"still running after {RACE_TIMEOUT}s (deadlock?)"
    return outcome


def held(work, reached: threading.Event, release: threading.Event):
    """An operation doing work(ctx, …) and then keeping its transaction open until released."""

    @operation
    def hold(ctx, *args):
        result = work(ctx, *args)
        reached.set()
        assert release.wait(BARRIER_TIMEOUT), "never released"
        return result

    return hold


#: How long a second transaction gets to overtake the held one, were it not made to wait for it.
OVERTAKE = 0.5


def test_a_rolled_back_number_of_a_jalali_series_leaves_no_gap(engine, story, actor):
    jalali_invoices(engine, actor)
    first, second = draft_invoices(story, 2)
    uow = SqlUnitOfWork(engine)
    with pytest.raises(DomainError):
        issue_then_fail(uow, first, actor=actor, now=IN_1405)
    assert counter(engine, "invoice", 1405, "jalali") is None
    assert invoice_ops.issue_invoice(uow, second, actor=actor, now=IN_1405).number == "INV/1405/00001"
    assert invoice_ops.issue_invoice(uow, first, actor=actor, now=IN_1405).number == "INV/1405/00002"
    assert counter(engine, "invoice", 1405, "jalali") == 3


def test_concurrent_issues_on_a_jalali_series_get_unique_gapless_numbers(engine, story, actor):
    jalali_invoices(engine, actor)
    total = 24
    ids = draft_invoices(story, total)
    shares = [ids[i::N_THREADS] for i in range(N_THREADS)]

    def issue_share(i):
        uow = SqlUnitOfWork(engine)
        taken = []
        for k, inv_id in enumerate(shares[i]):
            if k == 1:  # one failed issue per thread, rolled back after taking a number
                with pytest.raises(DomainError):
                    issue_then_fail(uow, inv_id, actor=actor, now=IN_1405)
            taken.append(invoice_ops.issue_invoice(uow, inv_id, actor=actor, now=IN_1405).number)
        return taken

    results, _ = split(race(N_THREADS, issue_share), set())
    numbers = sorted(number for share in results for number in share)
    assert numbers == [f"INV/1405/{i:05d}" for i in range(1, total + 1)]
    assert counter(engine, "invoice", 1405, "jalali") == total + 1
    assert counter(engine, "invoice", 2027) is None


def test_a_calendar_switch_waits_for_a_number_in_flight_and_is_then_refused(engine, story, actor):
    (draft,) = draft_invoices(story, 1)
    numbered, release = threading.Event(), threading.Event()
    issue_and_hold = held(invoice_ops.issue_invoice.inner, numbered, release)
    issuing = started(lambda: issue_and_hold(SqlUnitOfWork(engine), draft, actor=actor, now=IN_1405))
    assert numbered.wait(BARRIER_TIMEOUT)
    switching = started(lambda: jalali_invoices(engine, actor))
    time.sleep(OVERTAKE)
    release.set()
    assert finished(*issuing).value.number == "INV/2027/00001"
    refused = finished(*switching).error
    assert isinstance(refused, DomainError) and refused.code == ErrorCode.SERIES_IN_USE, refused
    with SqlUnitOfWork(engine, read_only=True) as uow:
        assert uow.numbers.get("invoice").calendar == "gregorian"


def test_a_number_taken_during_a_calendar_switch_waits_for_it_and_counts_in_the_new_calendar(engine, story, actor):
    (draft,) = draft_invoices(story, 1)
    switched, release = threading.Event(), threading.Event()
    switch_and_hold = held(lambda ctx: set_series_calendar.inner(ctx, "invoice", "jalali"), switched, release)
    switching = started(lambda: switch_and_hold(SqlUnitOfWork(engine), actor=actor, now=IN_1405))
    assert switched.wait(BARRIER_TIMEOUT)
    issuing = started(lambda: invoice_ops.issue_invoice(SqlUnitOfWork(engine), draft, actor=actor, now=IN_1405))
    time.sleep(OVERTAKE)
    release.set()
    assert finished(*switching).value.calendar == "jalali"
    issued = finished(*issuing)
    assert issued.error is None, describe(issued.error)
    assert issued.value.number == "INV/1405/00001"
    assert counter(engine, "invoice", 2027) is None


PROCESSES = 4
PER_PROCESS = 6
PROCESS_TIMEOUT = 60.0
REPO_ROOT = Path(__file__).resolve().parents[2]


def _issue_in_process(url, invoice_ids, actor_id, barrier, results, now):
    """Child process: its own engine on the same database, issuing its invoices one by one.

    It runs on the parent's clock (`now`): a spawned process does not inherit a moved clock."""
    from salesflow.adapters.sql import SqlUnitOfWork, create_engine
    from salesflow.statemachine import invoice as invoice_ops

    engine = create_engine(url)
    try:
        uow = SqlUnitOfWork(engine)
        with uow:
            actor = uow.users.get(actor_id)
            uow.commit()  # keeps it loaded (leaving the block otherwise rolls back and expires it)
        barrier.wait(timeout=30)
        taken = [
            (inv_id, invoice_ops.issue_invoice(uow, inv_id, actor=actor, now=now).number) for inv_id in invoice_ids
        ]
        results.put((os.getpid(), taken, None))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent
        results.put((os.getpid(), [], "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))))
    finally:
        engine.dispose()


def test_processes_issuing_at_once_get_unique_gapless_numbers(database_url, engine, story, actor, monkeypatch):
    total = PROCESSES * PER_PROCESS
    ids = draft_invoices(story, total)
    engine.dispose()  # no connection of ours is inherited or held while the children run
    # A spawned child imports this module by the name pytest gave it (tests.integration.…), from the
    # parent's sys.path: make sure the repository root is on it whichever way pytest was started.
    monkeypatch.syspath_prepend(str(REPO_ROOT))
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(PROCESSES)
    results = ctx.Queue()
    procs = [
        ctx.Process(
            target=_issue_in_process,
            name=f"issuer-{i}",
            daemon=True,
            args=(database_url, ids[i::PROCESSES], actor.id, barrier, results, datetime.now(UTC)),
        )
        for i in range(PROCESSES)
    ]
    for p in procs:
        p.start()
    reports = []
    deadline = time.monotonic() + PROCESS_TIMEOUT
    try:
        while len(reports) < PROCESSES and time.monotonic() < deadline:
            try:
                reports.append(results.get(timeout=0.5))
            except queue.Empty:
                if not any(p.is_alive() for p in procs):  # died without reporting: one last look
                    try:
                        reports.append(results.get(timeout=1))
                    except queue.Empty:
                        break
        for p in procs:
            p.join(max(0.1, deadline - time.monotonic()))
    finally:
        for p in procs:
            if p.is_alive():
                p.kill()
                p.join(5)
    assert len(reports) == PROCESSES, (
        f"{len(reports)} of {PROCESSES} processes reported; exit codes {[p.exitcode for p in procs]}"
    )
    failures = [err for _, _, err in reports if err]
    assert not failures, "a process failed:\n" + "\n".join(failures)
    assert all(p.exitcode == 0 for p in procs), [p.exitcode for p in procs]
    assert len({pid for pid, _, _ in reports}) == PROCESSES

    taken = dict(pair for _, share, _ in reports for pair in share)
    assert sorted(taken) == sorted(ids)
    assert sorted(taken.values()) == expected_numbers(total)
    uow = SqlUnitOfWork(engine)
    with uow:
        assert {inv.id: inv.number for inv in uow.invoices.find()} == taken
    assert counter(engine, "invoice", this_year()) == total + 1


# --------------------------------------------------------------------------------------------------
# Optimistic concurrency: versions
# --------------------------------------------------------------------------------------------------


def test_same_expected_version_one_writer_wins(engine, story, actor):
    quote = story.draft_quote()
    version = quote.version
    # Two units of work load the quote at the same version …
    a, b = SqlUnitOfWork(engine), SqlUnitOfWork(engine)
    with a:
        seen_a = a.quotes.get(quote.id).version
    with b:
        seen_b = b.quotes.get(quote.id).version
    assert seen_a == seen_b == version
    # … both write with it: the first wins, the second is told to reload.
    won = quote_ops.update_quote(a, quote.id, terms="terms of A", expected_version=seen_a, actor=actor)
    assert won.version == version + 1
    with pytest.raises(DomainError) as err:
        quote_ops.update_quote(b, quote.id, terms="terms of B", expected_version=seen_b, actor=actor)
    assert err.value.code == ErrorCode.CONFLICT and err.value.field == ("expectedVersion",)

    # The same, with all the racers writing at once.
    def edit(i):
        return quote_ops.update_quote(
            SqlUnitOfWork(engine), quote.id, terms=f"terms of racer {i}", expected_version=version + 1, actor=actor
        )

    wins, errors = split(race(N_THREADS, edit), {ErrorCode.CONFLICT})
    assert len(wins) == 1 and len(errors) == N_THREADS - 1
    with a:
        stored = a.quotes.get(quote.id)
        assert stored.version == version + 2 and stored.terms == wins[0].terms


def test_a_stale_detached_document_written_back_is_conflict(engine, story, actor):
    quote = story.draft_quote()
    a = SqlUnitOfWork(engine)
    with a:
        stale = a.quotes.get(quote.id)
        a.commit()  # a plain dataclass, still usable after its transaction
    quote_ops.update_quote(SqlUnitOfWork(engine), quote.id, terms="newer", actor=actor)

    with a:
        a.quotes.add(stale)  # written back at its old version
        stale.terms = "older"
        with pytest.raises(DomainError) as err:
            a.commit()
    assert err.value.code == ErrorCode.CONFLICT

    with a:
        stale = a.quotes.get(quote.id)
        assert stale.terms == "newer" and stale.version == quote.version + 1


def test_a_row_changed_between_read_and_write_is_conflict(engine, story, actor):
    """The version check: the UPDATE matches no row at the version read, and that is CONFLICT."""
    quote = story.draft_quote()
    a = SqlUnitOfWork(engine)
    with a:
        loaded = a.quotes.get(quote.id)  # unlocked read
        if engine.dialect.name == "sqlite":
            # BEGIN IMMEDIATE: no other writer can run now, so the row is changed from inside.
            a.connection.execute(
                update(quotes_table).where(quotes_table.c.id == quote.id).values(version=quotes_table.c.version + 1)
            )
        else:
            quote_ops.update_quote(SqlUnitOfWork(engine), quote.id, terms="by another client", actor=actor)
        loaded.terms = "by this client"
        with pytest.raises(DomainError) as err:
            a.flush()
        assert err.value.code == ErrorCode.CONFLICT


def test_a_stale_row_met_by_a_flush_before_a_query_is_conflict_too(engine, story, actor):
    """A flush that a query starts (not an explicit flush or commit) detects the stale row as well."""
    opp = story.opportunity()
    uow = SqlUnitOfWork(engine)
    with pytest.raises(DomainError) as err:
        with uow:
            loaded = uow.opportunities.get(opp.id)
            loaded.title = "changed in memory"
            # someone else's write, before ours is flushed
            uow.connection.execute(
                text("UPDATE opportunities SET version = version + 1 WHERE id = :id"), {"id": opp.id}
            )
            uow.accounts.find(name="anything")  # pending changes are written first: the UPDATE matches no row
    assert err.value.code == ErrorCode.CONFLICT


def _record_to_edit(kind, engine, story, actor, account_id):
    """(the record, A's edit (uow, **kw), B's edit (uow)) for one kind of unlocked edit."""
    if kind == "lead":
        doc = story.lead()
        return (
            doc,
            lambda uow, **kw: lead_ops.update_lead(uow, doc.id, title="A's title", **kw),
            lambda uow: lead_ops.update_lead(uow, doc.id, title="B's title", actor=actor),
        )
    if kind == "account":
        doc = record_ops.create_account(SqlUnitOfWork(engine), "Initech", actor=actor)
        return (
            doc,
            lambda uow, **kw: record_ops.update_account(uow, doc.id, name="Initech A", **kw),
            lambda uow: record_ops.update_account(uow, doc.id, website="b.example", actor=actor),
        )
    if kind == "contact":  # A also links an account: require() loads it mid-operation
        doc = record_ops.create_contact(SqlUnitOfWork(engine), "Sara", actor=actor)
        return (
            doc,
            lambda uow, **kw: record_ops.update_contact(uow, doc.id, name="Sara A.", account_id=account_id, **kw),
            lambda uow: record_ops.update_contact(uow, doc.id, phone="+98 21 555", actor=actor),
        )
    doc = story.opportunity()  # A sets the amount, then links an account (loaded mid-operation)
    return (
        doc,
        lambda uow, **kw: opportunity_ops.update_opportunity(
            uow, doc.id, amount="1234.50", account_id=account_id, **kw
        ),
        lambda uow: opportunity_ops.update_opportunity(uow, doc.id, title="B's title", actor=actor),
    )


@pytest.mark.parametrize("kind", ["lead", "account", "contact", "opportunity"])
def test_an_edit_made_on_a_stale_read_is_conflict(kind, engine, story, actor):
    """Client A read version v; client B commits an edit; A's edit (expecting v) is CONFLICT.

    Edits lock their row before checking the version, so B can no longer slip in between A's read
    and A's write.
    """
    account = record_ops.create_account(SqlUnitOfWork(engine), "Globex", actor=actor)
    doc, a_edits, b_edits = _record_to_edit(kind, engine, story, actor, account.id)
    b_edits(SqlUnitOfWork(engine))
    with pytest.raises(DomainError) as err:
        a_edits(SqlUnitOfWork(engine), expected_version=doc.version, actor=actor)
    assert err.value.code == ErrorCode.CONFLICT
    check = SqlUnitOfWork(engine)
    with check:  # B's edit stands, A's is gone
        repo = {
            "lead": check.leads,
            "account": check.accounts,
            "contact": check.contacts,
            "opportunity": check.opportunities,
        }[kind]
        assert repo.get(doc.id).version == doc.version + 1
