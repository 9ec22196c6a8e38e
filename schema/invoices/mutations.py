"""Invoice mutations: issue (numbered, gapless), void, payments, and retrying accounting deliveries."""

from __future__ import annotations

from typing import Optional

import strawberry

from ...statemachine import accounting
from ...statemachine import invoice as ops
from ...statemachine import mail as mailing
from ..core.errors import UserError
from ..core.inputs import ref_id
from ..core.mail import mail_request
from ..core.mutations import Input, errors_field, mutate, mutation, payload_type
from ..core.printable import render_at_once
from ..orders.mutations import InvoiceResult
from .inputs import IssueInvoiceInput, RecordPaymentInput, RetryInvoiceSyncInput, ReversePaymentInput, VoidInvoiceInput
from .types import Invoice, Payment

IssueInvoicePayload = payload_type(
    "IssueInvoicePayload",
    InvoiceResult,
    "What issueInvoice answers: the invoice, now ISSUED and numbered (or PAID, if it totals zero).",
)
VoidInvoicePayload = payload_type(
    "VoidInvoicePayload", InvoiceResult, "What voidInvoice answers: the invoice, now VOID."
)
RetryInvoiceSyncPayload = payload_type(
    "RetryInvoiceSyncPayload",
    InvoiceResult,
    "What retryInvoiceSync answers: the invoice, its dead deliveries PENDING again (see its `sync`).",
)


@strawberry.type(description="What recordPayment answers: the payment and the invoice it paid.")
class RecordPaymentPayload:
    payment: Optional[Payment] = strawberry.field(
        default=None, description="The new payment; null if the mutation did not happen."
    )
    invoice: Optional[Invoice] = strawberry.field(
        default=None, description="The invoice, now PARTIALLY_PAID or PAID; null if the mutation did not happen."
    )
    errors: list[UserError] = errors_field()


@strawberry.type(description="What reversePayment answers: the payment, now reversed, and its invoice.")
class ReversePaymentPayload:
    payment: Optional[Payment] = strawberry.field(
        default=None, description="The payment, now marked reversed; null if the mutation did not happen."
    )
    invoice: Optional[Invoice] = strawberry.field(
        default=None,
        description="Its invoice: amount paid lowered, back "
        "to PARTIALLY_PAID or ISSUED; null if the "
        "mutation did not happen.",
    )
    errors: list[UserError] = errors_field()


def _invoice_id(data) -> int:
    return ref_id(data.invoice_id, "Invoice", "invoiceId")


@strawberry.type
class InvoiceMutations:
    @mutation(
        "DRAFT → ISSUED: it takes the next gapless number of its series and year, its issue and due dates, "
        "and goes to accounting; from now on it is never edited. With `email: true` it is also e-mailed to the "
        "customer (see `Invoice.mails`).",
        ("write", "invoice"),
    )
    def issue_invoice(self, info: strawberry.Info, input: Input[IssueInvoiceInput]) -> IssueInvoicePayload:
        payload = mutate(
            info,
            (),
            lambda uow, **kw: mailing.issue_invoice(
                uow,
                _invoice_id(input),
                mail=mail_request(input),
                due_date=input.due_date,
                expected_version=input.expected_version,
                **kw,
            ),
            lambda invoice: {"invoice": invoice},
            IssueInvoicePayload,
        )
        return render_at_once(info, payload, "invoice")

    @mutation(
        "ISSUED → VOID, with a reason, while it has no payments; its quantities can be invoiced again and "
        "accounting is told.",
        ("write", "invoice"),
    )
    def void_invoice(self, info: strawberry.Info, input: Input[VoidInvoiceInput]) -> VoidInvoicePayload:
        return mutate(
            info,
            (),
            lambda uow, **kw: ops.void_invoice(
                uow, _invoice_id(input), input.reason, expected_version=input.expected_version, **kw
            ),
            lambda invoice: {"invoice": invoice},
            VoidInvoicePayload,
        )

    @mutation(
        "Apply a payment (with the local accounting backend; other backends report theirs): never more than "
        "is due, only in the invoice's currency. The invoice becomes PARTIALLY_PAID or PAID.",
        ("create", "payment"),
        ("write", "invoice"),
    )
    def record_payment(self, info: strawberry.Info, input: Input[RecordPaymentInput]) -> RecordPaymentPayload:
        return mutate(
            info,
            (),
            lambda uow, **kw: ops.record_payment(
                uow,
                _invoice_id(input),
                input.amount,
                paid_at=input.paid_at,
                reference=input.reference,
                currency=input.currency,
                expected_version=input.expected_version,
                **kw,
            ),
            lambda pair: {"payment": pair[0], "invoice": pair[1]},
            RecordPaymentPayload,
            name="recordPayment",
            data=input,
            key=input.idempotency_key,
        )

    @mutation(
        "Reverse a payment recorded in salesflow, with a reason: the payment stays, marked reversed, and the "
        "invoice's amount paid no longer counts it (back to PARTIALLY_PAID or ISSUED). A payment an accounting "
        "backend reported is reversed in that backend instead.",
        ("create", "payment_reversal"),
        ("write", "invoice"),
    )
    def reverse_payment(self, info: strawberry.Info, input: Input[ReversePaymentInput]) -> ReversePaymentPayload:
        return mutate(
            info,
            (),
            lambda uow, **kw: ops.reverse_payment(
                uow,
                ref_id(input.payment_id, "Payment", "paymentId"),
                input.reason,
                expected_version=input.expected_version,
                **kw,
            ),
            lambda pair: {"payment": pair[0], "invoice": pair[1]},
            ReversePaymentPayload,
        )

    @mutation("Queue an invoice's dead-lettered accounting deliveries again, due now.", ("write", "invoice_sync"))
    def retry_invoice_sync(self, info: strawberry.Info, input: Input[RetryInvoiceSyncInput]) -> RetryInvoiceSyncPayload:
        def call(uow, **kw):
            ident = _invoice_id(input)
            accounting.retry(uow, ident, input.backend, now=info.context.clock(), **kw)
            return ident

        return mutate(
            info,
            (),
            call,
            lambda ident: {"invoice": info.context.loader.get("invoices", ident)},
            RetryInvoiceSyncPayload,
        )
