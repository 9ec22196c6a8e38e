"""`document(format, locale)`: a quote, an order or an invoice as its customer receives it."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Annotated, Optional

import strawberry

from ...documents import links
from ...documents.archive import rendered
from ...domain.documents import DocumentFormat as Format
from ...domain.errors import DomainError
from .enums import described_enum
from .errors import BadInput

log = logging.getLogger("salesflow.documents")

DocumentFormat = described_enum(
    Format,
    "DocumentFormat",
    "What a rendered document is made of.",
    {
        Format.PDF: "A PDF (A4), as printed, signed and archived.",
        Format.HTML: "One self-contained HTML page (no external resources), for a browser or an e-mail body.",
    },
)


@strawberry.type(description="One rendering of a document, downloadable from this server.")
class RenderedDocument:
    url: str = strawberry.field(
        description="Its path on this server (`/documents/…`): GET it with the same bearer token; the same role "
        "and owner rules as the document apply."
    )
    signed_url: str = strawberry.field(
        description="The same path with a signature that lets anyone holding it download these bytes, without a "
        "token, until `signedUrlExpiresAt`: the link to send a customer."
    )
    signed_url_expires_at: datetime = strawberry.field(description="When `signedUrl` stops working (UTC).")
    content_type: str = strawberry.field(description="`application/pdf` or `text/html; charset=utf-8`.")
    filename: str = strawberry.field(description="A file name for it, e.g. `INV-2026-00001.pdf` (ASCII).")
    sha256: str = strawberry.field(
        description="The SHA-256 of its bytes (hex). A sent quote or an issued invoice keeps its first rendering "
        "in each format and locale: this never changes for it afterwards."
    )
    locale: str = strawberry.field(description="The BCP 47 tag it is written in: `en`, `fa-IR` or `tr-TR`.")


LocaleArgument = Annotated[
    Optional[str],
    strawberry.argument(
        description="A BCP 47 tag: `fa-IR` (right to left, Jalali dates, Persian digits), `tr-TR` or `en`. "
        "Left out: the company's default locale. Another language is an UNKNOWN_LOCALE error."
    ),
]
FormatArgument = Annotated[DocumentFormat, strawberry.argument(description="PDF (the default) or HTML.")]


@strawberry.type
class Printable:
    """A document a customer receives: a quote (proforma or contract), an order confirmation, an invoice."""

    @strawberry.field(
        description="This document as the customer receives it, rendered in a format and locale (a sent quote "
        "or an issued invoice prints what was true when it went out, byte for byte, every time). Rendering "
        "takes time: a query may ask for about twenty (each costs 10,000 of the query budget)."
    )
    def document(
        self, info: strawberry.Info, format: FormatArgument = Format.PDF, locale: LocaleArgument = None
    ) -> RenderedDocument:
        context = info.context
        now = context.clock()
        try:
            result = rendered(
                context.loader.uow, context.stores.writer, self, Format(format), locale, today=now.date(), now=now
            )
        except DomainError as err:  # an unknown locale: the argument at fault, with its own code
            raise BadInput(err.text, err.field, code=err.code.value) from None
        expires_at = now + links.DEFAULT_TTL
        return RenderedDocument(
            url=result.path,
            signed_url=links.signed(context.stores.link_key(now), result.path, expires_at),
            signed_url_expires_at=expires_at,
            content_type=result.content_type,
            filename=result.filename,
            sha256=result.sha256,
            locale=result.locale,
        )


def render_at_once(info: strawberry.Info, payload, document_field: str):
    """After a quote is sent or an invoice issued (committed): its PDF in the company's locale, now.

    The facts were frozen in the mutation's own transaction, so this rendering, or the first
    download's if this one fails, prints exactly what went out; a failure here is logged, never
    turned into a failed mutation that in fact happened.
    """
    document = getattr(payload, document_field, None)
    if payload.errors or document is None:
        return payload
    context = info.context
    now = context.clock()
    try:
        rendered(context.loader.uow, context.stores.writer, document, Format.PDF, None, today=now.date(), now=now)
    except Exception:  # noqa: BLE001 - the document renders on its first download instead
        log.exception("could not render %s at once; it renders on its first download", document)
    return payload
