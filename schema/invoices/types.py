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
from ...domain.sync import MEANINGS as SYNC_MEANINGS
from ...domain.sync import JobStatus
from ...domain.sync import RejectedPayment as DomainRejectedPayment
from ...statemachine import LIFECYCLES
from ..core.documents import Document
from ..core.enums import described_enum
from ..core.fields import (
    children_field,
    is_type_of,
    lines_field,
    money_field,
    ref_field,
    reported_field,
    resolve_nodes_for,
)
from ..core.lines import PricedDocument, PricedLine, line_id
from ..core.mail import Mailed
from ..core.printable import Printable
from ..core.scalars import Decimal

if TYPE_CHECKING:
    from ..orders.types import Delivery, Order
    from ..parties.types import Account

InvoiceStatus = described_enum(
    S,
    "InvoiceStatus",
    "Where an invoice is: draft → issued → partially paid → paid, or void, or canceled as a draft.",
    LIFECYCLES["invoice"].meanings,
)
OrderRef = Annotated["Order", strawberry.lazy("salesflow.schema.orders.types")]
DeliveryRef = Annotated["Delivery", strawberry.lazy("salesflow.schema.orders.types")]
AccountRef = Annotated["Account", strawberry.lazy("salesflow.schema.parties.types")]


SyncStatus = described_enum(
    JobStatus,
    "SyncStatus",
    "How the delivery of one invoice operation to one accounting backend stands.",
    SYNC_MEANINGS,
)


@strawberry.type(description="How one operation on this invoice (push or void) stands with one accounting backend.")
class InvoiceSync:
    backend: str = strawberry.field(
        description="The backend's name: `local`, `beancount`, `webhook`, `odoo` or an installed one."
    )
    operation: str = strawberry.field(description="`push` (it was issued) or `void` (it was voided).")
    status: SyncStatus = strawberry.field(description="Where the delivery stands.")
    attempts: int = strawberry.field(description="How many times it was tried so far (0 before the first try).")
    last_error: Optional[str] = strawberry.field(
        description="What the backend or the connection said the last time it failed; null if it never did."
    )
    external_ref: Optional[str] = strawberry.field(
        description="The backend's own reference for it (an Odoo move id …); null until DONE, or if it gives none."
    )
    updated_at: datetime = strawberry.field(description="When this status last changed (ISO 8601, UTC).")

    @strawberry.field(description="When the worker tries it again (ISO 8601, UTC); null once it is DONE or DEAD.")
    def next_attempt_at(self) -> Optional[datetime]:
        return self.next_attempt_at if self.status == JobStatus.PENDING.value else None


@strawberry.type(
    description="A payment an accounting backend reported that salesflow refused, with the "
    "error code: correct it in the backend (it was never applied)."
)
class RejectedPayment(relay.Node):
    backend: str = strawberry.field(description="The accounting backend that reported it.")
    external_id: str = strawberry.field(description="The payment's id in that backend.")
    invoice_number: str = strawberry.field(description="The invoice number the backend gave for it, as given.")
    currency: str = strawberry.field(description="The currency the backend gave, as given (ISO 4217).")
    code: str = strawberry.field(
        description="Why it was refused: an ErrorCode name (NOT_FOUND, OVER_PAYMENT, CURRENCY_MISMATCH …)."
    )
    message: str = strawberry.field(description="Why it was refused, for a person to read.")
    created_at: datetime = strawberry.field(description="When it was refused (ISO 8601, UTC).")
    reported_amount: str = strawberry.field(description="The amount exactly as the backend reported it, as text.")
    amount: Optional[Decimal] = reported_field(
        "amount",
        "The amount the backend reported, at its currency's precision (or with more decimals, if it "
        "reported more: they are never rounded away); null when the reported number cannot be an amount "
        "at all (larger than any amount salesflow keeps, or finer than a ten-thousandth): see "
        "reportedAmount.",
    )

    _id_attr = "id"
    is_type_of = is_type_of(DomainRejectedPayment)
    resolve_nodes = resolve_nodes_for("rejected_payments", "rejected_payment")


@strawberry.type(description="A line of an invoice: an order line's delivered quantity, priced as on the order.")
class InvoiceLine(PricedLine):
    id: strawberry.ID = line_id("InvoiceLine")
    is_type_of = is_type_of(DomainInvoiceLine)


def _reversal_reason(root, info: strawberry.Info) -> Optional[str]:
    if root.reversed_at is None or not info.context.may("read", "payment_reversal"):
        return None
    found = info.context.loader.children(root, "payment_reversals", "payment_id")
    return found[0].reason if found else None


@strawberry.type(description="Money received against an invoice; a reversed one stays, marked reversed.")
class Payment(relay.Node):
    currency: str = strawberry.field(description="ISO 4217 code: always its invoice's.")
    paid_at: date = strawberry.field(description="The day it was paid (ISO 8601 date), as reported.")
    reference: Optional[str] = strawberry.field(
        description="The payer's or the bank's reference; null if none was given."
    )
    created_at: datetime = strawberry.field(description="When it was recorded in salesflow (ISO 8601, UTC).")
    amount: Decimal = money_field("amount", "How much, at the currency's precision.")
    source: Optional[str] = strawberry.field(
        description="The accounting backend that reported it; null when it was recorded in salesflow."
    )
    reversed_at: Optional[datetime] = strawberry.field(
        description="When it was reversed (ISO 8601, UTC); null while it stands."
    )

    _id_attr = "id"
    resolve_nodes = resolve_nodes_for("payments", "payment")
    is_type_of = is_type_of(DomainPayment)

    reversed: bool = strawberry.field(
        resolver=lambda self: self.reversed_at is not None,
        description="Whether it was reversed: the invoice's amount paid does not count it.",
    )
    reason: Optional[str] = strawberry.field(
        resolver=_reversal_reason,
        description="Why it was reversed (the reason given, or the backend's reversing entry); null while it stands.",
    )
    invoice: Optional[Invoice] = ref_field(
        "invoice_id", "invoices", "invoice", "The invoice it pays; null if the viewer may not see it."
    )


@strawberry.type(description="Numbered when issued (gapless per series and year); never edited after that.")
class Invoice(Document, PricedDocument, Printable, Mailed):
    status: InvoiceStatus = strawberry.field(description="Where it is in its lifecycle.")
    number: Optional[str] = strawberry.field(
        description="Its number in the invoice series (INV/2026/00001), given when it is issued; null while DRAFT."
    )
    issue_date: Optional[date] = strawberry.field(
        description="The day it was issued (ISO 8601 date); null while DRAFT."
    )
    due_date: Optional[date] = strawberry.field(description="The day payment is due (ISO 8601 date); null while DRAFT.")
    void_reason: Optional[str] = strawberry.field(description="Why it was voided; null unless it is VOID.")
    amount_paid: Decimal = money_field("amount_paid", "The sum of its payments, at the currency's precision.")
    amount_due: Decimal = money_field("amount_due", "total − amountPaid: what is still to be paid.")

    _id_attr = "id"
    resolve_nodes = resolve_nodes_for("invoices", "invoice")
    is_type_of = is_type_of(DomainInvoice)

    lines: list[InvoiceLine] = lines_field(
        "Its lines, in order (`sequence`). Not paged: a document's lines come whole."
    )

    sync: list[InvoiceSync] = children_field(
        "sync_jobs",
        "invoice_id",
        "invoice_sync",
        "How its delivery to each accounting backend stands, per operation; empty until "
        "the sync worker picks it up. At most `first`.",
    )

    payments: list[Payment] = children_field(
        "payments", "invoice_id", "payment", "The payments against it, oldest first; at most `first`."
    )

    order: Optional[OrderRef] = ref_field(
        "order_id", "orders", "order", "The order it invoices; null if the viewer may not see it."
    )

    delivery: Optional[DeliveryRef] = ref_field(
        "delivery_id",
        "deliveries",
        "delivery",
        "The delivery stage it invoices; null if it invoices several (or the viewer may not see it).",
    )

    account: Optional[AccountRef] = ref_field(
        "account_id",
        "accounts",
        "account",
        "The customer: its order's account; null if none or not readable by the viewer.",
    )
