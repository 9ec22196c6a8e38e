"""Reading rendered documents back: text through poppler's pdftotext, pages through pdftoppm.

poppler-utils is a system package (.ci/run installs it); without it the PDF-reading tests skip and say so.
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import unicodedata
from decimal import Decimal

sys.path.insert(0, os.path.dirname(__file__))  # for `from conftest import …` in the tests here

from support import POPPLER, needs_poppler  # noqa: E402,F401 - the tests here import them from this conftest

# What poppler does to right-to-left text, and only that: it wraps each RTL run in the bidi embedding
# marks U+202A-U+202E; it places a zero-width non-joiner (which has no glyph of its own) next to a
# neighbouring letter rather than where it was (آرین‌پارس comes out as آرینپ‌ارس); and it reverses the
# two letters of the lam-alef ligature glyph when it reverses an RTL run (لا comes out as ال).
_POPPLER_MARKS = re.compile("[\u202a-\u202e\u200c]")


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF in logical order, whitespace collapsed, poppler's RTL artefacts removed."""
    result = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf, capture_output=True, check=True)
    return " ".join(_POPPLER_MARKS.sub("", result.stdout.decode()).split())


def as_poppler_reads(text: str) -> str:
    """Expected text the way pdf_text returns it (the same normalisation, lam-alef as poppler writes it)."""
    return " ".join(_POPPLER_MARKS.sub("", text).replace("لا", "ال").split())


def spaceless(text: str) -> str:
    """Text without spaces, for phrases that mix directions: when poppler reorders a right-to-left line it
    drops the space where a run of digits meets Persian letters (`۴ ساعت` comes out as `۴ساعت`)."""
    return "".join(text.split())


def pages(pdf: bytes) -> int:
    out = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))


def first_page_gray(pdf: bytes):
    """The first page at 50 dpi in grayscale, as a Pillow image (pdftoppm -r 50 -gray)."""
    from PIL import Image

    result = subprocess.run(
        ["pdftoppm", "-r", "50", "-gray", "-f", "1", "-l", "1", "-"], input=pdf, capture_output=True, check=True
    )
    return Image.open(io.BytesIO(result.stdout)).convert("L")


_NUMBER = re.compile(r"[0-9۰-۹][0-9۰-۹.,٬٫]*")


def numbers_in(text: str, locale: str) -> set[Decimal]:
    """Every number printed in the text, read back the way the locale writes it (groups and decimal mark)."""
    group, decimal = {"fa-IR": ("٬", "٫"), "tr-TR": (".", ","), "en": (",", ".")}[locale]
    found = set()
    for token in _NUMBER.findall(text):
        token = "".join(str(unicodedata.digit(c)) if c.isdigit() else c for c in token).rstrip(".,")
        token = token.replace(group, "").replace(decimal, ".")
        try:
            found.add(Decimal(token))
        except ArithmeticError:
            continue
    return found
