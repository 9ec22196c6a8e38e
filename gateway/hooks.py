"""`POST /hooks/payments`: a payment reported by an accounting system, signed like our webhooks.

    POST /hooks/payments
    Salesflow-Signature: t=<unix seconds>,v1=<HMAC-SHA256 of "<t>.<raw body>" with SALESFLOW_WEBHOOK_SECRET>

    {"externalId": "pay_8812", "invoiceNumber": "INV/2026/00001", "amount": "250.00",
     "currency": "EUR", "paidAt": "2026-12-01", "reference": "SEPA 8812"}

A payment taken back in the accounting system (a chargeback, a bounced transfer, a correction)
is reported the same way, as a reversal naming the payment's `externalId`; it has its own id:

    {"type": "payment.reversed", "externalId": "rev_77", "paymentId": "pay_8812",
     "reason": "chargeback", "reversedAt": "2026-12-09"}

The payment stays, marked reversed; the invoice's amount paid drops and it goes back to
partially paid or issued. A repeat answers `"duplicate"`; an unknown payment answers 422 NOT_FOUND.
(`"type"` defaults to `"payment.received"`, the payment above.)

A bad signature or a timestamp more than 5 minutes away answers 401 and changes nothing. The
payment is applied once per `externalId`: a repeat answers 200 with `"duplicate"`. A payment for
an unknown invoice, for more than is due or in another currency answers 422 with its error code,
changes nothing, and is kept among the rejected payments. Amounts are decimal strings, never floats.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

import anyio
import orjson
from starlette.requests import Request
from starlette.responses import JSONResponse

from ..adapters.webhook.signing import HEADER, SignatureError, verify
from ..domain.accounting import ExternalPayment
from ..statemachine.accounting import Applied, take_payment
from ..statemachine.engine import utcnow
from ..statemachine.reconciliation import take_reversal
from .limits import BodyTooLarge, read_body

MAX_BODY = 16 * 1024
SOURCE = "webhook"  # the backend name the payments are recorded under


def _error(status: int, code: str, message: str, field: str | None = None) -> JSONResponse:
    return JSONResponse({"status": "error", "code": code, "message": message, "field": field}, status_code=status)


def _payment(data: object) -> ExternalPayment:
    """The payment in a request body, or ValueError naming the field."""
    if not isinstance(data, dict):
        raise ValueError("body: a JSON object is expected")
    texts = {}
    for name, limit in (
        ("externalId", 200),
        ("invoiceNumber", 200),
        ("amount", 40),
        ("currency", 3),
        ("paidAt", 10),
        ("reference", 200),
    ):
        value = data.get(name)
        if value is None and name == "reference":
            continue
        if not isinstance(value, str) or not value.strip() or len(value) > limit:
            raise ValueError(f"{name}: a string of 1 to {limit} characters is expected")
        texts[name] = value.strip()
    try:
        amount = Decimal(texts["amount"])
    except InvalidOperation:
        raise ValueError('amount: a decimal string such as "250.00" is expected') from None
    if not amount.is_finite():
        raise ValueError("amount: a finite decimal is expected")
    try:
        paid_at = date.fromisoformat(texts["paidAt"])
    except ValueError:
        raise ValueError('paidAt: a date such as "2026-12-01" is expected') from None
    return ExternalPayment(
        external_id=texts["externalId"],
        invoice_number=texts["invoiceNumber"],
        amount=amount,
        currency=texts["currency"].upper(),
        paid_at=paid_at,
        reference=texts.get("reference"),
    )


def _reversal(data: dict) -> ExternalPayment:
    """The reversal in a request body, or ValueError naming the field."""
    texts = {}
    for name, limit in (("externalId", 200), ("paymentId", 200), ("reason", 2000), ("reversedAt", 10)):
        value = data.get(name)
        if not isinstance(value, str) or not value.strip() or len(value) > limit:
            raise ValueError(f"{name}: a string of 1 to {limit} characters is expected")
        texts[name] = value.strip()
    try:
        reversed_at = date.fromisoformat(texts["reversedAt"])
    except ValueError:
        raise ValueError('reversedAt: a date such as "2026-12-09" is expected') from None
    return ExternalPayment(
        external_id=texts["externalId"],
        invoice_number="",
        amount=Decimal(0),
        currency="",
        paid_at=reversed_at,
        reference=texts["reason"],
        reverses=texts["paymentId"],
    )


EVENTS = {"payment.received": _payment, "payment.reversed": _reversal}


def _event(data: object) -> tuple[str, ExternalPayment]:
    if not isinstance(data, dict):
        raise ValueError("body: a JSON object is expected")
    kind = data.get("type", "payment.received")
    if kind not in EVENTS:
        raise ValueError(f"type: one of {', '.join(EVENTS)} is expected")
    return kind, EVENTS[kind](data)


def payment_hook(new_uow, secret: str, clock: Callable[[], datetime] = utcnow):
    """The endpoint; `clock` is its time, for the signature's age and the payment's stamps."""
    if len(secret) < 16:
        raise ValueError("SALESFLOW_WEBHOOK_SECRET must have at least 16 characters")

    async def receive(request: Request) -> JSONResponse:
        try:
            body = await read_body(request, MAX_BODY)  # never more than MAX_BODY in memory
        except BodyTooLarge:
            return _error(413, "VALIDATION", f"the body must be at most {MAX_BODY} bytes")
        try:
            now = clock()
            verify(secret, body, request.headers.get(HEADER), now=now.timestamp())
        except SignatureError as err:
            return _error(401, err.code, str(err))
        try:
            kind, paid = _event(orjson.loads(body))
        except (orjson.JSONDecodeError, ValueError) as err:
            field, _, message = str(err).partition(": ")
            return _error(400, "VALIDATION", message or str(err), field if message else None)
        take = take_reversal if kind == "payment.reversed" else take_payment
        outcome, err = await anyio.to_thread.run_sync(lambda: take(new_uow, SOURCE, paid, now=now))
        if outcome == Applied.REJECTED:
            return _error(422, err.code.value, err.message, ".".join(err.field) if err.field else None)
        return JSONResponse({"status": outcome, "externalId": paid.external_id})

    return receive
