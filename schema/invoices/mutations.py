"""Invoice mutations: issue (numbered, gapless), void, and payments."""
from __future__ import annotations

from typing import Annotated, Optional

import strawberry

from ...statemachine import accounting
from ...statemachine import invoice as ops
from ..core.errors import UserError
from ..core.inputs import ref_id
from ..core.mutations import mutate
from ..orders.mutations import InvoicePayload
from .inputs import IssueInvoiceInput, RecordPaymentInput, RetryInvoiceSyncInput, ReversePaymentInput, VoidInvoiceInput
from .types import Invoice, Payment


@strawberry.type
class RecordPaymentPayload:
    payment: Optional[Payment] = None
    invoice: Optional[Invoice] = None
    errors: list[UserError]


@strawberry.type(description="What reversePayment did.")
class ReversePaymentPayload:
    payment: Optional[Payment] = strawberry.field(default=None, description="The payment, now marked reversed.")
    invoice: Optional[Invoice] = strawberry.field(default=None, description="Its invoice: amount paid lowered, back "
                                                  "to PARTIALLY_PAID or ISSUED.")
    errors: list[UserError] = strawberry.field(description="Why nothing changed; empty when it was reversed.")


def _invoice_id(data) -> int:
    return ref_id(data.invoice_id, "Invoice", "invoiceId")


@strawberry.type
class InvoiceMutations:
    @strawberry.mutation(description="Issue a draft: it takes the next number of its series and year.")
    def issue_invoice(self, info: strawberry.Info, input: IssueInvoiceInput) -> InvoicePayload:
        return mutate(info, [("write", "invoice")],
                      lambda uow, **kw: ops.issue_invoice(uow, _invoice_id(input), due_date=input.due_date,
                                                          expected_version=input.expected_version, **kw),
                      lambda invoice: {"invoice": invoice}, InvoicePayload)

    @strawberry.mutation(description="Void an issued invoice with no payments; its quantities can be invoiced again.")
    def void_invoice(self, info: strawberry.Info, input: VoidInvoiceInput) -> InvoicePayload:
        return mutate(info, [("write", "invoice")],
                      lambda uow, **kw: ops.void_invoice(uow, _invoice_id(input), input.reason,
                                                         expected_version=input.expected_version, **kw),
                      lambda invoice: {"invoice": invoice}, InvoicePayload)

    @strawberry.mutation(description="Apply a payment: never more than is due, only in the invoice's currency.")
    def record_payment(self, info: strawberry.Info, input: RecordPaymentInput) -> RecordPaymentPayload:
        return mutate(info, [("create", "payment"), ("write", "invoice")],
                      lambda uow, **kw: ops.record_payment(
                          uow, _invoice_id(input), input.amount, paid_at=input.paid_at, reference=input.reference,
                          currency=input.currency, expected_version=input.expected_version, **kw),
                      lambda pair: {"payment": pair[0], "invoice": pair[1]}, RecordPaymentPayload,
                      name="recordPayment", data=input, key=input.idempotency_key)

    @strawberry.mutation(description="Reverse a payment recorded in salesflow, with a reason: the payment stays, "
                                     "marked reversed; the invoice's amount paid no longer counts it.")
    def reverse_payment(self, info: strawberry.Info,
                        input: Annotated[ReversePaymentInput, strawberry.argument(
                            description="The payment and the reason.")]) -> ReversePaymentPayload:
        return mutate(info, [("create", "payment_reversal"), ("write", "invoice")],
                      lambda uow, **kw: ops.reverse_payment(uow, ref_id(input.payment_id, "Payment", "paymentId"),
                                                            input.reason, expected_version=input.expected_version,
                                                            **kw),
                      lambda pair: {"payment": pair[0], "invoice": pair[1]}, ReversePaymentPayload)

    @strawberry.mutation(description="Queue an invoice's dead-lettered accounting deliveries again.")
    def retry_invoice_sync(self, info: strawberry.Info, input: RetryInvoiceSyncInput) -> InvoicePayload:
        def call(uow, **kw):
            ident = _invoice_id(input)
            accounting.retry(uow, ident, input.backend, now=info.context.clock(), **kw)
            return ident
        return mutate(info, [("write", "invoice_sync")], call,
                      lambda ident: {"invoice": info.context.loader.get("invoices", ident)}, InvoicePayload)
