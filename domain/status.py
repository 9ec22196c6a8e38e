"""The states of every document. The machines in statemachine/ are built from these values."""

from __future__ import annotations

from enum import StrEnum


class LeadStatus(StrEnum):
    NEW = "new"
    WORKING = "working"
    CONVERTED = "converted"
    DISQUALIFIED = "disqualified"


class OpportunityStatus(StrEnum):
    OPEN = "open"
    WON = "won"
    LOST = "lost"


class QuoteStatus(StrEnum):
    DRAFT = "draft"
    SENT = "sent"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    EXPIRED = "expired"
    SUPERSEDED = "superseded"
    CANCELED = "canceled"


class OrderStatus(StrEnum):
    OPEN = "open"
    PARTIALLY_DELIVERED = "partially_delivered"
    DELIVERED = "delivered"
    CANCELED = "canceled"


class InvoiceStatus(StrEnum):
    DRAFT = "draft"
    ISSUED = "issued"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    VOID = "void"
    CANCELED = "canceled"


class QuoteKind(StrEnum):
    PROFORMA = "proforma"
    CONTRACT = "contract"


class InvoicingPolicy(StrEnum):
    PER_DELIVERY = "per_delivery"
    ON_COMPLETION = "on_completion"
    MANUAL = "manual"


#: document type name -> its status enum (the CHECK constraints are generated from this).
STATUSES: dict[str, type[StrEnum]] = {
    "lead": LeadStatus,
    "opportunity": OpportunityStatus,
    "quote": QuoteStatus,
    "order": OrderStatus,
    "invoice": InvoiceStatus,
}
