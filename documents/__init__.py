"""Rendering the documents a customer receives: facts + locale → PDF or HTML bytes.

`render(facts, fmt, locale)` turns the facts of a proforma, contract, order confirmation or invoice
(domain/documents.py) into a PDF or a self-contained HTML page in en, fa-IR or tr-TR. Three steps:
documents/locale.py formats values the way a language writes them (Persian digits and Jalali dates,
Turkish and English formats from Babel, amounts in words), documents/view.py puts every word and
value of the document into text, and documents/compiler.py lays it out with the typst template kept
as a data file in documents/templates/.

Why typst (the `typst` wheel) and not WeasyPrint: both shape Arabic script and lay out bidirectional
text correctly (typst through rustybuzz, a port of HarfBuzz, and its own bidi), but WeasyPrint needs
Debian's Pango and lays pages out in Python holding the GIL, while typst's wheel carries its compiler,
so `pip install` alone sets everything up, releases the GIL while it compiles (rendering does not
stall the event loop) and takes milliseconds a page. It also exports HTML from the same template.
The fonts ship in documents/fonts/ under their OFL licences: Vazirmatn (fa, and its Latin) and Noto Sans.
"""

from __future__ import annotations

import re
import unicodedata

from ..domain.documents import DocumentFormat, DocumentKind, Facts
from .compiler import compile_view
from .locale import Style, normalize_locale
from .view import view

__all__ = ["render", "normalize_locale", "filename"]

_LOGO_FORMATS = {"image/png": "png", "image/jpeg": "jpg", "image/svg+xml": "svg"}


def render(
    facts: Facts,
    fmt: DocumentFormat,
    locale: str,
    *,
    logo: bytes | None = None,
    logo_content_type: str | None = None,
) -> bytes:
    """The document as PDF or HTML bytes in a locale (en, fa, tr): the same arguments give the same bytes."""
    tag = normalize_locale(locale)
    if tag is None:
        raise ValueError(f"documents are rendered in en, fa and tr, not {locale!r}")
    style = Style(tag.split("-")[0], facts.get("irr_display") or "rial")
    printed = view(facts, style)
    if logo is not None and logo_content_type in _LOGO_FORMATS:
        printed["logo_format"] = _LOGO_FORMATS[logo_content_type]
    return compile_view(printed, DocumentFormat(fmt).value, logo=logo)


def filename(facts: Facts, fmt: DocumentFormat, locale: str) -> str:
    """An ASCII file name for the download: `INV-1405-00001.pdf`, `Q-2026-00012-r2.pdf`, `invoice-draft.html`."""
    number = facts["number"]
    if number:
        # any script's digits as ASCII digits (a Persian ۱۴۰۵ is 1405), everything else unsafe as "-"
        ascii_digits = "".join(str(unicodedata.digit(c)) if c.isdigit() else c for c in number)
        stem = re.sub(r"[^A-Za-z0-9._]+", "-", ascii_digits).strip("-._") or DocumentKind(facts["kind"]).value
        if facts.get("revision"):  # revision 0 is the first offer; every later one is named
            stem += f"-r{facts['revision']}"
    else:
        stem = f"{DocumentKind(facts['kind']).value}-draft"
    return f"{stem}.{DocumentFormat(fmt).value}"
