"""A document as a customer receives it: rendered once per format and locale, kept, and served.

`rendered()` is the one way a document's bytes come to exist, whoever asks: the GraphQL
`document` field, issuing an invoice (its PDF is rendered at once after the issuing commit), the
mail worker and `salesflow demo`. A frozen document (a sent quote, an issued invoice) renders
from its snapshot and keeps its first rendering in each format and locale, so every later download
returns the same bytes; a live one (a draft, an order) renders what the store says now.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from typst import TypstError

from ..domain.base import Document
from ..domain.documents import CONTENT_TYPES, DocumentFormat, Facts
from ..domain.errors import DomainError, ErrorCode
from ..domain.ports import UnitOfWork
from ..statemachine.documents import company_of, facts_for, first_rendition, keep_rendition
from ..statemachine.engine import retrying
from . import filename, normalize_locale, render

log = logging.getLogger("salesflow.documents")

#: The documents a download URL can name: the document type in the path -> its repository.
REPOSITORIES = {"quote": "quotes", "order": "orders", "invoice": "invoices"}


@dataclass(frozen=True)
class Rendered:
    document_type: str
    document_id: int
    format: DocumentFormat
    locale: str
    sha256: str
    filename: str
    frozen: bool

    @property
    def content_type(self) -> str:
        return CONTENT_TYPES[self.format]

    @property
    def path(self) -> str:
        """Where it downloads from, relative to the server (gateway/documents.py serves it)."""
        return f"/documents/{self.document_type}/{self.document_id}/{self.sha256}/{self.filename}"


def locale_for(facts: Facts, tag: str | None) -> str:
    """The locale to render in: the one asked for, else the company's default; UNKNOWN_LOCALE otherwise."""
    locale = normalize_locale(tag if tag is not None else facts["default_locale"])
    if locale is None:
        raise DomainError(
            ErrorCode.UNKNOWN_LOCALE, "cannot render documents in {tag!r}: use en, fa or tr", "locale", tag=tag
        )
    return locale


def _logo(uow: UnitOfWork, facts: Facts, frozen: bool) -> tuple[bytes | None, str | None]:
    if frozen:  # the logo the snapshot names, kept with it
        digest = facts["seller"].get("logo_sha256")
        found = uow.blobs.find(sha256=digest) if digest else []
        return (found[0].content, found[0].content_type) if found else (None, None)
    company = company_of(uow)
    return company.logo, company.logo_content_type


def rendered(
    reader: UnitOfWork,
    writer: Callable[[], UnitOfWork],
    document: Document,
    fmt: DocumentFormat,
    locale_tag: str | None,
    *,
    today: date,
    now: datetime,
) -> Rendered:
    """The document in this format and locale, rendered now or kept from before.

    `reader` is an open unit of work (the request's): the facts are read in it. The rendering is
    kept through `writer`, a transaction of its own, so a query that renders writes nothing else.
    """
    facts, frozen = facts_for(reader, document, today)
    locale = locale_for(facts, locale_tag)
    name = filename(facts, fmt, locale)
    kept = first_rendition(reader, document, fmt.value, locale) if frozen else None
    if kept is None:
        logo, logo_type = _logo(reader, facts, frozen)
        try:
            content = render(facts, fmt, locale, logo=logo, logo_content_type=logo_type)
        except TypstError:
            if logo is None:
                raise
            # a logo kept before images were decoded on upload may not draw: the document still goes
            # out, without it, rather than never (its facts are frozen with that logo for good)
            log.warning("the logo of %s cannot be drawn; rendering it without", document, exc_info=True)
            content = render(facts, fmt, locale)
        # two first renderings at once make the same bytes (rendering is deterministic): the one that
        # loses the race on the blob or rendition key retries and finds the winner's
        kept = retrying(
            lambda: keep_rendition(writer(), document, fmt.value, locale, content, CONTENT_TYPES[fmt], frozen, now=now)
        )
    return Rendered(document.kind_name, document.id, fmt, locale, kept.sha256, name, frozen)
