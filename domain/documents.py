"""What a customer receives, as data: the facts a document prints, and its stored renditions.

A rendered document is built in two steps. First the **facts** are gathered from the store: the
seller, the buyer, the lines and the totals, exactly as stored, with no formatting and no language
(`Facts` below; amounts are `Decimal`, dates are `date`). Then a renderer turns facts and a locale
into PDF or HTML. The facts of an issued invoice or a sent quote are frozen (a `Snapshot`), so every
later rendering prints what was true when it was issued, whatever the company profile says later;
and the first rendering in each format and locale is kept (a `Rendition` of a content-addressed
`Blob`), so every later download returns the same bytes.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, NotRequired, TypedDict

from .base import Record


class DocumentKind(StrEnum):
    PROFORMA = "proforma"  # پیش‌فاکتور: a quote of kind proforma
    CONTRACT = "contract"  # قرارداد: a quote of kind contract, with its dates and terms
    ORDER_CONFIRMATION = "order_confirmation"
    INVOICE = "invoice"


class DocumentFormat(StrEnum):
    PDF = "pdf"
    HTML = "html"


CONTENT_TYPES = {DocumentFormat.PDF: "application/pdf", DocumentFormat.HTML: "text/html; charset=utf-8"}


class PartyFacts(TypedDict):
    """Seller or buyer as printed (the fields of domain.company.TaxIdentity, plus names and contacts)."""

    name: str
    contact_name: NotRequired[str | None]  # the buyer's contact person
    address: str | None
    postal_code: str | None
    country: str | None
    phone: str | None
    email: str | None
    national_id: str | None
    economic_code: str | None
    tax_number: str | None
    tax_office: str | None
    vat_number: str | None
    bank_details: NotRequired[str | None]  # seller only
    logo_sha256: NotRequired[str | None]  # seller only: the logo Blob


class LineFacts(TypedDict):
    position: int  # 1, 2, … in document order
    description: str
    product_code: str | None
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal
    tax_rate: Decimal
    subtotal: Decimal  # gross: round(quantity × unit price)
    discount_amount: Decimal
    net_amount: Decimal
    tax_amount: Decimal
    total: Decimal


class TaxFacts(TypedDict):
    rate: Decimal
    base: Decimal  # Σ net of the lines at this rate
    amount: Decimal  # Σ tax of those lines (the stored, rounded line taxes)


class Facts(TypedDict):
    kind: str  # DocumentKind
    number: str  # "Q-2026-00012", "INV/1405/00001"; a draft invoice has none yet: "" (printed as draft)
    revision: int | None  # quotes
    status: str
    date: date  # the document's date: sent (quote), placed (order), issued (invoice)
    valid_until: date | None  # quotes
    start_date: date | None  # contracts
    end_date: date | None
    terms: str | None  # contracts: the terms text
    due_date: date | None  # invoices
    payment_terms: str | None  # the company's default payment terms text
    currency: str  # ISO 4217
    irr_display: str  # "rial" or "toman": how IRR amounts are shown
    default_locale: str  # the company's, when a rendering names none
    seller: PartyFacts
    buyer: PartyFacts
    lines: list[LineFacts]
    taxes: list[TaxFacts]  # per rate, rates ascending
    subtotal: Decimal
    discount_total: Decimal
    tax_total: Decimal
    total: Decimal
    amount_paid: Decimal | None  # invoices
    amount_due: Decimal | None
    order_number: str | None  # what the document refers to
    quote_number: str | None


def _encode(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, datetime):
        raise TypeError("facts carry dates, not datetimes")
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    raise TypeError(f"not a fact: {value!r}")


def _decode(obj: dict) -> Any:
    if len(obj) == 1:
        if "$decimal" in obj:
            return Decimal(obj["$decimal"])
        if "$date" in obj:
            return date.fromisoformat(obj["$date"])
    return obj


def dump_facts(facts: Facts) -> str:
    """Canonical JSON of the facts (sorted keys, exact decimals): the same facts give the same text."""
    return json.dumps(facts, default=_encode, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def load_facts(text: str) -> Facts:
    """The facts back from their JSON, with the same Decimal and date values."""
    return json.loads(text, object_hook=_decode)


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@dataclass(kw_only=True, eq=False)
class Blob(Record):
    """Bytes stored once under their SHA-256: a rendered PDF or HTML page, a logo."""

    sha256: str
    content_type: str
    size: int
    content: bytes


@dataclass(kw_only=True, eq=False)
class Snapshot(Record):
    """The facts of a document frozen when it was sent or issued; never changed afterwards."""

    document_type: str  # "quote", "order", "invoice"
    document_id: int
    facts: str  # dump_facts(...)


@dataclass(kw_only=True, eq=False)
class Rendition(Record):
    """A rendering of a document: which blob holds it, in which format and locale.

    Frozen renditions (of a snapshot) are unique per document, format and locale: the first one
    stays. Renditions of a live document (a draft) are kept so their links keep working.
    """

    document_type: str
    document_id: int
    format: str  # DocumentFormat
    locale: str  # BCP 47, as rendered: "fa-IR", "tr-TR", "en"
    sha256: str
    frozen: bool = False


@dataclass(kw_only=True, eq=False)
class SigningKey(Record):
    """A server secret made at first use and shared by every worker: it signs download links."""

    name: str
    secret: str  # hex
