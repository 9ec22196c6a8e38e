"""Messages in the user's language: gettext catalogs kept as .po files, managed with Babel.

One catalog per domain (`messages` for errors and stage names, `documents` for the words printed on
a document) and locale, under `i18n/locales/<locale>/LC_MESSAGES/<domain>.po`. They are compiled in
memory the first time they are used, so the repository holds no generated .mo files. English is the
source language: a message without a translation comes back as written.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import negotiate_locale
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from ..domain.message import Message

LOCALES_DIR = Path(__file__).parent / "locales"
SUPPORTED = ("en", "fa", "tr")  # the languages salesflow speaks; the first is the source language
DEFAULT = SUPPORTED[0]
MESSAGES = "messages"  # the domain of errors and stage names (documents.po is the documents' words)


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


def canonical(tag: str) -> str | None:
    """A BCP 47 tag of a supported language in its usual spelling (`fa_ir` → `fa-IR`), or None."""
    if language_of(tag) is None:
        return None
    return str(Locale.parse(tag.strip().replace("-", "_"))).replace("_", "-")


def preferred(accept_language: str | None) -> str | None:
    """The supported language an `Accept-Language` header (RFC 9110 §12.5.4) prefers most, or None.

    Ranges are tried by falling q-value, in the order given among equals; `q=0` excludes a range, and
    `*` (any language) is left to the caller's default. Babel's `negotiate_locale` matches each range
    to a supported language (`fa-IR` → fa).
    """
    ranges: list[tuple[float, int, str]] = []
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.partition(";")
        tag = tag.strip()
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0  # a malformed weight: the range is not counted on
        if tag and tag != "*" and 0 < quality <= 1:
            ranges.append((-quality, position, tag))
    wanted = [tag for _, _, tag in sorted(ranges)]
    found = negotiate_locale(wanted, SUPPORTED, sep="-")
    return found.lower() if found else None


@cache
def default_stage_names() -> frozenset[str]:
    """The stage names data/stages.csv installs: the ones shown in the viewer's language."""
    with (Path(__file__).parent.parent / "data" / "stages.csv").open(newline="", encoding="utf-8") as fh:
        return frozenset(row["name"] for row in csv.DictReader(fh))


def stage_name(name: str, language: str) -> str:
    """A stage's name as the viewer reads it.

    A stage whose name is still one data/stages.csv installs ("Qualification") is the addon's own
    and is shown in the viewer's language; a stage a user created or renamed keeps its name as
    written, in whatever language they wrote it. The stored name is the test: a renamed default
    stage no longer matches, and a user's stage named exactly like a default one reads like it.
    """
    return gettext(language)(name) if name in default_stage_names() else name


def stage_names(language: str) -> tuple[tuple[str, str], ...]:
    """(installed name, the name shown) of each stage data/stages.csv installs, in a language: what
    stage_name does, as data (for reads compiled to SQL)."""
    return tuple(sorted((name, stage_name(name, language)) for name in default_stage_names()))


def gettext(language: str) -> Callable[[str], str]:
    """The gettext of the `messages` catalog in a supported language (English: the identity)."""
    return translations(MESSAGES, language).gettext


def translate(message: Message | str, language: str) -> str:
    """A message (or a plain text, as written) in a supported language."""
    if isinstance(message, Message):
        return message.render(gettext(language))
    return message
