"""The `webhook` backend: each issued or voided invoice is POSTed as a signed JSON event.

    POST <SALESFLOW_WEBHOOK_URL>
    Content-Type: application/json
    Salesflow-Signature: t=1795430400,v1=5f2c…        (HMAC-SHA256 over "<t>.<raw body>")
    Idempotency-Key: salesflow:webhook:push:INV/2026/00001

    {"id": "salesflow:webhook:push:INV/2026/00001", "type": "invoice.issued", "created": 1795430400,
     "data": {"invoice": {...}, "customer": {...}}}

The event id is the deterministic idempotency key, the same on every retry: a receiver keeps the
ids it has processed and answers a repeat with 2xx without doing it again. A 2xx answer is
delivery; its JSON `reference`, if any, becomes the external reference. 408, 429, 5xx, timeouts
and refused connections are retried by the outbox; other 4xx answers are permanent (dead-letter).
The receiver reports payments back through the `recordPayment` mutation with an `integration`
token, or by POSTing a signed payment to salesflow's `/hooks/payments` (see gateway/hooks.py).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from decimal import Decimal

import httpx
import orjson

from ...domain.accounting import BackendError, Capabilities, Customer, Health, PaymentPage
from ...domain.errors import DomainError, ErrorCode
from ...domain.invoice import Invoice
from .signing import HEADER, sign

EVENT_TYPES = {"push": "invoice.issued", "void": "invoice.voided"}
RETRIED_STATUSES = {408, 425, 429}


def _money(value: Decimal) -> str:
    return format(value, "f")


def invoice_json(invoice: Invoice) -> dict:
    """The invoice as the event carries it: amounts as decimal strings, never floats."""
    return {
        "number": invoice.number,
        "currency": invoice.currency,
        "status": invoice.status,
        "issueDate": invoice.issue_date.isoformat() if invoice.issue_date else None,
        "dueDate": invoice.due_date.isoformat() if invoice.due_date else None,
        "subtotal": _money(invoice.subtotal),
        "discountTotal": _money(invoice.discount_total),
        "taxTotal": _money(invoice.tax_total),
        "total": _money(invoice.total),
        "amountPaid": _money(invoice.amount_paid),
        "amountDue": _money(invoice.amount_due),
        "voidReason": invoice.void_reason,
        "lines": [
            {
                "sequence": line.sequence,
                "description": line.description,
                "productCode": line.product_code,
                "quantity": _money(line.quantity),
                "unitPrice": _money(line.unit_price),
                "discountPercent": _money(line.discount_percent),
                "taxRate": _money(line.tax_rate),
                "netAmount": _money(line.net_amount),
                "taxAmount": _money(line.tax_amount),
                "total": _money(line.total),
            }
            for line in invoice.lines
        ],
    }


def customer_json(customer: Customer) -> dict:
    return {
        "name": customer.name,
        "email": customer.email,
        "phone": customer.phone,
        "accountId": customer.account_id,
        "contactId": customer.contact_id,
    }


class WebhookBackend:
    name = "webhook"
    capabilities = Capabilities(can_void=True, pulls_payments=False, payments_by_webhook=True)

    def __init__(
        self, url: str, secret: str, *, timeout: float = 10.0, client: httpx.Client | None = None, clock=time.time
    ):
        if not url.startswith(("http://", "https://")):
            raise DomainError(
                ErrorCode.VALIDATION, "SALESFLOW_WEBHOOK_URL must be an http(s) URL", "SALESFLOW_WEBHOOK_URL"
            )
        if len(secret) < 16:
            raise DomainError(
                ErrorCode.VALIDATION,
                "SALESFLOW_WEBHOOK_SECRET must have at least 16 characters",
                "SALESFLOW_WEBHOOK_SECRET",
            )
        self.url, self.secret, self.clock = url, secret, clock
        self.client = client or httpx.Client(timeout=timeout, follow_redirects=False)

    @classmethod
    def from_settings(cls, env: Mapping[str, str]) -> WebhookBackend:
        for var in ("SALESFLOW_WEBHOOK_URL", "SALESFLOW_WEBHOOK_SECRET"):
            if not env.get(var):
                raise DomainError(ErrorCode.VALIDATION, "the webhook backend needs {var}", var, var=var)
        return cls(
            env["SALESFLOW_WEBHOOK_URL"],
            env["SALESFLOW_WEBHOOK_SECRET"],
            timeout=float(env.get("SALESFLOW_WEBHOOK_TIMEOUT", "10")),
        )

    def _send(self, operation: str, invoice: Invoice, customer: Customer | None, key: str) -> dict:
        created = int(self.clock())
        data = {"invoice": invoice_json(invoice)}
        if customer is not None:
            data["customer"] = customer_json(customer)
        body = orjson.dumps({"id": key, "type": EVENT_TYPES[operation], "created": created, "data": data})
        headers = {
            "Content-Type": "application/json",
            HEADER: sign(self.secret, body, created),
            "Idempotency-Key": key,
            "User-Agent": "salesflow-webhook/1",
        }
        try:
            response = self.client.post(self.url, content=body, headers=headers)
        except httpx.TimeoutException as err:
            raise BackendError(f"webhook timed out: {type(err).__name__}") from err
        except httpx.HTTPError as err:
            raise BackendError(f"webhook unreachable: {type(err).__name__}: {err}") from err
        status = response.status_code
        if 200 <= status < 300:
            try:
                answer = response.json() if response.content else {}
            except ValueError:
                answer = {}
            return answer if isinstance(answer, dict) else {}
        detail = f"webhook answered {status}: {response.text[:300]}"
        raise BackendError(detail, transient=status >= 500 or status in RETRIED_STATUSES)

    def push_invoice(self, invoice: Invoice, customer: Customer, *, idempotency_key: str) -> str:
        answer = self._send("push", invoice, customer, idempotency_key)
        ref = answer.get("reference")
        return str(ref)[:200] if ref else idempotency_key

    def void_invoice(self, invoice: Invoice, external_ref: str, *, idempotency_key: str) -> None:
        self._send("void", invoice, None, idempotency_key)

    def fetch_payments(self, cursor: str | None) -> PaymentPage:
        return PaymentPage(payments=[], cursor=cursor)  # payments come to us (payments_by_webhook)

    def health(self) -> Health:
        """Whether the receiver answers at all (any HTTP status but 5xx counts as up)."""
        try:
            response = self.client.head(self.url)
        except httpx.HTTPError as err:
            return Health(False, f"webhook unreachable: {type(err).__name__}")
        return Health(response.status_code < 500, f"webhook answered {response.status_code}")
