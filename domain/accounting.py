"""The port to accounting: where issued invoices go to be collected, and where payments come from.

A backend (adapters/<name>/) implements `AccountingBackend`. The outbox worker calls it, never
the operations: an operation only writes an outbox entry in its own transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import Protocol

from .invoice import Invoice
from .money import currency_precision
from .parties import Account, Contact


@dataclass(frozen=True)
class Capabilities:
    """What a backend can do, declared so the worker and the UI need not guess."""

    can_void: bool = True
    pulls_payments: bool = True  # fetch_payments returns payments recorded in the backend
    payments_by_webhook: bool = False  # the backend reports payments itself (recordPayment)
    #: fetch_payments reports, for each invoice whose payments changed, everything paid on it now
    #: (PaymentPage.statements): salesflow reverses what was edited, deleted or reversed there
    reports_reversals: bool = False


@dataclass(frozen=True)
class Customer:
    """Who is invoiced, as a backend needs to know it."""

    name: str
    email: str | None = None
    phone: str | None = None
    account_id: int | None = None
    contact_id: int | None = None

    @classmethod
    def of(cls, account: Account | None, contact: Contact | None = None) -> Customer:
        if account is not None:
            return cls(
                name=account.name,
                email=account.email,
                phone=account.phone,
                account_id=account.id,
                contact_id=contact.id if contact else None,
            )
        if contact is not None:
            return cls(name=contact.name, email=contact.email, phone=contact.phone, contact_id=contact.id)
        return cls(name="(no customer)")


@dataclass(frozen=True)
class ExternalPayment:
    """A payment recorded in a backend, for an invoice it knows by number."""

    external_id: str  # unique in the backend: applying it twice is refused
    invoice_number: str
    amount: Decimal
    currency: str
    paid_at: date
    reference: str | None = None
    #: False: `amount` is one payment. True: `amount` is everything paid on the invoice in the
    #: backend so far (backends such as Odoo show a residual, not single payments); salesflow
    #: applies the difference from what it already has from this backend, and an id of the form
    #: "<invoice>@<total>" makes each step unique.
    cumulative: bool = False
    #: The external id of the payment this entry takes back (a reversal the backend names, such as
    #: a webhook's `payment.reversed`); its amount is then negative. A negative entry that names
    #: none (a reversing entry typed in a ledger) is matched to a payment by amount.
    reverses: str | None = None


@dataclass(frozen=True)
class InvoicePayments:
    """Everything a backend holds as paid on one invoice now, reversals included (a statement).

    salesflow makes its payments from that backend match it: what is new is applied, what is gone
    or reversed is reversed, so an edit or a deletion in the backend never counts twice. A running-
    total backend reports one `cumulative` entry (0 when nothing is paid any more)."""

    invoice_number: str
    payments: tuple[ExternalPayment, ...] = ()


@dataclass(frozen=True)
class PaymentPage:
    payments: list[ExternalPayment] = field(default_factory=list)
    cursor: str | None = None  # pass back to get what came after; stored per backend
    #: From a backend that `reports_reversals`: the statements of the invoices that changed.
    statements: list[InvoicePayments] = field(default_factory=list)


@dataclass(frozen=True)
class Health:
    ok: bool
    detail: str = ""


class BackendError(Exception):
    """A backend call failed. `transient` ones are retried with backoff; others go to dead-letter."""

    def __init__(self, message: str, *, transient: bool = True):
        super().__init__(message)
        self.transient = transient


class AccountingBackend(Protocol):
    name: str
    capabilities: Capabilities

    def push_invoice(self, invoice: Invoice, customer: Customer, *, idempotency_key: str) -> str:
        """Record an issued invoice; returns the backend's reference. The same key never records twice."""

    def void_invoice(self, invoice: Invoice, external_ref: str, *, idempotency_key: str) -> None:
        """Void an invoice pushed earlier (only if capabilities.can_void)."""

    def fetch_payments(self, cursor: str | None) -> PaymentPage:
        """Payments recorded after the cursor (None: from the beginning), and the next cursor."""

    def health(self) -> Health: ...


def _plain(value: Decimal) -> Decimal:
    """7.000000 -> 7, 19.9900 -> 19.99: a quantity or rate without the store's padding."""
    return value.quantize(Decimal(1)) if value == value.to_integral_value() else value.normalize()


def presented(invoice: Invoice) -> Invoice:
    """A copy of the invoice as a backend is given it: amounts at the currency's precision
    (3192.50, not the store's 3192.5000), quantities, prices and rates without padding zeros."""
    places = Decimal(1).scaleb(-currency_precision(invoice.currency))

    def money(value: Decimal) -> Decimal:
        exact = value.quantize(places)
        if exact != value:  # stored amounts are always at the currency's precision
            raise ValueError(f"{invoice}: {value} is not a {invoice.currency} amount")
        return exact

    lines = [
        replace(
            line,
            quantity=_plain(line.quantity),
            unit_price=_plain(line.unit_price),
            discount_percent=_plain(line.discount_percent),
            tax_rate=_plain(line.tax_rate),
            subtotal=money(line.subtotal),
            discount_amount=money(line.discount_amount),
            net_amount=money(line.net_amount),
            tax_amount=money(line.tax_amount),
            total=money(line.total),
        )
        for line in invoice.lines
    ]
    return replace(
        invoice,
        subtotal=money(invoice.subtotal),
        discount_total=money(invoice.discount_total),
        tax_total=money(invoice.tax_total),
        total=money(invoice.total),
        amount_paid=money(invoice.amount_paid),
        lines=lines,
    )


def idempotency_key(invoice_number: str, backend: str, operation: str) -> str:
    """The same for every attempt at one operation on one invoice in one backend: a retry after a
    crash between push and acknowledgement is recognised by the backend, never duplicated."""
    return f"salesflow:{backend}:{operation}:{invoice_number}"
