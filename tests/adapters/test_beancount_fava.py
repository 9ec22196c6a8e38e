"""The ledger salesflow's beancount backend keeps opens in Fava, the web interface accountants read
it with, without errors, and Fava's receivables are salesflow's amounts due, invoice by invoice.

Everything is real: invoices issued through the operations on the store, pushed and voided by the
sync worker into a ledger on disk, payments typed, corrected and reversed in that ledger as an
accountant does it, pulled back by the worker; then Fava loads the ledger with its own API."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from support import job_statuses

from salesflow.adapters.sql import SqlUnitOfWork
from salesflow.statemachine import accounting
from salesflow.statemachine import invoice as invoices

pytest.importorskip("beancount", reason="the beancount extra is not installed")
fava_core = pytest.importorskip("fava.core", reason="fava (the test extra) is not installed")
fava_application = pytest.importorskip("fava.application")

from salesflow.adapters.beancount import BeancountBackend  # noqa: E402
from salesflow.adapters.beancount.naming import invoice_link  # noqa: E402

RECEIVABLE = "Assets:Receivable"
# The accountant's own file, kept strictly: Fava wants an operating currency, and every currency
# used must be declared (check_commodity): she declares hers; IRR comes with salesflow's invoices.
BOOKS = """option "title" "Ferrante Tools books"
option "operating_currency" "EUR"
plugin "beancount.plugins.check_commodity"

1900-01-01 commodity EUR
2020-01-01 open Assets:Bank
"""


def transfer(number: str, amount: str, currency: str, on, narration: str = "Bank transfer") -> str:
    """A payment as an accountant types it: money in the bank, out of the receivable, the invoice's link."""
    return (
        f'\n{on.isoformat()} * "Customer" "{narration}" ^{invoice_link(number)}\n'
        f"  Assets:Bank  {amount} {currency}\n  {RECEIVABLE}  -{amount} {currency}\n"
    )


def reversing(number: str, amount: str, currency: str, on) -> str:
    """A payment taken back as an accountant types it: the same postings with the signs turned."""
    return (
        f'\n{on.isoformat()} * "Customer" "Reversal: transfer bounced" ^{invoice_link(number)}\n'
        f"  Assets:Bank  -{amount} {currency}\n  {RECEIVABLE}  {amount} {currency}\n"
    )


def delivered(engine, worker) -> None:
    """Worker passes until every sync job is done (on PostgreSQL a fresh outbox entry may show a moment late)."""
    for _ in range(100):
        worker.run_pass()
        if set(job_statuses(engine)) == {"done"}:
            return
        time.sleep(0.1)
    raise AssertionError(f"not delivered: {job_statuses(engine)}")


def receivable_in_fava(ledger, link: str | None = None) -> dict[str, Decimal]:
    """The receivable's balance per currency as Fava shows it, for the entries with `link` (Fava's
    `^link` filter) or for the whole ledger; zero balances are absent, as Fava leaves them out."""
    filtered = ledger.get_filtered(filter=f"^{link}" if link else None)
    node = filtered.root_tree.get(RECEIVABLE)
    balance = node.balance_children.items()
    assert all(cost is None for (_currency, cost), _number in balance), "a receivable is held at no cost"
    return {currency: number for (currency, _cost), number in balance}


def tree_nodes(trees: list[dict]):
    """Every account node of Fava's serialised account trees."""
    for node in trees:
        yield node
        yield from tree_nodes(node["children"])


def test_the_ledger_salesflow_writes_opens_in_fava_without_errors_and_its_receivables_match(engine, story, tmp_path):
    uow = story.uow
    euros = story.issued_invoice(("2", "19.99", "0", "21"), ("1", "5.00", "0", "6"))  # 53.68 EUR
    rials = story.issued_invoice(("1", "12345.5", "0", "9"), currency="IRR")  # 13457 IRR, no decimals
    corrected = story.issued_invoice(("3", "40.00", "0", "21"))  # 145.20 EUR
    voided = story.issued_invoice(("1", "99.00", "0", "21"))  # 119.79 EUR
    issued = [euros, rials, corrected, voided]
    day = euros.issue_date  # the scenario's dates follow the invoices', never today's
    main = tmp_path / "books.beancount"
    main.write_text(BOOKS)
    backend = BeancountBackend(main, recheck_seconds=0)
    now = datetime.combine(day + timedelta(days=20), clock_time(9), tzinfo=UTC)
    worker = accounting.SyncWorker(lambda: SqlUnitOfWork(engine), [backend], clock=lambda: now)
    delivered(engine, worker)  # the four invoices are in the ledger, which now includes salesflow's files

    invoices.void_invoice(uow, voided.id, "Issued to the wrong customer", actor=story.actor)
    delivered(engine, worker)  # and the void is too

    def typed(text: str) -> None:
        with main.open("a") as out:
            out.write(text)

    typed(transfer(euros.number, "20.00", "EUR", day + timedelta(days=1)))
    typed(transfer(rials.number, "5000", "IRR", day + timedelta(days=2)))
    typed(transfer(corrected.number, "10.00", "EUR", day + timedelta(days=3)))
    typed(transfer(corrected.number, "30.00", "EUR", day + timedelta(days=4)))
    worker.run_pass()
    # The accountant fixes a typo in a payment (10.00 was 12.00) and reverses the one that bounced.
    main.write_text(
        main.read_text().replace(
            "  Assets:Bank  10.00 EUR\n  Assets:Receivable  -10.00 EUR",
            "  Assets:Bank  12.00 EUR\n  Assets:Receivable  -12.00 EUR",
        )
    )
    typed(reversing(corrected.number, "30.00", "EUR", day + timedelta(days=10)))
    assert worker.run_pass()["beancount"].payments["reversed"] == 2  # the 10.00 corrected, the 30.00 bounced

    with uow:
        state = {inv.number: uow.invoices.get(inv.id) for inv in issued}
    assert {n: (inv.status, inv.amount_paid) for n, inv in state.items()} == {
        euros.number: ("partially_paid", Decimal("20.00")),
        rials.number: ("partially_paid", Decimal("5000")),
        corrected.number: ("partially_paid", Decimal("12.00")),
        voided.number: ("void", Decimal("0.00")),
    }

    ledger = fava_core.FavaLedger(str(main), poll_watcher=True)

    assert [f"{e.source.get('filename')}:{e.source.get('lineno')}: {e.message}" for e in ledger.errors] == []
    # Every file salesflow wrote is one Fava read: the accounts file, each invoice's, the void's.
    ours = str(backend.layout.ours)
    written = {str(p) for p in backend.layout.ours.rglob("*.beancount")}
    assert written <= set(ledger.options["include"])
    seen = {str(e.meta["filename"]) for e in ledger.all_entries if str(e.meta.get("filename")).startswith(ours)}
    assert seen == written
    recorded = [
        (e.meta.get("invoice"), e.meta.get("voids"))
        for e in ledger.all_entries
        if str(e.meta.get("filename")).startswith(ours) and e.meta.get("salesflow-key")
    ]
    assert sorted(recorded, key=str) == sorted(
        [(inv.number, None) for inv in issued] + [(None, voided.number)], key=str
    )
    # Each invoice's receivable, filtered in Fava by the invoice's link, is what salesflow says is due on it.
    for number, inv in state.items():
        due = {inv.currency: inv.amount_due} if inv.status != "void" else {}
        assert receivable_in_fava(ledger, invoice_link(number)) == due, number
    assert receivable_in_fava(ledger, invoice_link(voided.number)) == {}  # the voided invoice nets to zero
    assert receivable_in_fava(ledger) == {
        "EUR": state[euros.number].amount_due + state[corrected.number].amount_due,
        "IRR": state[rials.number].amount_due,
    }

    # Fava's own web app serves the balance sheet with the same receivable on it.
    app = fava_application.create_app([str(main)], load=True, poll_watcher=True)
    client = app.test_client()
    home = client.get("/")  # Fava sends a browser on to its one ledger's pages
    assert home.status_code in (302, 303, 307), home.status_code
    slug = urlsplit(home.headers["Location"]).path.split("/")[1]
    response = client.get(f"/{slug}/api/balance_sheet")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    (node,) = [n for n in tree_nodes(response.get_json()["data"]["trees"]) if n["account"] == RECEIVABLE]
    # Fava's JSON writes numbers as JSON numbers: read back through their shortest text
    assert {c: Decimal(str(n)) for c, n in node["balance_children"].items()} == receivable_in_fava(ledger)
