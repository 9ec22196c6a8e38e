"""The conformance suite every accounting backend passes: subclass it in your tests, say how to
make your backend and how to look into it, and pytest runs the rest.

    from salesflow.adapters.testing import BackendConformance

    class TestMyLedger(BackendConformance):
        @pytest.fixture
        def backend(self, tmp_path):
            return MyLedger(path=tmp_path / "books")

        def recorded(self, backend, number):        # how many invoices it holds under this number
            ...
        def pay(self, backend, invoice, amount):     # a payment entered in the backend by its users
            ...
        @contextmanager
        def outage(self, backend):                   # the backend unreachable while inside
            ...
        def take_back(self, backend, invoice, amount):            # reverse a payment there
            ...
        def correct(self, backend, invoice, amount, new_amount):  # edit a payment's amount there
            ...

The checks work at the port (`salesflow.domain.accounting.AccountingBackend`) only: pushing is
idempotent per key, voiding works (when declared), payments come back once each through the cursor,
an outage is a transient `BackendError` and a retry after it records once, and the capability flags
say what the backend does. A backend that `reports_reversals` must bring a payment reversed or
corrected in place back as such: `Books` works out what salesflow would hold after each read, and
the amount paid must equal the backend's, nothing counted twice. Hooks a backend cannot honour
(there is nothing to count in `local`) skip the checks that need them, with the reason.

pytest is imported only when a check runs: it comes with the `test` extra, and the runtime package
(which ships this module) never imports it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from decimal import Decimal

from ..domain.accounting import (
    AccountingBackend,
    BackendError,
    Capabilities,
    Customer,
    ExternalPayment,
    Health,
    InvoicePayments,
    PaymentPage,
    idempotency_key,
)
from ..domain.invoice import Invoice, InvoiceLine
from ..domain.reconciliation import standing
from ..domain.status import InvoiceStatus

_numbers = itertools.count(1)


def sample_invoice(*, currency: str = "EUR", number: str | None = None) -> Invoice:
    """An issued invoice with two tax rates, priced by the domain's own rules (total 1,074.30 EUR, tax 181.80)."""
    invoice = Invoice(
        id=next(_numbers),
        number=number or f"INV/2026/T{next(_numbers):05d}",
        status=InvoiceStatus.ISSUED.value,
        order_id=1,
        account_id=1,
        currency=currency,
        issue_date=date(2026, 11, 23),
        due_date=date(2026, 12, 23),
    )
    invoice.lines = [
        InvoiceLine(
            id=1,
            sequence=1,
            description="Consulting day",
            quantity=Decimal("2"),
            unit_price=Decimal("450.00"),
            discount_percent=Decimal("5"),
            tax_rate=Decimal("21"),
        ),
        InvoiceLine(
            id=2,
            sequence=2,
            description="Manual",
            product_code="DOC-1",
            quantity=Decimal("3"),
            unit_price=Decimal("12.50"),
            tax_rate=Decimal("6"),
        ),
    ]
    for line in invoice.lines:
        line.price(currency)
    invoice.retotal()
    return invoice


CUSTOMER = Customer(name="Ferrante Tools BV", email="billing@ferrante.example", phone="+31 20 555 0100", account_id=1)


def all_pages(backend: AccountingBackend, cursor: str | None = None, *, pages: int = 100) -> tuple[list, str | None]:
    """Every page after `cursor`, until one comes back empty; and the last cursor."""
    found: list[PaymentPage] = []
    for _ in range(pages):
        page = backend.fetch_payments(cursor)
        assert isinstance(page, PaymentPage)
        if not page.payments and not page.statements:
            return found, page.cursor
        found.append(page)
        assert page.cursor != cursor, "a page with payments must move the cursor on"
        cursor = page.cursor
    raise AssertionError(f"fetch_payments still returned payments after {pages} pages")


def all_payments(backend: AccountingBackend, cursor: str | None = None, *, pages: int = 100) -> tuple[list, str | None]:
    """Every payment after `cursor` (the entries of statements too), and the last cursor."""
    read, cursor = all_pages(backend, cursor, pages=pages)
    return [p for page in read for p in [*page.payments, *(e for s in page.statements for e in s.payments)]], cursor


class Books:
    """What salesflow holds from one backend after reading its pages, worked out as the worker
    does (statements reconciled, single payments applied once): per invoice, the standing
    payments by external id, and what each read applied and reversed."""

    def __init__(self):
        self.held: dict[str, dict[str, Decimal]] = {}
        self.applied: list[tuple[str, Decimal]] = []  # (invoice number, amount) of the last read
        self.reversed: list[tuple[str, Decimal]] = []

    def read(self, backend: AccountingBackend, cursor: str | None = None) -> str | None:
        """Read every page after `cursor`; returns the cursor to go on from."""
        self.applied, self.reversed = [], []
        pages, cursor = all_pages(backend, cursor)
        for page in pages:
            for paid in page.payments:
                self._single(paid)
            for statement in page.statements:
                self._statement(statement)
        return cursor

    def paid(self, number: str) -> Decimal:
        return sum(self.held.get(number, {}).values(), Decimal(0))

    def _single(self, paid: ExternalPayment) -> None:
        held = self.held.setdefault(paid.invoice_number, {})
        if paid.cumulative:
            more = paid.amount - sum(held.values(), Decimal(0))
            if more > 0:
                held[paid.external_id] = more
                self.applied.append((paid.invoice_number, more))
        elif paid.external_id not in held:
            held[paid.external_id] = paid.amount
            self.applied.append((paid.invoice_number, paid.amount))

    def _statement(self, statement: InvoicePayments) -> None:
        number = statement.invoice_number
        held = self.held.setdefault(number, {})
        running = [e for e in statement.payments if e.cumulative]
        if running:
            now, before = running[-1].amount, sum(held.values(), Decimal(0))
            if now < before:
                self.reversed.append((number, before - now))
            elif now > before:
                self.applied.append((number, now - before))
            self.held[number] = {running[-1].external_id: now} if now > 0 else {}
            return
        theirs = {p.external_id: p.amount for p in standing(statement.payments).payments}
        self.reversed += [(number, amount) for ident, amount in held.items() if ident not in theirs]
        self.applied += [(number, amount) for ident, amount in theirs.items() if ident not in held]
        self.held[number] = theirs


def newly_paid(payments: list[ExternalPayment], number: str, before: Decimal = Decimal(0)) -> list[Decimal]:
    """The amounts paid on one invoice, one per payment read, in order: for a backend that reports
    running totals (`cumulative`), each step's difference from the total before it."""
    amounts = []
    for paid in payments:
        if paid.invoice_number != number:
            continue
        if paid.cumulative:
            amounts.append(paid.amount - before)
            before = paid.amount
        else:
            amounts.append(paid.amount)
    return amounts


def _pytest():
    """pytest, imported when a check needs it (to skip, or to expect an error)."""
    import pytest

    return pytest


class BackendConformance:
    """The checks; a subclass provides the `backend` fixture (a fresh backend per test, see the module
    docstring; pytest reports "fixture 'backend' not found" without it) and the hooks below."""

    # -- what a backend's own test provides ------------------------------------------------------

    def recorded(self, backend: AccountingBackend, number: str) -> int:
        """How many invoices the backend holds under this invoice number."""
        _pytest().skip(f"{backend.name}: nothing to count (the backend keeps no invoices of its own)")

    def voided(self, backend: AccountingBackend, number: str) -> bool:
        """Whether the backend shows the invoice as voided (cancelled, reversed)."""
        _pytest().skip(f"{backend.name}: voids leave nothing to look at")

    def pay(self, backend: AccountingBackend, invoice: Invoice, amount: Decimal) -> None:
        """Enter a payment for the invoice in the backend, the way its users would."""
        _pytest().skip(f"{backend.name}: payments are not entered in this backend")

    @contextmanager
    def outage(self, backend: AccountingBackend) -> Iterator[None]:
        """Make the backend unreachable (down, timing out, failing) while inside."""
        _pytest().skip(f"{backend.name}: cannot be made to fail")
        yield

    @contextmanager
    def lost_answer(self, backend: AccountingBackend) -> Iterator[None]:
        """The backend does the work but its answer never arrives (a timeout after it committed)."""
        _pytest().skip(f"{backend.name}: cannot lose an answer")
        yield

    # -- helpers -----------------------------------------------------------------------------------

    def push(self, backend: AccountingBackend, invoice: Invoice) -> str:
        return backend.push_invoice(
            invoice, CUSTOMER, idempotency_key=idempotency_key(invoice.number, backend.name, "push")
        )

    # -- capability flags ----------------------------------------------------------------------------

    def test_declares_a_name_and_its_capabilities(self, backend):
        assert isinstance(backend.name, str) and backend.name.strip() == backend.name and backend.name
        assert len(backend.name) <= 64
        assert isinstance(backend.capabilities, Capabilities)

    def test_reports_its_health(self, backend):
        health = backend.health()
        assert isinstance(health, Health) and health.ok, health.detail

    def test_a_backend_that_pulls_no_payments_returns_none(self, backend):
        if backend.capabilities.pulls_payments:
            _pytest().skip("pulls payments: see the payment checks")
        self.push(backend, sample_invoice())
        payments, _ = all_payments(backend)
        assert payments == []

    # -- push ---------------------------------------------------------------------------------------------

    def test_push_returns_a_reference(self, backend):
        ref = self.push(backend, sample_invoice())
        assert isinstance(ref, str) and ref and len(ref) <= 200

    def test_pushing_again_with_the_same_key_records_once(self, backend):
        invoice = sample_invoice()
        first, second = self.push(backend, invoice), self.push(backend, invoice)
        assert first == second
        assert self.recorded(backend, invoice.number) == 1

    def test_each_invoice_is_recorded_under_its_own_reference(self, backend):
        a, b = sample_invoice(), sample_invoice()
        refs = {self.push(backend, a), self.push(backend, b)}
        assert len(refs) == 2
        assert (self.recorded(backend, a.number), self.recorded(backend, b.number)) == (1, 1)

    def test_an_invoice_in_another_currency_keeps_its_currency(self, backend):
        invoice = sample_invoice(currency="USD")
        self.push(backend, invoice)
        assert self.recorded(backend, invoice.number) == 1

    # -- void ---------------------------------------------------------------------------------------------

    def test_void_after_push_and_again_with_the_same_key(self, backend):
        if not backend.capabilities.can_void:
            _pytest().skip(f"{backend.name} declares it cannot void; the worker dead-letters voids at once")
        invoice = sample_invoice()
        ref = self.push(backend, invoice)
        key = idempotency_key(invoice.number, backend.name, "void")
        backend.void_invoice(invoice, ref, idempotency_key=key)
        backend.void_invoice(invoice, ref, idempotency_key=key)
        assert self.voided(backend, invoice.number)
        assert self.recorded(backend, invoice.number) == 1

    def test_an_invoice_not_voided_is_not_shown_voided(self, backend):
        invoice = sample_invoice()
        self.push(backend, invoice)
        assert not self.voided(backend, invoice.number)

    # -- payments --------------------------------------------------------------------------------------------

    def _needs_payments(self, backend):
        if not backend.capabilities.pulls_payments:
            _pytest().skip(f"{backend.name} does not pull payments")

    def test_a_payment_comes_back_once_with_its_invoice_amount_and_currency(self, backend):
        self._needs_payments(backend)
        invoice = sample_invoice()
        self.push(backend, invoice)
        self.pay(backend, invoice, Decimal("100.00"))
        payments, _ = all_payments(backend)
        mine = [p for p in payments if p.invoice_number == invoice.number]
        assert mine, "the payment must come back"
        for paid in mine:
            assert isinstance(paid, ExternalPayment) and paid.external_id and len(paid.external_id) <= 200
            assert paid.currency == "EUR"
            assert isinstance(paid.amount, Decimal) and isinstance(paid.paid_at, date)
        books = Books()
        cursor = books.read(backend)
        assert books.paid(invoice.number) == Decimal("100.00")
        assert books.applied == [(invoice.number, Decimal("100.00"))]
        books.read(backend, cursor)
        assert books.applied == [] and books.reversed == [], "a cursor must not hand back what was already read"

    def test_the_cursor_resumes_after_what_was_read(self, backend):
        self._needs_payments(backend)
        invoice = sample_invoice()
        self.push(backend, invoice)
        self.pay(backend, invoice, Decimal("40.00"))
        books = Books()
        cursor = books.read(backend)
        self.pay(backend, invoice, Decimal("60.25"))
        books.read(backend, cursor)
        assert books.applied == [(invoice.number, Decimal("60.25"))] and books.reversed == []
        assert books.paid(invoice.number) == Decimal("100.25")

    def test_reading_from_the_start_again_gives_the_same_ids(self, backend):
        self._needs_payments(backend)
        invoice = sample_invoice()
        self.push(backend, invoice)
        self.pay(backend, invoice, Decimal("10.00"))
        once, _ = all_payments(backend)
        twice, _ = all_payments(backend)
        assert [p.external_id for p in once] == [p.external_id for p in twice], (
            "re-reading a page after a crash must name the same payments, so they apply once"
        )

    # -- reversals (backends that report them) ---------------------------------------------------------

    def take_back(self, backend: AccountingBackend, invoice: Invoice, amount: Decimal) -> None:
        """Reverse a payment of this amount the way the backend's users do (a reversing entry, a
        cancelled or unreconciled payment)."""
        _pytest().skip(f"{backend.name}: payments are not reversed in this backend")

    def correct(self, backend: AccountingBackend, invoice: Invoice, amount: Decimal, new_amount: Decimal) -> None:
        """Change a payment's amount in place, as its users would correct a typo."""
        _pytest().skip(f"{backend.name}: payments are not corrected in place in this backend")

    def _needs_reversals(self, backend):
        self._needs_payments(backend)
        if not backend.capabilities.reports_reversals:
            _pytest().skip(f"{backend.name} does not report reversals")

    def test_a_payment_reversed_in_the_backend_comes_back_as_a_reversal(self, backend):
        self._needs_reversals(backend)
        invoice = sample_invoice()
        self.push(backend, invoice)
        self.pay(backend, invoice, Decimal("100.00"))
        self.pay(backend, invoice, Decimal("30.00"))
        books = Books()
        cursor = books.read(backend)
        self.take_back(backend, invoice, Decimal("100.00"))
        books.read(backend, cursor)
        assert books.paid(invoice.number) == Decimal("30.00")
        assert sum(a for _n, a in books.reversed) - sum(a for _n, a in books.applied) == Decimal("100.00")

    def test_a_payment_corrected_in_place_replaces_the_one_it_corrects(self, backend):
        self._needs_reversals(backend)
        invoice = sample_invoice()
        self.push(backend, invoice)
        self.pay(backend, invoice, Decimal("100.00"))
        books = Books()
        cursor = books.read(backend)
        self.correct(backend, invoice, Decimal("100.00"), Decimal("120.00"))
        books.read(backend, cursor)
        assert books.paid(invoice.number) == Decimal("120.00"), "the corrected payment must not count twice"

    # -- failure and retry ----------------------------------------------------------------------------------------

    def test_an_outage_is_a_transient_backend_error(self, backend):
        invoice = sample_invoice()
        with self.outage(backend):
            with _pytest().raises(BackendError) as caught:
                self.push(backend, invoice)
            assert caught.value.transient, "an outage must be retried, not dead-lettered"
            assert not backend.health().ok

    def test_a_retry_after_an_outage_records_once(self, backend):
        invoice = sample_invoice()
        with self.outage(backend):
            with _pytest().raises(BackendError):
                self.push(backend, invoice)
        self.push(backend, invoice)
        self.push(backend, invoice)
        assert self.recorded(backend, invoice.number) == 1

    def test_a_push_whose_answer_was_lost_is_not_recorded_twice(self, backend):
        invoice = sample_invoice()
        with self.lost_answer(backend):
            with _pytest().raises(BackendError):
                self.push(backend, invoice)
        self.push(backend, invoice)
        assert self.recorded(backend, invoice.number) == 1

    def test_fetching_payments_in_an_outage_is_a_backend_error(self, backend):
        self._needs_payments(backend)
        with self.outage(backend):
            with _pytest().raises(BackendError):
                backend.fetch_payments(None)
