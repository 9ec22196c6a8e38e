"""The invoice, the end of the sales journey, and the payments against it."""
from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Optional

import strawberry
from strawberry import relay

from ...domain.invoice import Invoice as DomainInvoice
from ...domain.invoice import InvoiceLine as DomainInvoiceLine
from ...domain.invoice import Payment as DomainPayment
from ...domain.status import InvoiceStatus as S
from ...domain.sync import JobStatus
from ...domain.sync import RejectedPayment as DomainRejectedPayment
from ..core.documents import Document
from ..core.fields import children, is_type_of, money_field, ref, resolve_nodes_for, with_currency
from ..core.lines import PricedDocument, PricedLine, line_id
from ..core.scalars import Decimal, quantity

if TYPE_CHECKING:
    from ..orders.types import Delivery, Order
    from ..parties.types import Account

InvoiceStatus = strawberry.enum(S, name="InvoiceStatus")
OrderRef = Annotated["Order", strawberry.lazy("salesflow.schema.orders.types")]
DeliveryRef = Annotated["Delivery", strawberry.lazy("salesflow.schema.orders.types")]
AccountRef = Annotated["Account", strawberry.lazy("salesflow.schema.parties.types")]


SyncStatus = strawberry.enum(JobStatus, name="SyncStatus")


@strawberry.type(description="How one operation on this invoice (push or void) stands with one accounting backend.")
class InvoiceSync:
    backend: str
    operation: str
    status: SyncStatus
    attempts: int
    last_error: Optional[str]
    external_ref: Optional[str]
    updated_at: datetime

    @strawberry.field(description="When the worker tries again; null once the job is done or dead.")
    def next_attempt_at(self) -> Optional[datetime]:
        return self.next_attempt_at if self.status == JobStatus.PENDING.value else None


@strawberry.type(description="A payment an accounting backend reported that salesflow refused, with the "
                             "error code: correct it in the backend (it was never applied).")
class RejectedPayment(relay.Node):
    backend: str
    external_id: str
    invoice_number: str
    currency: str
    code: str
    message: str
    created_at: datetime
    reported_amount: str = strawberry.field(description="The amount exactly as the backend reported it.")

    @strawberry.field(description="The amount; null when the reported number cannot be an amount at all "
                                  "(larger than any amount salesflow keeps, or finer than a ten-thousandth): "
                                  "see reportedAmount.")
    def amount(self) -> Optional[Decimal]:
        return quantity(self.amount)

    _id_attr = "id"
    is_type_of = is_type_of(DomainRejectedPayment)
    resolve_nodes = resolve_nodes_for("rejected_payments", "rejected_payment")


@strawberry.type
class InvoiceLine(PricedLine):
    id: strawberry.ID = line_id("InvoiceLine")
    is_type_of = is_type_of(DomainInvoiceLine)


@strawberry.type(description="Money received against an invoice; a reversed one stays, marked reversed.")
class Payment(relay.Node):
    currency: str
    paid_at: date
    reference: Optional[str]
    created_at: datetime
    amount: Decimal = money_field("amount")
    source: Optional[str] = strawberry.field(description="The accounting backend that reported it; null when it "
                                                         "was recorded in salesflow.")
    reversed_at: Optional[datetime] = strawberry.field(description="When it was reversed; null while it stands.")

    @strawberry.field(description="Whether it was reversed: the invoice's amount paid does not count it.")
    def reversed(self) -> bool:
        return self.reversed_at is not None

    @strawberry.field(description="Why it was reversed (the reason given, or the backend's reversing entry); "
                                  "null while it stands.")
    def reason(self, info: strawberry.Info) -> Optional[str]:
        if self.reversed_at is None or not info.context.may("read", "payment_reversal"):
            return None
        found = info.context.loader.children(self, "payment_reversals", "payment_id")
        return found[0].reason if found else None

    _id_attr = "id"
    resolve_nodes = resolve_nodes_for("payments", "payment")
    is_type_of = is_type_of(DomainPayment)

    @strawberry.field
    def invoice(self, info: strawberry.Info) -> Optional[Invoice]:
        return ref(info, self, "invoice_id", "invoices", "invoice")


@strawberry.type(description="Numbered when issued (gapless per series and year); never edited after that.")
class Invoice(Document, PricedDocument):
    status: InvoiceStatus
    number: Optional[str]
    issue_date: Optional[date]
    due_date: Optional[date]
    void_reason: Optional[str]
    amount_paid: Decimal = money_field("amount_paid")
    amount_due: Decimal = money_field("amount_due")

    _id_attr = "id"
    resolve_nodes = resolve_nodes_for("invoices", "invoice")
    is_type_of = is_type_of(DomainInvoice)


    @strawberry.field
    def lines(self) -> list[InvoiceLine]:
        return with_currency(self)

    @strawberry.field(description="Delivery to the accounting backends (empty until the sync worker picks it up).")
    def sync(self, info: strawberry.Info) -> list[InvoiceSync]:
        return children(info, self, "sync_jobs", "invoice_id", "invoice_sync")

    @strawberry.field
    def payments(self, info: strawberry.Info) -> list[Payment]:
        return children(info, self, "payments", "invoice_id", "payment")

    @strawberry.field
    def order(self, info: strawberry.Info) -> Optional[OrderRef]:
        return ref(info, self, "order_id", "orders", "order")

    @strawberry.field
    def delivery(self, info: strawberry.Info) -> Optional[DeliveryRef]:
        return ref(info, self, "delivery_id", "deliveries", "delivery")

    @strawberry.field
    def account(self, info: strawberry.Info) -> Optional[AccountRef]:
        return ref(info, self, "account_id", "accounts", "account")
