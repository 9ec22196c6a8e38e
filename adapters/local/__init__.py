"""The default accounting backend: the books are salesflow's own.

Nothing is sent anywhere: pushing an issued invoice just acknowledges it (its reference is its
number), and payments arrive only through the `recordPayment` mutation, so there is nothing to pull.
"""

from __future__ import annotations

from ...domain.accounting import Capabilities, Customer, Health, PaymentPage
from ...domain.invoice import Invoice


class LocalBackend:
    name = "local"
    capabilities = Capabilities(can_void=True, pulls_payments=False, payments_by_webhook=False)

    def push_invoice(self, invoice: Invoice, customer: Customer, *, idempotency_key: str) -> str:
        return f"local:{invoice.number}"

    def void_invoice(self, invoice: Invoice, external_ref: str, *, idempotency_key: str) -> None:
        return None

    def fetch_payments(self, cursor: str | None) -> PaymentPage:
        return PaymentPage(payments=[], cursor=cursor)

    def health(self) -> Health:
        return Health(ok=True, detail="the books are salesflow's own")
