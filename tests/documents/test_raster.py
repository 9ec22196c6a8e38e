"""Each locale's first page looks as it did when a person last checked it: rasterised with pdftoppm
(50 dpi, grayscale) and compared with the committed reference image, pixel by pixel, within a tolerance.

Regenerate the references after a deliberate change of layout, then look at them before committing:
    SALESFLOW_REGENERATE_REFERENCES=1 .venv/bin/python -m pytest tests/documents/test_raster.py
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import first_page_gray, needs_poppler
from document_samples import STORIES
from PIL import Image, ImageChops

from salesflow import documents
from salesflow.domain.documents import DocumentFormat

pytestmark = needs_poppler

REFERENCES = Path(__file__).parent / "reference"
REGENERATE = os.environ.get("SALESFLOW_REGENERATE_REFERENCES") == "1"
#: A pixel differs when its gray level moved by more than INK (of 255): anti-aliasing from another
#: poppler or FreeType build moves edges by less. The page may have at most MAX_CHANGED such pixels
#: (0.06 % of the 413 × 585 page). Measured: one digit changed moves 2 pixels, the net and tax columns
#: of the fa proforma swapped 486, a line dropped from the tr invoice 6,275; the same build moves none.
INK = 64
MAX_CHANGED = 150


def changed_pixels(image: Image.Image, reference: Image.Image) -> int:
    """How many pixels differ by more than INK gray levels (every pixel, when the sizes differ)."""
    if image.size != reference.size:
        return image.size[0] * image.size[1]
    histogram = ImageChops.difference(image, reference).histogram()  # how many pixels moved by 0, 1, … 255
    return sum(histogram[INK + 1 :])


@pytest.mark.parametrize("kind", ["proforma", "contract", "order_confirmation", "invoice"])
@pytest.mark.parametrize("locale", sorted(STORIES))
def test_the_first_page_matches_its_reference_image(locale, kind):
    image = first_page_gray(documents.render(STORIES[locale](kind), DocumentFormat.PDF, locale))
    path = REFERENCES / f"{locale}-{kind}.png"
    if REGENERATE:
        REFERENCES.mkdir(exist_ok=True)
        image.save(path, optimize=True)
    reference = Image.open(path).convert("L")

    assert changed_pixels(image, reference) <= MAX_CHANGED, f"{path.name} differs; look at it, then regenerate"


def test_the_comparison_sees_two_columns_swapped():
    facts = STORIES["fa-IR"]("proforma")
    swapped = STORIES["fa-IR"]("proforma")
    for line in swapped["lines"]:  # net and tax amounts change places
        line["net_amount"], line["tax_amount"] = line["tax_amount"], line["net_amount"]
    original = first_page_gray(documents.render(facts, DocumentFormat.PDF, "fa"))

    assert changed_pixels(first_page_gray(documents.render(swapped, DocumentFormat.PDF, "fa")), original) > MAX_CHANGED


def test_the_comparison_sees_a_line_dropped():
    facts = STORIES["tr-TR"]("invoice")
    shorter = STORIES["tr-TR"]("invoice")
    shorter["lines"] = shorter["lines"][:-1]
    original = first_page_gray(documents.render(facts, DocumentFormat.PDF, "tr"))

    assert changed_pixels(first_page_gray(documents.render(shorter, DocumentFormat.PDF, "tr")), original) > MAX_CHANGED
