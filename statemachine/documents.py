"""The facts a customer's document prints, gathered from the store, and frozen when it goes out.

A quote's facts are frozen when it is sent, an invoice's when it is issued (the lifecycles call
`freeze` on entering those states, in the same transaction). From then on its documents print the
snapshot, never the live records: a later change to the company profile, the account's address or
the templates cannot change what the customer received. Orders are never frozen: what an order
confirmation prints (its lines and totals) does not change once the order is placed.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

from ..domain.base import Document
from ..domain.company import Company, TaxIdentity
from ..domain.documents import (
    Blob,
    DocumentKind,
    Facts,
    LineFacts,
    PartyFacts,
    Rendition,
    SigningKey,
    Snapshot,
    dump_facts,
    load_facts,
    sha256_of,
)
from ..domain.invoice import Invoice
from ..domain.order import Order
from ..domain.parties import Account, Contact
from ..domain.ports import UnitOfWork
from ..domain.quote import Quote
from ..domain.status import QuoteKind
from .company import the_company
from .engine import Context, operation, retrying

TAX_FIELDS = (
    "address",
    "postal_code",
    "country",
    "national_id",
    "economic_code",
    "tax_number",
    "tax_office",
    "vat_number",
)


def company_of(uow: UnitOfWork) -> Company:
    """The company profile a document prints (NOT_FOUND, as the_company says, if it was never installed)."""
    return the_company(uow)


def _identity(party: TaxIdentity | None) -> dict:
    return {name: getattr(party, name, None) if party is not None else None for name in TAX_FIELDS}


def seller_facts(company: Company, logo_sha256: str | None) -> PartyFacts:
    return {
        "name": company.legal_name,
        "phone": company.phone,
        "email": company.email,
        "bank_details": company.bank_details,
        "logo_sha256": logo_sha256,
        **_identity(company),
    }


def buyer_facts(account: Account | None, contact: Contact | None) -> PartyFacts:
    name = account.name if account is not None else (contact.name if contact is not None else "")
    return {
        "name": name,
        "contact_name": contact.name if contact is not None and account is not None else None,
        "phone": (account.phone if account is not None else None) or (contact.phone if contact else None),
        "email": (contact.email if contact is not None else None) or (account.email if account else None),
        **_identity(account),
    }


def line_facts(doc: Document) -> list[LineFacts]:
    return [
        {
            "position": position,
            "description": line.description,
            "product_code": line.product_code,
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "discount_percent": line.discount_percent,
            "tax_rate": line.tax_rate,
            "subtotal": line.subtotal,
            "discount_amount": line.discount_amount,
            "net_amount": line.net_amount,
            "tax_amount": line.tax_amount,
            "total": line.total,
        }
        for position, line in enumerate(doc.lines, start=1)
    ]


def tax_facts(lines: list[LineFacts]) -> list[dict]:
    """Net and tax per rate, from the stored line amounts (so they add up to the document's totals)."""
    by_rate: dict[Decimal, list[Decimal]] = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for line in lines:
        sums = by_rate[line["tax_rate"].normalize()]
        sums[0] += line["net_amount"]
        sums[1] += line["tax_amount"]
    return [{"rate": rate, "base": base, "amount": tax} for rate, (base, tax) in sorted(by_rate.items())]


def _parties(
    uow: UnitOfWork, opportunity_id: int | None, account_id: int | None
) -> tuple[Account | None, Contact | None]:
    opportunity = uow.opportunities.get(opportunity_id) if opportunity_id is not None else None
    if account_id is None and opportunity is not None:
        account_id = opportunity.account_id
    contact_id = opportunity.contact_id if opportunity is not None else None
    account = uow.accounts.get(account_id) if account_id is not None else None
    contact = uow.contacts.get(contact_id) if contact_id is not None else None
    return account, contact


def _common(uow: UnitOfWork, doc: Document, kind: DocumentKind, on: date, account, contact) -> Facts:
    company = company_of(uow)
    lines = line_facts(doc)
    return {
        "kind": kind.value,
        "number": getattr(doc, "number", None) or "",
        "revision": None,
        "status": doc.status,
        "date": on,
        "valid_until": None,
        "start_date": None,
        "end_date": None,
        "terms": None,
        "due_date": None,
        "payment_terms": company.payment_terms,
        "currency": doc.currency,
        "irr_display": company.irr_display,
        "default_locale": company.default_locale,
        "seller": seller_facts(company, company_logo_sha256(company)),
        "buyer": buyer_facts(account, contact),
        "lines": lines,
        "taxes": tax_facts(lines),
        "subtotal": doc.subtotal,
        "discount_total": doc.discount_total,
        "tax_total": doc.tax_total,
        "total": doc.total,
        "amount_paid": None,
        "amount_due": None,
        "order_number": None,
        "quote_number": None,
    }


def company_logo_sha256(company: Company) -> str | None:
    return sha256_of(company.logo) if company.logo else None


def quote_facts(uow: UnitOfWork, quote: Quote, on: date) -> Facts:
    account, contact = _parties(uow, quote.opportunity_id, None)
    kind = DocumentKind.CONTRACT if quote.kind == QuoteKind.CONTRACT.value else DocumentKind.PROFORMA
    facts = _common(uow, quote, kind, on, account, contact)
    facts.update(
        revision=quote.revision,
        valid_until=quote.valid_until,
        start_date=quote.start_date,
        end_date=quote.end_date,
        terms=quote.terms,
    )
    return facts


def order_facts(uow: UnitOfWork, order: Order, today: date) -> Facts:
    account, contact = _parties(uow, order.opportunity_id, order.account_id)
    placed = order.created_at.date() if order.created_at is not None else today
    facts = _common(uow, order, DocumentKind.ORDER_CONFIRMATION, placed, account, contact)
    if order.quote_id is not None:
        quote = uow.quotes.get(order.quote_id)
        facts["quote_number"] = quote.number if quote is not None else None
    return facts


def invoice_facts(uow: UnitOfWork, invoice: Invoice, today: date) -> Facts:
    order = uow.orders.get(invoice.order_id)
    account, contact = _parties(uow, order.opportunity_id if order else None, invoice.account_id)
    on = invoice.issue_date or today  # a draft is dated the day it is printed
    facts = _common(uow, invoice, DocumentKind.INVOICE, on, account, contact)
    facts.update(
        due_date=invoice.due_date,
        amount_paid=invoice.amount_paid,
        amount_due=invoice.amount_due,
        order_number=order.number if order is not None else None,
    )
    return facts


def live_facts(uow: UnitOfWork, doc: Document, today: date) -> Facts:
    """The facts as the store says now (a draft's, or an order's); `today` dates an unsent quote."""
    if isinstance(doc, Quote):
        return quote_facts(uow, doc, today)
    if isinstance(doc, Order):
        return order_facts(uow, doc, today)
    if isinstance(doc, Invoice):
        return invoice_facts(uow, doc, today)
    raise TypeError(f"{doc.kind_name} has no document")


def snapshot_of(uow: UnitOfWork, doc: Document) -> Snapshot | None:
    found = uow.snapshots.find(document_type=doc.kind_name, document_id=doc.id)
    return found[0] if found else None


def facts_for(uow: UnitOfWork, doc: Document, today: date) -> tuple[Facts, bool]:
    """The facts a document prints and whether they are frozen (its snapshot), or live ones."""
    snapshot = snapshot_of(uow, doc)
    if snapshot is not None:
        return load_facts(snapshot.facts), True
    return live_facts(uow, doc, today), False


def freeze(ctx: Context, doc: Document) -> None:
    """Keep the facts as they are now, once: called as a quote is sent or an invoice issued."""
    if snapshot_of(ctx.uow, doc) is not None:
        return  # frozen already (an invoice back to issued after a payment reversal)
    facts = live_facts(ctx.uow, doc, ctx.today)
    company = company_of(ctx.uow)
    if company.logo:  # the snapshot names the logo by digest: keep those bytes too
        _keep_blob(ctx.uow, company.logo, company.logo_content_type or "application/octet-stream", ctx.now)
    ctx.uow.snapshots.add(
        Snapshot(
            document_type=doc.kind_name,
            document_id=doc.id,
            facts=dump_facts(facts),
            created_at=ctx.now,
            updated_at=ctx.now,
        )
    )


def _keep_blob(uow: UnitOfWork, content: bytes, content_type: str, now) -> str:
    """Store bytes under their SHA-256 once; the digest either way."""
    digest = sha256_of(content)
    if not uow.blobs.find(sha256=digest):
        blob = Blob(sha256=digest, content_type=content_type, size=len(content), content=content)
        blob.created_at = blob.updated_at = now
        uow.blobs.add(blob)
    return digest


@operation
def keep_rendition(
    ctx: Context, document: Document, fmt: str, locale: str, content: bytes, content_type: str, frozen: bool
) -> Rendition:
    """Record a rendering of a document; a frozen document keeps the first one per format and locale.

    Renderings are deterministic, so two requests rendering the same frozen document at once
    produce the same bytes: the second finds the first's rendition (or its unique key) and agrees.
    """
    kept = first_rendition(ctx.uow, document, fmt, locale) if frozen else None
    if kept is not None:
        return kept
    digest = _keep_blob(ctx.uow, content, content_type, ctx.now)
    same = ctx.uow.renditions.find(
        document_type=document.kind_name, document_id=document.id, format=fmt, locale=locale, sha256=digest
    )
    if same:  # these bytes were rendered before: a draft's preview that is exactly what was sent
        if frozen and not same[0].frozen:
            same[0].frozen = True  # they are now what the customer received: kept like any frozen rendering
            same[0].updated_at = ctx.now
        return same[0]
    return ctx.uow.renditions.add(
        Rendition(
            document_type=document.kind_name,
            document_id=document.id,
            format=fmt,
            locale=locale,
            sha256=digest,
            frozen=frozen,
            created_at=ctx.now,
            updated_at=ctx.now,
        )
    )


def first_rendition(uow: UnitOfWork, document: Document, fmt: str, locale: str) -> Rendition | None:
    """The rendition a frozen document keeps in this format and locale: its first."""
    found = uow.renditions.find(
        document_type=document.kind_name, document_id=document.id, format=fmt, locale=locale, frozen=True
    )
    return min(found, key=lambda r: r.id) if found else None


def rendition_of(uow: UnitOfWork, document_type: str, document_id: int, sha256: str) -> Rendition | None:
    """A rendition of this document with these bytes, if one was made (what a download may serve)."""
    found = uow.renditions.find(document_type=document_type, document_id=document_id, sha256=sha256)
    return found[0] if found else None


LINK_KEY = "document_links"


def link_key(new_uow: Callable[[], UnitOfWork], now: datetime | None = None) -> bytes:
    """The key that signs download links: made once, at first use, and the same in every worker
    (two first users at once: one makes it, the other's CONFLICT is retried and reads it)."""
    return retrying(lambda: _link_key(new_uow(), now=now))


@operation
def _link_key(ctx: Context) -> bytes:
    found = ctx.uow.signing_keys.find(name=LINK_KEY)
    if found:
        return bytes.fromhex(found[0].secret)
    key = SigningKey(name=LINK_KEY, secret=secrets.token_hex(32), created_at=ctx.now, updated_at=ctx.now)
    ctx.uow.signing_keys.add(key)
    return bytes.fromhex(key.secret)
