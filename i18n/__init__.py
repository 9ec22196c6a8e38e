"""Messages in the user's language: gettext catalogs kept as .po files, managed with Babel.

One catalog per domain (`messages` for errors and stage names, `documents` for the words printed on
a document) and locale, under `i18n/locales/<locale>/LC_MESSAGES/<domain>.po`. They are compiled in
memory the first time they are used, so the repository holds no generated .mo files. English is the
source language: a message without a translation comes back as written.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).parent / "locales"
SUPPORTED = ("en", "fa", "tr")  # the languages salesflow speaks; the first is the source language
DEFAULT = SUPPORTED[0]


def language_of(tag: str | None) -> str | None:
    """The supported language a BCP 47 tag (`fa-IR`, `tr_TR`, `en`) asks for, or None."""
    if not tag:
        return None
    try:
        locale = Locale.parse(tag.strip().replace("-", "_"))
    except (ValueError, UnknownLocaleError):
        return None
    return locale.language if locale.language in SUPPORTED else None


@cache
def translations(domain: str, language: str) -> NullTranslations:
    """The catalog of a domain in a supported language (the identity for English or a missing file)."""
    path = LOCALES_DIR / language / "LC_MESSAGES" / f"{domain}.po"
    if language == DEFAULT or not path.exists():
        return NullTranslations()
    with path.open("rb") as fp:
        catalog = read_po(fp, locale=language, domain=domain)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=domain)
