"""The `beancount` backend passes the conformance suite on a real ledger in a temporary folder,
and every ledger it leaves behind passes the real `bean-check`."""

from __future__ import annotations

import shutil
import subprocess
import threading
from contextlib import contextmanager
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

pytest.importorskip("beancount", reason="the beancount extra is not installed")

from beancount import loader  # noqa: E402
from beancount.core import data  # noqa: E402

from salesflow.adapters import registry  # noqa: E402
from salesflow.adapters.beancount import (  # noqa: E402
    BeancountBackend,  # noqa: E402
    cursor,
    ledger,
    naming,
)
from salesflow.adapters.beancount import backend as backend_module  # noqa: E402
from salesflow.adapters.testing import CUSTOMER, BackendConformance, Books, all_payments, sample_invoice  # noqa: E402
from salesflow.domain.accounting import BackendError, ExternalPayment, idempotency_key  # noqa: E402
from salesflow.domain.errors import DomainError  # noqa: E402

BOOKS = """option "title" "Ferrante Tools - books"
option "operating_currency" "EUR"

2020-01-01 open Assets:Bank
2020-01-01 open Expenses:Office
"""
UNBALANCED = """
2026-11-30 * "Office supplies"
  Assets:Bank      -10.00 EUR
  Expenses:Office    9.00 EUR
"""


def new_ledger(folder: Path, text: str = BOOKS) -> Path:
    path = folder / "ledger.beancount"
    path.write_text(text)
    return path


def bean_check(path: Path) -> None:
    """The real bean-check, as an accountant runs it."""
    exe = shutil.which("bean-check")
    if exe is None:
        pytest.skip("bean-check is not on PATH")
    result = subprocess.run([exe, str(path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def transactions(path: Path) -> list[data.Transaction]:
    entries, errors, _ = loader.load_file(str(path))
    assert not errors, errors
    return [e for e in entries if isinstance(e, data.Transaction)]


def pay(
    main: Path,
    number: str,
    amount: str,
    on: date = date(2026, 12, 1),
    currency: str = "EUR",
    receivable: str = "Assets:Receivable",
) -> None:
    """An accountant types a bank transfer into the main ledger, linked to the invoice."""
    with main.open("a") as out:
        out.write(
            f'\n{on.isoformat()} * "Ferrante Tools BV" "Bank transfer" ^{naming.invoice_link(number)}\n'
            f"  Assets:Bank   {amount} {currency}\n"
            f"  {receivable}  -{amount} {currency}\n"
        )


def reverse(
    main: Path,
    number: str,
    amount: str,
    on: date = date(2026, 12, 15),
    currency: str = "EUR",
    why: str = "Reversal: transfer bounced",
) -> None:
    """An accountant reverses a payment: the same postings with the signs turned, same link."""
    with main.open("a") as out:
        out.write(
            f'\n{on.isoformat()} * "Ferrante Tools BV" "{why}" ^{naming.invoice_link(number)}\n'
            f"  Assets:Bank        -{amount} {currency}\n"
            f"  Assets:Receivable   {amount} {currency}\n"
        )


def correct(main: Path, amount: str, new_amount: str) -> None:
    """An accountant corrects a payment's amount in place (both postings of the one transfer)."""
    text = main.read_text()
    assert text.count(f" {amount} ") == 1 and text.count(f" -{amount} ") == 1, "one payment of that amount"
    main.write_text(text.replace(f" -{amount} ", f" -{new_amount} ").replace(f" {amount} ", f" {new_amount} "))


def push(backend: BeancountBackend, invoice) -> str:
    return backend.push_invoice(invoice, CUSTOMER, idempotency_key=idempotency_key(invoice.number, "beancount", "push"))


class TestBeancountBackend(BackendConformance):
    @pytest.fixture
    def backend(self, tmp_path):
        return BeancountBackend(new_ledger(tmp_path))

    def recorded(self, backend, number):
        return sum(
            1 for t in transactions(backend.layout.main) if t.meta.get("invoice") == number and "voids" not in t.meta
        )

    def voided(self, backend, number):
        return any(t.meta.get("voids") == number for t in transactions(backend.layout.main))

    def pay(self, backend, invoice, amount):
        pay(backend.layout.main, invoice.number, str(amount), currency=invoice.currency)

    def take_back(self, backend, invoice, amount):
        reverse(backend.layout.main, invoice.number, str(amount), currency=invoice.currency)

    def correct(self, backend, invoice, amount, new_amount):
        correct(backend.layout.main, str(amount), str(new_amount))

    @contextmanager
    def outage(self, backend):
        # A ledger is "down" when someone broke it by hand: the backend must not write on top.
        main = backend.layout.main
        original = main.read_text()
        main.write_text(original + UNBALANCED)
        try:
            yield
        finally:
            main.write_text(original)

    @contextmanager
    def lost_answer(self, backend):
        # The invoice file is linked into place, then the very next step fails.
        real = ledger.forget_load_cache

        def fail(layout):
            raise OSError(5, "Input/output error")

        ledger.forget_load_cache = fail
        try:
            yield
        finally:
            ledger.forget_load_cache = real


# -- what an invoice looks like in the books -------------------------------------------------------------------


def test_an_invoice_is_one_balanced_transaction_with_income_and_tax_per_rate(tmp_path):
    main = new_ledger(tmp_path)
    backend = BeancountBackend(main)
    invoice = sample_invoice()
    ref = push(backend, invoice)

    [txn] = [t for t in transactions(main) if t.meta.get("invoice") == invoice.number]
    postings = {p.account: p.units for p in txn.postings}
    assert {a: (u.number, u.currency) for a, u in postings.items()} == {
        "Assets:Receivable": (Decimal("1074.30"), "EUR"),
        "Income:Sales:Rate21": (Decimal("-855.00"), "EUR"),
        "Income:Sales:Rate6": (Decimal("-37.50"), "EUR"),
        "Liabilities:Tax:Output:Rate21": (Decimal("-179.55"), "EUR"),
        "Liabilities:Tax:Output:Rate6": (Decimal("-2.25"), "EUR"),
    }
    assert sum(u.number for u in postings.values()) == 0
    assert txn.date == invoice.issue_date and txn.payee == CUSTOMER.name
    assert txn.links == {f"invoice-{invoice.number}"}
    assert txn.meta["invoice"] == invoice.number and txn.meta["due-date"] == invoice.due_date
    assert txn.meta["salesflow-key"] == idempotency_key(invoice.number, "beancount", "push")
    assert ref == f"salesflow/invoices/{invoice.number}.beancount" and (tmp_path / ref).is_file()
    assert main.read_text().count(ledger.INCLUDE) == 1
    bean_check(main)


def test_bean_check_passes_after_pushes_a_void_and_a_payment(tmp_path):
    main = new_ledger(tmp_path)
    backend = BeancountBackend(main)
    euro, dollar = sample_invoice(), sample_invoice(currency="USD")
    push(backend, euro)
    bean_check(main)
    push(backend, dollar)
    bean_check(main)
    backend.void_invoice(dollar, "ref", idempotency_key=idempotency_key(dollar.number, "beancount", "void"))
    bean_check(main)
    pay(main, euro.number, "500.00")
    push(backend, sample_invoice())
    bean_check(main)
    payments, _ = all_payments(backend)
    assert [(p.invoice_number, p.amount, p.currency) for p in payments] == [(euro.number, Decimal("500.00"), "EUR")]


def test_a_currency_the_ledger_does_not_declare_is_declared_so_a_ledger_checking_commodities_still_passes(tmp_path):
    # An accountant who keeps her ledger with check_commodity (bean-check and Fava report every
    # currency used without a `commodity` directive) declares the ones she uses, not IRR.
    main = new_ledger(tmp_path, 'plugin "beancount.plugins.check_commodity"\n1900-01-01 commodity EUR\n' + BOOKS)
    backend = BeancountBackend(main)
    euro, rial = sample_invoice(), sample_invoice(currency="IRR")
    push(backend, euro)
    push(backend, rial)
    backend.void_invoice(rial, "ref", idempotency_key=idempotency_key(rial.number, "beancount", "void"))
    pay(main, euro.number, "500.00")
    entries, errors, _ = loader.load_file(str(main))
    assert [e.message for e in errors] == []
    declared = [(e.currency, Path(e.meta["filename"]).name) for e in entries if isinstance(e, data.Commodity)]
    assert sorted(declared) == [("EUR", main.name), ("IRR", backend.layout.accounts.name)]  # EUR once: hers
    bean_check(main)
    assert backend.health().ok


def test_a_void_reverses_every_posting_under_the_same_link(tmp_path):
    main = new_ledger(tmp_path)
    backend = BeancountBackend(main)
    invoice = sample_invoice()
    invoice.void_reason = "wrong customer"
    push(backend, invoice)
    backend.void_invoice(invoice, "ref", idempotency_key="void-1")
    backend.void_invoice(invoice, "ref", idempotency_key="void-2")  # another key, still one void

    txns = transactions(main)
    [recorded] = [t for t in txns if t.meta.get("invoice") == invoice.number]
    [void] = [t for t in txns if t.meta.get("voids") == invoice.number]
    assert void.links == recorded.links and void.meta["salesflow-key"] == "void-1"
    assert sorted((p.account, -p.units.number) for p in void.postings) == sorted(
        (p.account, p.units.number) for p in recorded.postings
    )
    assert "wrong customer" in void.narration
    payments, _ = all_payments(backend)
    assert payments == [], "a void is not a payment"
    bean_check(main)


def test_voiding_an_invoice_the_ledger_lost_is_refused_for_good(tmp_path):
    backend = BeancountBackend(new_ledger(tmp_path))
    with pytest.raises(BackendError) as caught:
        backend.void_invoice(sample_invoice(), "ref", idempotency_key="void")
    assert not caught.value.transient and "nothing to void" in str(caught.value)


def test_an_invoice_whose_lines_do_not_add_up_is_refused_for_good(tmp_path):
    main = new_ledger(tmp_path)
    backend = BeancountBackend(main)
    invoice = sample_invoice()
    invoice.lines[0].tax_amount += Decimal("0.01")
    with pytest.raises(BackendError) as caught:
        push(backend, invoice)
    assert not caught.value.transient and invoice.number in str(caught.value)
    assert not (backend.layout.invoices / naming.invoice_file(invoice.number)).exists()


# -- a ledger someone broke, or that would break ----------------------------------------------------------------


def test_a_ledger_broken_by_hand_is_not_written_to_until_it_is_fixed(tmp_path):
    main = new_ledger(tmp_path)
    backend = BeancountBackend(main)
    push(backend, sample_invoice())
    good = main.read_text()
    main.write_text(good + UNBALANCED)
    line = len(good.splitlines()) + 2  # the transaction's first line, after the blank one
    invoice = sample_invoice()
    written = backend.layout.invoices / naming.invoice_file(invoice.number)

    with pytest.raises(BackendError) as caught:
        push(backend, invoice)
    assert caught.value.transient, "a person fixes the ledger, then the retry succeeds"
    assert f"ledger.beancount:{line}: Transaction does not balance" in str(caught.value)
    assert not written.exists()
    health = backend.health()
    assert not health.ok and f"ledger.beancount:{line}:" in health.detail
    with pytest.raises(BackendError):
        backend.fetch_payments(None)

    main.write_text(good)  # fixed
    assert push(backend, invoice) and written.exists()
    assert backend.health().ok
    bean_check(main)


def test_a_backend_started_on_a_broken_ledger_adds_nothing_to_it(tmp_path):
    main = new_ledger(tmp_path, BOOKS + UNBALANCED)
    backend = BeancountBackend(main)
    with pytest.raises(BackendError, match=r"ledger\.beancount:7: Transaction does not balance"):
        push(backend, sample_invoice())
    assert ledger.INCLUDE not in main.read_text()
    assert not backend.layout.invoices.exists()


def test_a_new_file_matched_by_the_accountants_own_include_is_checked_too(tmp_path):
    (tmp_path / "bank").mkdir()
    (tmp_path / "bank" / "2026-11.beancount").write_text('2026-11-02 note Assets:Bank "statement"\n')
    main = new_ledger(tmp_path, BOOKS + 'include "bank/*.beancount"\n')
    backend = BeancountBackend(main)
    push(backend, sample_invoice())
    (tmp_path / "bank" / "2026-12.beancount").write_text(UNBALANCED)  # dropped in by an importer
    with pytest.raises(BackendError, match=r"bank/2026-12\.beancount:2: Transaction does not balance"):
        push(backend, sample_invoice())


def test_a_ledger_file_that_went_away_is_an_outage(tmp_path):
    main = new_ledger(tmp_path)
    backend = BeancountBackend(main)
    push(backend, sample_invoice())
    main.rename(tmp_path / "elsewhere.beancount")  # an unmounted share, a file being restored
    with pytest.raises(BackendError) as caught:
        push(backend, sample_invoice())
    assert caught.value.transient and "ledger.beancount" in str(caught.value)
    assert not backend.health().ok
    (tmp_path / "elsewhere.beancount").rename(main)
    push(backend, sample_invoice())
    assert backend.health().ok
    bean_check(main)


def test_a_ledger_that_went_away_before_the_first_write_gets_nothing_beside_it(tmp_path):
    main = new_ledger(tmp_path)
    backend = BeancountBackend(main)
    main.rename(tmp_path / "elsewhere.beancount")
    with pytest.raises(BackendError, match="ledger.beancount: no such ledger file") as caught:
        push(backend, sample_invoice())
    assert caught.value.transient
    assert sorted(p.name for p in tmp_path.iterdir()) == ["elsewhere.beancount"]


def test_a_balance_assertion_after_the_invoice_date_refuses_it(tmp_path):
    assertion = "2026-12-31 balance Assets:Receivable  0 EUR"
    text = BOOKS + "2020-01-01 open Assets:Receivable\n\n" + assertion + "\n"
    main = new_ledger(tmp_path, text)
    backend = BeancountBackend(main)
    invoice = sample_invoice()
    with pytest.raises(BackendError) as caught:
        push(backend, invoice)
    line = text.splitlines().index(assertion) + 1
    assert f"ledger.beancount:{line}:" in str(caught.value) and "balance assertion" in str(caught.value)
    assert caught.value.transient
    assert not (backend.layout.invoices / naming.invoice_file(invoice.number)).exists()
    bean_check(main)


def test_an_account_the_accountant_closed_refuses_the_invoice_with_beancounts_reason(tmp_path):
    main = new_ledger(tmp_path, BOOKS + "2020-01-01 open Assets:Receivable\n2025-12-31 close Assets:Receivable\n")
    backend = BeancountBackend(main)
    invoice = sample_invoice()
    with pytest.raises(BackendError, match="inactive account 'Assets:Receivable'") as caught:
        push(backend, invoice)
    assert caught.value.transient and invoice.number in str(caught.value)
    assert not (backend.layout.invoices / naming.invoice_file(invoice.number)).exists()
    bean_check(main)


def test_a_lost_answer_leaves_the_file_and_the_retry_returns_it(tmp_path):
    main = new_ledger(tmp_path)
    backend = BeancountBackend(main)
    invoice = sample_invoice()
    real = ledger.forget_load_cache
    ledger.forget_load_cache = lambda layout: (_ for _ in ()).throw(OSError(28, "No space left on device"))
    try:
        with pytest.raises(BackendError) as caught:
            push(backend, invoice)
    finally:
        ledger.forget_load_cache = real
    assert caught.value.transient
    path = backend.layout.invoices / naming.invoice_file(invoice.number)
    assert path.exists()
    assert push(backend, invoice) == path.relative_to(tmp_path).as_posix()
    assert len([t for t in transactions(main) if t.meta.get("invoice") == invoice.number]) == 1


def test_beancounts_load_cache_is_dropped_when_salesflow_writes(tmp_path):
    main = new_ledger(tmp_path)
    backend = BeancountBackend(main)
    cache = tmp_path / ".ledger.beancount.picklecache"  # a stale cache would hide our new file from bean-check
    cache.write_bytes(b"stale")
    push(backend, sample_invoice())
    assert not cache.exists()


def test_two_workers_pushing_the_same_invoice_at_once_record_it_once(tmp_path):
    main = new_ledger(tmp_path)
    workers = [BeancountBackend(main), BeancountBackend(main)]  # two processes' worth: no shared lock
    for _ in range(5):
        invoice = sample_invoice()
        start, refs, errors = threading.Barrier(2), [], []

        def run(backend):
            start.wait()
            try:
                refs.append(push(backend, invoice))
            except BaseException as err:  # noqa: BLE001 - reported below
                errors.append(err)

        threads = [threading.Thread(target=run, args=(w,)) for w in workers]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors and len(set(refs)) == 1
        assert len([t for t in transactions(main) if t.meta.get("invoice") == invoice.number]) == 1
    assert main.read_text().count(ledger.INCLUDE) == 1
    assert not list(tmp_path.rglob("*.tmp")), "no temporary file is left behind"
    bean_check(main)


# -- payments ------------------------------------------------------------------------------------------------------


def test_a_payment_typed_later_with_an_earlier_date_is_still_returned(tmp_path):
    main = new_ledger(tmp_path)
    backend = BeancountBackend(main)
    invoice = sample_invoice()
    push(backend, invoice)
    pay(main, invoice.number, "100.00", on=date(2026, 12, 10))
    books = Books()
    cursor_text = books.read(backend)
    assert books.applied == [(invoice.number, Decimal("100.00"))]
    pay(main, invoice.number, "50.00", on=date(2026, 12, 1))  # backdated, typed after the read
    books.read(backend, cursor_text)
    assert books.applied == [(invoice.number, Decimal("50.00"))] and books.reversed == []


def test_a_payment_edited_deleted_or_moved_a_year_later_changes_its_invoices_statement(tmp_path):
    main = new_ledger(tmp_path)
    backend = BeancountBackend(main)
    invoice, other = sample_invoice(), sample_invoice()
    push(backend, invoice)
    push(backend, other)
    pay(main, invoice.number, "100.00", on=date(2026, 12, 10))
    pay(main, other.number, "5.00", on=date(2026, 12, 11))
    books = Books()
    cursor_text = books.read(backend)
    correct(main, "100.00", "120.00")
    cursor_text = books.read(backend, cursor_text)
    assert books.reversed == [(invoice.number, Decimal("100.00"))] and books.applied == [
        (invoice.number, Decimal("120.00"))
    ]
    text = main.read_text()
    start = text.index("2026-12-11 *")
    (tmp_path / "2026.beancount").write_text(text[start:])  # the accountant moves it to a file of its own
    main.write_text(text[:start] + 'include "2026.beancount"\n')
    books.read(backend, cursor_text)
    assert (books.applied, books.reversed) == ([], []), "a payment moved to another file is the same payment"
    assert (books.paid(invoice.number), books.paid(other.number)) == (Decimal("120.00"), Decimal("5.00"))


def test_identical_payments_have_their_own_ids_which_do_not_change(tmp_path):
    main = new_ledger(tmp_path)
    backend = BeancountBackend(main)
    invoice = sample_invoice()
    push(backend, invoice)
    pay(main, invoice.number, "10.00")
    pay(main, invoice.number, "10.00")
    once, _ = all_payments(backend)
    main.write_text(
        main.read_text()
        .replace('"Bank transfer"', '"Bank transfer, corrected narration"')
        .replace('option "title"', '; a comment above everything\noption "title"')
    )
    twice, _ = all_payments(backend)
    ids = [p.external_id for p in once]
    assert len(set(ids)) == 2 and ids == [p.external_id for p in twice]


def test_one_transfer_paying_two_invoices_is_split_by_posting_metadata(tmp_path):
    main = new_ledger(tmp_path)
    backend = BeancountBackend(main)
    a, b = sample_invoice(), sample_invoice()
    push(backend, a)
    push(backend, b)
    with main.open("a") as out:
        out.write(
            f'\n2026-12-05 * "Ferrante Tools BV" "One transfer" ^{naming.invoice_link(a.number)} '
            f"^{naming.invoice_link(b.number)}\n"
            f"  Assets:Bank        300.00 EUR\n"
            f"  Assets:Receivable -200.00 EUR\n"
            f'    invoice: "{a.number}"\n'
            f"  Assets:Receivable -100.00 EUR\n"
            f'    invoice: "{b.number}"\n'
        )
    payments, _ = all_payments(backend)
    assert sorted((p.invoice_number, p.amount) for p in payments) == [
        (a.number, Decimal("200.00")),
        (b.number, Decimal("100.00")),
    ]
    bean_check(main)


def test_statements_come_in_pages_and_a_change_between_pages_is_not_missed(tmp_path):
    main = new_ledger(tmp_path)
    backend = BeancountBackend(main, page_size=2)
    invoices = [sample_invoice() for _ in range(5)]
    for day, invoice in zip((5, 1, 9, 3, 7), invoices):
        push(backend, invoice)
        pay(main, invoice.number, f"{day}.00", on=date(2026, 12, day))
    page = backend.fetch_payments(None)
    assert 2 <= len(page.statements) < 5
    pay(main, invoices[0].number, "2.00", on=date(2026, 12, 2))  # typed between two pages, dated before both
    books = Books()
    for statement in page.statements:
        books._statement(statement)
    cursor_text = books.read(backend, page.cursor)
    cursor_text = books.read(backend, cursor_text)
    assert [books.paid(i.number) for i in invoices] == [Decimal(n) for n in ("7.00", "1.00", "9.00", "3.00", "7.00")]
    books.read(backend, cursor_text)
    assert (books.applied, books.reversed) == ([], [])


def test_a_receivable_posting_left_for_beancount_to_fill_in_is_read_with_its_amount(tmp_path):
    main = new_ledger(tmp_path)
    backend = BeancountBackend(main)
    invoice = sample_invoice()
    push(backend, invoice)
    with main.open("a") as out:
        out.write(
            f'\n2026-12-01 * "Ferrante Tools BV" "Transfer" ^invoice-{invoice.number}\n'
            f"  Assets:Bank   250.00 EUR\n"
            f"  Assets:Receivable\n"
        )
    payments, _ = all_payments(backend)
    assert [(p.invoice_number, p.amount, p.currency) for p in payments] == [(invoice.number, Decimal("250.00"), "EUR")]


def test_a_damaged_cursor_starts_over_rather_than_failing(tmp_path):
    main = new_ledger(tmp_path)
    backend = BeancountBackend(main)
    invoice = sample_invoice()
    push(backend, invoice)
    pay(main, invoice.number, "10.00")
    page = backend.fetch_payments("v1.not-a-cursor")
    assert [[p.amount for p in st.payments] for st in page.statements] == [[Decimal("10.00")]]


def test_the_cursor_has_the_same_size_whatever_the_ledger_holds():
    statements = {
        f"INV/2026/{n:05d}": (
            ExternalPayment(
                external_id=f"p{n}",
                invoice_number=f"INV/2026/{n:05d}",
                amount=Decimal(n),
                currency="EUR",
                paid_at=date(2026, 12, 1),
            ),
        )
        for n in range(1, 20001)
    }
    index = cursor.Index.of(statements)
    page, digests = cursor.next_page(index, None, limit=10**6)
    assert len(page) == 20000 and cursor.decode(cursor.encode(digests)) == index.digests
    assert len(cursor.encode(digests)) < 12000, "1,024 digests of 8 bytes, in base64"
    assert cursor.next_page(index, tuple(digests), limit=10)[0] == []


# -- files and links the accountant keeps -----------------------------------------------------------------------

PAYMENTS_GLOB = 'include "payments/**/*.beancount"\n'


def counting_loads(monkeypatch) -> list[int]:
    """Counts the full checks (each loads the whole ledger) the backend makes from now on."""
    calls: list[int] = []
    real = ledger.load

    def load(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(ledger, "load", load)
    return calls


def test_a_payment_typed_in_a_new_years_folder_is_read_on_the_next_pull(tmp_path):
    (tmp_path / "payments" / "2026").mkdir(parents=True)
    december = tmp_path / "payments" / "2026" / "12.beancount"
    december.write_text("; December's payments\n")
    main = new_ledger(tmp_path, BOOKS + PAYMENTS_GLOB)
    backend = BeancountBackend(main)  # the daily full check never comes due in this test
    invoice = sample_invoice()
    push(backend, invoice)
    books = Books()
    cursor_text = books.read(backend)
    pay(december, invoice.number, "100.00")
    cursor_text = books.read(backend, cursor_text)
    assert books.applied == [(invoice.number, Decimal("100.00"))]

    (tmp_path / "payments" / "2027").mkdir()
    pay(tmp_path / "payments" / "2027" / "01.beancount", invoice.number, "200.00", on=date(2027, 1, 5))
    cursor_text = books.read(backend, cursor_text)
    assert books.applied == [(invoice.number, Decimal("200.00"))]
    assert books.paid(invoice.number) == Decimal("300.00")
    bean_check(main)


def test_a_new_folder_or_a_file_no_include_matches_costs_no_full_check(tmp_path, monkeypatch):
    (tmp_path / "payments").mkdir()
    (tmp_path / "payments" / "2026.beancount").write_text("; this year's payments\n")
    main = new_ledger(tmp_path, BOOKS + PAYMENTS_GLOB)
    backend = BeancountBackend(main)
    invoice = sample_invoice()
    push(backend, invoice)
    books = Books()
    cursor_text = books.read(backend)
    loads = counting_loads(monkeypatch)

    folder = tmp_path / "payments" / "2027"
    folder.mkdir()  # made ahead, empty
    (tmp_path / "payments" / "bank-2026-12.csv").write_text("date,amount\n")  # a statement kept beside them
    (tmp_path / "notes.beancount").write_text("; not included by anything\n")
    cursor_text = books.read(backend, cursor_text)
    assert (loads, books.applied) == ([], [])

    pay(folder / "01.beancount", invoice.number, "40.00", on=date(2027, 1, 5))  # the folder made earlier is watched
    cursor_text = books.read(backend, cursor_text)
    assert (len(loads), books.applied) == (1, [(invoice.number, Decimal("40.00"))])
    books.read(backend, cursor_text)
    assert (len(loads), books.applied) == (1, [])


def test_a_payment_file_made_while_the_ledger_is_being_read_is_read_on_the_next_pull(tmp_path, monkeypatch):
    (tmp_path / "payments").mkdir()
    (tmp_path / "payments" / "2026.beancount").write_text("; this year's payments\n")
    main = new_ledger(tmp_path, BOOKS + PAYMENTS_GLOB)
    backend = BeancountBackend(main)
    invoice = sample_invoice()
    push(backend, invoice)
    pay(main, invoice.number, "5.00")  # makes the next pull read the whole ledger
    real = ledger._load_uncached

    def slow_load(path):
        loaded = real(path)  # beancount has globbed; the accountant saves a new file just after
        pay(tmp_path / "payments" / "2027.beancount", invoice.number, "70.00", on=date(2027, 1, 4))
        return loaded

    monkeypatch.setattr(ledger, "_load_uncached", slow_load)
    page = backend.fetch_payments(None)
    assert [[p.amount for p in s.payments] for s in page.statements] == [[Decimal("5.00")]]
    monkeypatch.setattr(ledger, "_load_uncached", real)
    page = backend.fetch_payments(page.cursor)
    assert [[p.amount for p in s.payments] for s in page.statements] == [[Decimal("5.00"), Decimal("70.00")]]


def test_a_file_named_by_an_include_before_it_exists_is_read_once_it_is_made(tmp_path):
    main = new_ledger(tmp_path, BOOKS + 'include "archive/2025/*.beancount"\n')
    backend = BeancountBackend(main)
    health = backend.health()
    assert not health.ok and "does not match any files" in health.detail
    (tmp_path / "archive").mkdir()
    assert not backend.health().ok
    (tmp_path / "archive" / "2025").mkdir()
    assert not backend.health().ok
    (tmp_path / "archive" / "2025" / "closing.beancount").write_text('2025-12-31 note Assets:Bank "closed"\n')
    assert backend.health().ok
    push(backend, sample_invoice())
    bean_check(main)


def test_a_symlinked_ledger_stays_a_link_and_its_target_gets_the_include_line(tmp_path):
    year = tmp_path / "2026.beancount"
    year.write_text(BOOKS)
    link = tmp_path / "current.beancount"
    link.symlink_to("2026.beancount")
    caches = [tmp_path / ".current.beancount.picklecache", tmp_path / ".2026.beancount.picklecache"]
    for cache in caches:  # from bean-check run on the link and on the file
        cache.write_bytes(b"stale")
    backend = BeancountBackend(link)
    invoice = sample_invoice()
    push(backend, invoice)
    assert link.is_symlink() and link.readlink() == Path("2026.beancount")
    assert not any(cache.exists() for cache in caches)
    assert ledger.INCLUDE in year.read_text().splitlines()
    pay(year, invoice.number, "100.00")  # typed in the file the accountant always edits
    books = Books()
    books.read(backend)
    assert books.applied == [(invoice.number, Decimal("100.00"))]
    bean_check(year)
    bean_check(link)


def test_a_ledger_link_re_pointed_at_year_end_is_followed(tmp_path):
    (tmp_path / "2026.beancount").write_text(BOOKS)
    link = tmp_path / "current.beancount"
    link.symlink_to("2026.beancount")
    backend = BeancountBackend(link)
    december, january = sample_invoice(), sample_invoice()
    push(backend, december)
    books = Books()
    cursor_text = books.read(backend)
    closed = (tmp_path / "2026.beancount").read_text()

    (tmp_path / "2027.beancount").write_text(BOOKS)  # the new year's books, without salesflow's line yet
    (tmp_path / "next.beancount").symlink_to("2027.beancount")
    (tmp_path / "next.beancount").replace(link)  # re-pointed atomically, as `ln -sfn` would
    push(backend, january)
    assert link.is_symlink() and link.readlink() == Path("2027.beancount")
    assert ledger.INCLUDE in (tmp_path / "2027.beancount").read_text().splitlines()
    assert (tmp_path / "2026.beancount").read_text() == closed, "last year's file is left alone"
    pay(tmp_path / "2027.beancount", january.number, "60.00", on=date(2027, 1, 8))
    books.read(backend, cursor_text)
    assert books.applied == [(january.number, Decimal("60.00"))]
    bean_check(link)


def test_checking_the_ledger_and_reading_its_payments_write_nothing(tmp_path):
    main = new_ledger(tmp_path, BOOKS + "2020-01-01 open Assets:Receivable\n" + PAYMENTS_GLOB)
    (tmp_path / "payments").mkdir()
    pay(tmp_path / "payments" / "2026.beancount", "INV/2026/00001", "10.00")
    before = snapshot_of(tmp_path)
    backend = BeancountBackend(main)
    assert backend.health().ok
    payments, _ = all_payments(backend)
    assert [p.amount for p in payments] == [Decimal("10.00")]
    assert snapshot_of(tmp_path) == before
    push(backend, sample_invoice())  # the first write sets the ledger up
    assert ledger.INCLUDE in main.read_text() and backend.layout.accounts.exists()


def snapshot_of(folder: Path) -> dict[str, tuple]:
    """Every entry under `folder`, hidden ones included, with what a write would change."""
    return {
        p.relative_to(folder).as_posix(): (p.is_symlink(), p.stat().st_mtime_ns, p.read_bytes() if p.is_file() else b"")
        for p in sorted(folder.rglob("*"))
    }


# -- names and configuration ---------------------------------------------------------------------------------------


def test_numbers_map_to_links_and_files_one_to_one():
    assert naming.invoice_link("INV/2026/00001") == "invoice-INV/2026/00001"
    for number in ("INV/2026/00001", "A B_1", "Fäktura #7", "/2026/1", "x/../y"):
        assert naming.number_of_link(naming.invoice_link(number)) == number
    files = {naming.invoice_file(n) for n in ("INV/2026/1", "INV-2026-1", "INV/2026/1.", "INV//2026/1", "/INV/2026/1")}
    assert len(files) == 5 and all(".." not in f.parts for f in files)
    assert naming.rate_account("Income:Sales", Decimal("5.500")) == "Income:Sales:Rate5-5"


def test_an_invoice_number_with_spaces_and_underscores_still_makes_a_valid_ledger(tmp_path):
    main = new_ledger(tmp_path)
    backend = BeancountBackend(main)
    invoice = sample_invoice(number="F 2026_7")
    push(backend, invoice)
    pay(main, invoice.number, "74.30")
    payments, _ = all_payments(backend)
    assert [(p.invoice_number, p.amount) for p in payments] == [("F 2026_7", Decimal("74.30"))]
    bean_check(main)


def test_account_names_come_from_the_environment(tmp_path):
    main = new_ledger(tmp_path, BOOKS + "2020-01-01 open Assets:Receivable\n")
    backend = BeancountBackend.from_settings(
        {
            "SALESFLOW_BEANCOUNT_LEDGER": str(main),
            "SALESFLOW_BEANCOUNT_RECEIVABLE": "Assets:Debtors",
            "SALESFLOW_BEANCOUNT_INCOME": "Income:Revenue",
            "SALESFLOW_BEANCOUNT_TAX": "Liabilities:VAT",
            "SALESFLOW_BEANCOUNT_ACCOUNT_PER_RATE": "tax",
        }
    )
    invoice = sample_invoice()
    push(backend, invoice)
    [txn] = [t for t in transactions(main) if t.meta.get("invoice") == invoice.number]
    assert sorted((p.account, p.units.number) for p in txn.postings) == [
        ("Assets:Debtors", Decimal("1074.30")),
        ("Income:Revenue", Decimal("-855.00")),  # one posting per rate, in the one income account
        ("Income:Revenue", Decimal("-37.50")),
        ("Liabilities:VAT:Rate21", Decimal("-179.55")),
        ("Liabilities:VAT:Rate6", Decimal("-2.25")),
    ]
    pay(main, invoice.number, "20.00", receivable="Assets:Debtors")
    pay(main, invoice.number, "99.00")  # to another receivable: not a payment of this backend's
    payments, _ = all_payments(backend)
    assert [p.amount for p in payments] == [Decimal("20.00")]
    bean_check(main)


def test_the_ledger_setting_is_required_and_named(tmp_path):
    with pytest.raises(DomainError) as caught:
        registry.load("beancount", env={})
    assert "SALESFLOW_BEANCOUNT_LEDGER" in caught.value.message
    assert caught.value.field == ("SALESFLOW_BEANCOUNT_LEDGER",)
    with pytest.raises(DomainError, match="SALESFLOW_BEANCOUNT_LEDGER"):
        BeancountBackend.from_settings({"SALESFLOW_BEANCOUNT_LEDGER": str(tmp_path / "missing.beancount")})
    with pytest.raises(DomainError, match="SALESFLOW_BEANCOUNT_INCOME"):
        BeancountBackend.from_settings(
            {"SALESFLOW_BEANCOUNT_LEDGER": str(new_ledger(tmp_path)), "SALESFLOW_BEANCOUNT_INCOME": "sales"}
        )
    [backend] = registry.load("beancount", env={"SALESFLOW_BEANCOUNT_LEDGER": str(new_ledger(tmp_path))})
    assert isinstance(backend, BeancountBackend)


def test_without_the_beancount_package_the_error_says_what_to_install(tmp_path, monkeypatch):
    monkeypatch.setattr(backend_module, "_MISSING", ImportError("No module named 'beancount'"))
    with pytest.raises(DomainError, match=r"pip install 'salesflow\[beancount\]'"):
        BeancountBackend(new_ledger(tmp_path))
