"""The `beancount` backend: issued invoices become transactions in a plain-text beancount
ledger that accountants keep; the payments they type into it come back to salesflow.

See ledger.py for the files and how the ledger is kept valid, render.py for the transactions,
payments.py for what counts as a payment and cursor.py for how payments are paged.

Pushing is O(1) in the size of the ledger: one new file, created atomically (temporary file,
fsync, hard link) and never twice - the file's existence is the record, so a retry, a second
worker, or the same number under another idempotency key finds it and returns its reference.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from ...domain.accounting import BackendError, Capabilities, Customer, Health, PaymentPage
from ...domain.errors import DomainError, ErrorCode
from ...domain.invoice import Invoice
from . import naming

try:
    from beancount.core import account as _account
    from beancount.core import data
    from beancount.parser import parser

    from . import cursor, files, ledger, render

    _MISSING: ImportError | None = None
except ImportError as err:  # beancount is an optional extra
    if not (err.name or "").startswith("beancount"):
        raise
    _MISSING = err

log = logging.getLogger("salesflow.beancount")
LEDGER = "SALESFLOW_BEANCOUNT_LEDGER"
DEFAULTS = {
    "SALESFLOW_BEANCOUNT_RECEIVABLE": "Assets:Receivable",
    "SALESFLOW_BEANCOUNT_INCOME": "Income:Sales",
    "SALESFLOW_BEANCOUNT_TAX": "Liabilities:Tax:Output",
}
#: A full check loads the whole ledger, as bean-check does: its time and memory grow with the
#: ledger (about 74 s and 800 MB at 100,000 invoices). It runs at the first call, whenever a
#: hand-kept file changes (which is where payments are typed) and whenever an include line of one
#: matches other files (a new month's file, in a new year's folder: includes.py); the periodic one
#: is only a backstop, so it is daily, and pushing invoices never pays for it: the worker's memory
#: stays flat as the ledger grows.
RECHECK_SECONDS = 86400.0
PER_RATE = "SALESFLOW_BEANCOUNT_ACCOUNT_PER_RATE"  # "income,tax" (default), "income", "tax" or "none"


def _invalid(var: str, message: str, **params) -> DomainError:
    return DomainError(ErrorCode.VALIDATION, message, var, var=var, **params)


class BeancountBackend:
    name = "beancount"
    capabilities = Capabilities(can_void=True, pulls_payments=True, payments_by_webhook=False, reports_reversals=True)

    def __init__(
        self,
        ledger_path: str | Path,
        *,
        receivable: str = "Assets:Receivable",
        income: str = "Income:Sales",
        tax: str = "Liabilities:Tax:Output",
        per_rate_income: bool = True,
        per_rate_tax: bool = True,
        recheck_seconds: float = RECHECK_SECONDS,
        page_size: int = 500,
    ):
        """`recheck_seconds`: how old the last full check may be when payments are fetched (a
        change to any hand-kept file triggers one at once; 0 checks on every fetch).
        `page_size`: about how many invoices' statements one fetch_payments hands out."""
        if _MISSING is not None:
            raise DomainError(
                ErrorCode.VALIDATION,
                "the beancount backend needs the beancount package: pip install 'salesflow[beancount]'",
                "SALESFLOW_ACCOUNTING",
            )
        for var, value in zip(DEFAULTS, (receivable, income, tax)):
            if not _account.is_valid(value):
                raise _invalid(
                    var,
                    "{var}: {value!r} is not a beancount account name (like {example})",
                    value=value,
                    example=DEFAULTS[var],
                )
        # Normalised as beancount's loader does it, so the paths it reports compare with ours;
        # not resolved: a symlinked ledger is looked up again at every write (files.replace).
        path = Path(os.path.normpath(Path(ledger_path).expanduser().absolute()))
        if not path.is_file():
            raise _invalid(LEDGER, "{var}: {path} is not a ledger file (create it, even empty, first)", path=path)
        self.layout = ledger.Layout(path)
        self.accounts = render.Accounts(receivable, income, tax, per_rate_income, per_rate_tax)
        self.recheck_seconds, self.page_size = recheck_seconds, page_size
        self._lock = threading.RLock()  # one call at a time per instance; files.locked between workers
        self._lock_depth = 0
        self._snap: ledger.Snapshot | None = None

    @classmethod
    def from_settings(cls, env: Mapping[str, str]) -> BeancountBackend:
        path = (env.get(LEDGER) or "").strip()
        if not path:
            raise _invalid(LEDGER, "the beancount backend needs {var}, the path of the main ledger file")
        words = {w.strip().lower() for w in env.get(PER_RATE, "income,tax").split(",") if w.strip()} - {"none"}
        if words - {"income", "tax"}:
            raise _invalid(PER_RATE, "{var} lists income, tax, both (comma-separated) or none")
        numbers = {}
        for var, kind, default in (("SALESFLOW_BEANCOUNT_RECHECK_SECONDS", float, RECHECK_SECONDS),):
            try:
                numbers[var] = kind(env.get(var) or default)
            except ValueError:
                raise _invalid(var, "{var} must be a number") from None
            if numbers[var] < 0:
                raise _invalid(var, "{var} must not be negative")
        receivable, income, tax = (env.get(var) or default for var, default in DEFAULTS.items())
        return cls(
            path,
            receivable=receivable,
            income=income,
            tax=tax,
            per_rate_income="income" in words,
            per_rate_tax="tax" in words,
            recheck_seconds=numbers["SALESFLOW_BEANCOUNT_RECHECK_SECONDS"],
        )

    # -- the ledger's state ------------------------------------------------------------------------------------

    def _check(self) -> ledger.Snapshot:
        """A full check. It only reads: health(), fetch_payments() and `sync --check` leave the
        ledger's folder as they found it."""
        try:
            self._need_main()
            return ledger.load(self.layout, self.accounts.receivable, self._snap)
        except OSError as err:
            return self._unreadable(err)

    def _need_main(self) -> None:
        if not self.layout.main.is_file():
            raise FileNotFoundError(2, "no such ledger file", str(self.layout.main))

    def _unreadable(self, err: OSError) -> ledger.Snapshot:
        layout = self.layout
        return ledger.Snapshot(
            error=f"{layout.show(err.filename or layout.main)}: {err.strerror or err}",
            checked_at=time.monotonic(),
            watched={str(p): files.signature(p) for p in (layout.main, layout.root)},
        )

    def _set_up(self) -> ledger.Snapshot:
        """Before the first write: salesflow's accounts file and the include line that reads it
        (added only to a ledger that passes, so a broken one gains nothing), then a full check."""
        layout = self.layout
        try:
            self._need_main()  # a ledger that went away gets no salesflow folder beside it
            with self._locked():  # another worker may be setting it up too
                if not layout.accounts.exists():
                    files.write_new(layout.accounts, ledger.ACCOUNTS_HEADER)
                snap = ledger.load(layout, self.accounts.receivable, self._snap)
                if snap.error is None and not snap.includes_ours:
                    ledger.add_include(layout)
                    snap = ledger.load(layout, self.accounts.receivable, snap)
                    if snap.error is None and not snap.includes_ours:
                        snap.error = (
                            f"{layout.show(layout.main)}: salesflow added `{ledger.INCLUDE}` but "
                            f"the ledger still does not read {layout.show(layout.accounts)}"
                        )
        except OSError as err:
            snap = self._unreadable(err)
        self._snap = snap
        return snap

    @contextmanager
    def _locked(self) -> Iterator[None]:
        """The ledger's lock file, taken once even when a check inside a locked step needs it too
        (flock on a second descriptor would wait for ourselves)."""
        if self._lock_depth:
            self._lock_depth += 1
            try:
                yield
            finally:
                self._lock_depth -= 1
            return
        with files.locked(self.layout.lock):
            self._lock_depth = 1
            try:
                yield
            finally:
                self._lock_depth = 0

    def _state(self, *, for_payments: bool = False) -> ledger.Snapshot:
        """The last full check, redone if a hand-kept file changed since, or - when reading
        payments, or while the ledger is broken - if it is older than recheck_seconds."""
        snap = self._snap
        if snap is not None and not snap.changed():
            too_old = time.monotonic() - snap.checked_at >= self.recheck_seconds
            if not ((for_payments or snap.error) and too_old):
                return snap
        self._snap = self._check()
        return self._snap

    def _writable(self) -> ledger.Snapshot:
        snap = self._state()
        # Not set up yet (or someone removed the include line): set up now. A broken ledger is
        # set up again only while our accounts file is missing - an include line naming a folder
        # that is not there is itself an error - so a retry on it costs no second full check.
        if not snap.includes_ours and (snap.error is None or not self.layout.accounts.exists()):
            snap = self._set_up()
        if snap.error:
            # Transient: the ledger is a file people edit; once someone fixes it the same write
            # succeeds, so the outbox keeps retrying (with backoff) instead of dead-lettering
            # every invoice issued meanwhile. health() shows the same message.
            raise BackendError(
                f"{snap.error} - the ledger does not pass bean-check; salesflow writes "
                f"nothing to it until that is fixed"
            )
        return snap

    # -- writing -------------------------------------------------------------------------------------------------

    def _paths(self, invoice: Invoice) -> tuple[Path, Path]:
        if not invoice.number:
            raise BackendError("an invoice without a number cannot be recorded", transient=False)
        try:
            relative = naming.invoice_file(invoice.number)
        except ValueError as err:
            raise BackendError(str(err), transient=False) from None
        return self.layout.invoices / relative, self.layout.voids / relative

    def _reference(self, path: Path) -> str:
        return path.relative_to(self.layout.root).as_posix()

    def _declare(self, snap: ledger.Snapshot, entry: data.Transaction, text: str) -> ledger.Snapshot:
        """Open the accounts and declare the currencies the entry needs that the ledger does not
        yet, in our accounts file. A currency salesflow brings into a ledger (IRR, the first time
        an invoice is in it) is declared so that a ledger kept with `check_commodity` (bean-check,
        Fava) still passes - a declaration is harmless in one that is not."""
        needed = ledger.Needs.of(entry) - snap
        if not needed:
            return snap
        with self._locked():
            fresh = self._writable()  # another worker may have declared some meanwhile
            planned = needed - fresh
            if fresh is not snap:
                ledger.check_write(self.layout, fresh, text, planned.opens())
            if planned:
                mine = ledger.declared_by_us(self.layout)
                ledger.write_accounts(self.layout, mine + planned.entries(without=mine))
                fresh.opens.update(planned.opens())
                fresh.commodities.update(planned.currencies)
                fresh.watched[str(self.layout.accounts)] = files.signature(self.layout.accounts)
            return fresh

    def _write(self, path: Path, entry: data.Transaction) -> None:
        snap = self._writable()
        text = render.text(entry)
        ledger.check_write(self.layout, snap, text, (ledger.Needs.of(entry) - snap).opens())
        self._declare(snap, entry, text)
        if not files.write_new(path, text):
            log.info("%s was written meanwhile by another worker", self._reference(path))
        ledger.forget_load_cache(self.layout)

    def push_invoice(self, invoice: Invoice, customer: Customer, *, idempotency_key: str) -> str:
        path, _ = self._paths(invoice)
        reference = self._reference(path)
        with self._lock:
            try:
                if path.exists():  # recorded before (a retry, or another key for the same number)
                    files.make_durable(path)
                    return reference
                self._write(path, render.invoice_entry(invoice, customer, self.accounts, idempotency_key))
            except OSError as err:
                raise BackendError(f"{reference}: {err.strerror or err}") from err
        return reference

    def void_invoice(self, invoice: Invoice, external_ref: str, *, idempotency_key: str) -> None:
        path, void_path = self._paths(invoice)
        reference = self._reference(void_path)
        with self._lock:
            try:
                if void_path.exists():
                    files.make_durable(void_path)
                    return
                if not path.exists():
                    raise BackendError(
                        f"{self._reference(path)} is not in the ledger, so there is nothing to "
                        f"void (was it removed by hand?)",
                        transient=False,
                    )
                self._writable()
                entries, errors, _ = parser.parse_file(str(path))
                recorded = [e for e in entries if isinstance(e, data.Transaction) and render.KEY in e.meta]
                if errors or len(recorded) != 1:
                    raise BackendError(
                        f"{self._reference(path)} does not hold one salesflow transaction; it was edited by hand",
                        transient=False,
                    )
                # Dated when salesflow voided it (the invoice's last change), not when this call runs:
                # a retry hours later, or a worker whose clock is off, writes the same entry.
                voided_on = invoice.updated_at.date() if invoice.updated_at else invoice.issue_date
                self._write(
                    void_path,
                    render.void_entry(recorded[0], invoice.number, idempotency_key, voided_on, invoice.void_reason),
                )
            except OSError as err:
                raise BackendError(f"{reference}: {err.strerror or err}") from err

    # -- reading -------------------------------------------------------------------------------------------------

    def fetch_payments(self, cursor_text: str | None) -> PaymentPage:
        """The statements of the invoices whose payments changed since the cursor (see cursor.py):
        everything paid on each now, reversing entries included."""
        with self._lock:
            snap = self._state(for_payments=True)
            if snap.error:
                raise BackendError(
                    f"{snap.error} - the ledger does not pass bean-check, so its payments are "
                    f"not read until that is fixed"
                )
            seen = None
            if cursor_text:
                try:
                    seen = cursor.decode(cursor_text)
                except ValueError as err:
                    # Starting over is safe: reconciling a statement that is already in step changes nothing.
                    log.warning("beancount: %s; reading every invoice's payments again", err)
            page, digests = cursor.next_page(snap.payments, seen, limit=self.page_size)
            return PaymentPage(statements=page, cursor=cursor.encode(digests))

    def health(self) -> Health:
        with self._lock:
            snap = self._state()
        if snap.error:
            return Health(False, snap.error)
        age = time.monotonic() - snap.checked_at
        return Health(True, f"{self.layout.show(self.layout.main)} passed a full check {age:.0f}s ago")
