"""The renderer's contract: the same facts give the same bytes, in any thread or process; HTML pages are
self-contained; logos are drawn; locales, file names and bad arguments are handled."""

from __future__ import annotations

import hashlib
import io
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from html.parser import HTMLParser
from pathlib import Path

import pytest
from document_samples import STORIES, long_invoice, persian_proforma, turkish

from salesflow import documents
from salesflow.domain.documents import DocumentFormat

HERE = Path(__file__).parent  # tests/documents; tests/document_samples.py is one up


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "#c33").save(buffer, format="PNG")
    return buffer.getvalue()


# Logos as the company profile stores them: a PNG and an SVG
PNG = _png()
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="#c33"/></svg>'


def test_the_same_facts_render_to_the_same_bytes_twice():
    facts = persian_proforma()

    assert documents.render(facts, DocumentFormat.PDF, "fa") == documents.render(facts, DocumentFormat.PDF, "fa")
    assert documents.render(facts, DocumentFormat.HTML, "fa") == documents.render(facts, DocumentFormat.HTML, "fa")


def test_another_process_renders_the_same_bytes():
    script = (
        "import hashlib, sys; sys.path.insert(0, sys.argv[1]); from document_samples import long_invoice;"
        "from salesflow import documents; print(hashlib.sha256(documents.render(long_invoice(), 'pdf', 'tr')).hexdigest())"
    )
    other = subprocess.run([sys.executable, "-c", script, str(HERE.parent)], capture_output=True, text=True, check=True)

    assert (
        other.stdout.strip() == hashlib.sha256(documents.render(long_invoice(), DocumentFormat.PDF, "tr")).hexdigest()
    )


def test_threads_rendering_at_once_each_get_the_right_document():
    jobs = [(STORIES[locale](kind), locale) for locale in STORIES for kind in ("proforma", "invoice")] * 3
    alone = [documents.render(facts, DocumentFormat.PDF, locale) for facts, locale in jobs]

    with ThreadPoolExecutor(max_workers=6) as pool:
        together = list(pool.map(lambda job: documents.render(job[0], DocumentFormat.PDF, job[1]), jobs))

    assert together == alone


def test_the_pdf_is_dated_by_the_document_not_the_clock():
    pdf = documents.render(turkish("invoice"), DocumentFormat.PDF, "tr")

    assert set(re.findall(rb"D:(\d{8})", pdf)) == {b"20261206"}  # the invoice's date, 6 December 2026
    assert set(re.findall(rb"<xmp:\w+Date>([\d-]+)", pdf)) == {b"2026-12-06"}


class _Page(HTMLParser):
    """The parts of an HTML page these tests look at: the root's attributes, resources, the text."""

    def __init__(self) -> None:
        super().__init__()
        self.root: dict[str, str | None] = {}
        self.resources: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "html":
            self.root = attributes
        for name in ("src", "href"):
            if attributes.get(name):
                self.resources.append(attributes[name])
        if tag in ("script", "link", "iframe"):
            self.resources.append(tag)

    def handle_data(self, data):
        self.text.append(data)


def _page(html: bytes) -> _Page:
    page = _Page()
    page.feed(html.decode("utf-8"))
    page.close()
    return page


def test_a_persian_html_page_is_right_to_left_and_holds_the_amounts():
    page = _page(documents.render(persian_proforma(), DocumentFormat.HTML, "fa-IR"))
    text = "".join(page.text)

    assert page.root == {"lang": "fa", "dir": "rtl"}
    assert "شرکت بازرگانی آرین‌پارس" in text
    assert "۱۴۰۵/۰۹/۱۵" in text
    assert "۱۶٬۴۴۰٬۸۷۵٬۰۰۰\u00a0ریال" in text  # the total
    assert "۴٬۸۵۰٬۰۰۰٬۰۰۰" in text and "۱٬۳۴۵٬۸۷۵٬۰۰۰" in text  # a unit price and a line's tax


def test_a_turkish_html_page_is_left_to_right_and_self_contained_with_its_logo_inline():
    html = documents.render(turkish("invoice"), DocumentFormat.HTML, "tr", logo=PNG, logo_content_type="image/png")
    page = _page(html)
    text = "".join(page.text)

    assert page.root == {"lang": "tr", "dir": "ltr"}
    assert "İstanbul Işık Mobilya A.Ş." in text and "₺89.074,26" in text and "₺69.074,26" in text
    assert "<table" in html.decode() and "<th>" in html.decode()
    assert page.resources and all(resource.startswith("data:image/png;base64,") for resource in page.resources)


def test_the_logo_is_drawn_on_the_pdf_in_png_and_svg():
    plain = documents.render(turkish("invoice"), DocumentFormat.PDF, "tr")
    with_png = documents.render(turkish("invoice"), DocumentFormat.PDF, "tr", logo=PNG, logo_content_type="image/png")
    with_svg = documents.render(
        turkish("invoice"), DocumentFormat.PDF, "tr", logo=SVG, logo_content_type="image/svg+xml"
    )

    image = re.compile(rb"/Subtype\s*/Image")
    assert image.search(with_png) and not image.search(plain)
    assert with_svg != plain and len(with_svg) > len(plain)


@pytest.mark.parametrize(
    ("tag", "canonical"),
    [("fa", "fa-IR"), ("fa-IR", "fa-IR"), ("fa_IR", "fa-IR"), ("tr", "tr-TR"), ("TR-tr", "tr-TR"), ("en-GB", "en")],
)
def test_a_locale_tag_names_the_language_rendered(tag, canonical):
    assert documents.normalize_locale(tag) == canonical


@pytest.mark.parametrize("tag", ["de-DE", "ar", "", None, "not a tag"])
def test_a_language_other_than_en_fa_tr_is_not_rendered(tag):
    assert documents.normalize_locale(tag) is None
    with pytest.raises(ValueError):
        documents.render(turkish("invoice"), DocumentFormat.PDF, tag)


def test_file_names_are_ascii_and_name_the_document():
    assert documents.filename(turkish("invoice"), DocumentFormat.PDF, "tr") == "FTR-2026-00042.pdf"
    assert documents.filename(persian_proforma(), DocumentFormat.HTML, "fa") == "Q-2026-00012-r2.html"
    assert (
        documents.filename(persian_proforma(number="INV/۱۴۰۵/۰۰۰۰۱", revision=None), "pdf", "fa")
        == "INV-1405-00001.pdf"
    )
    assert documents.filename(turkish("invoice", number=""), DocumentFormat.PDF, "tr") == "invoice-draft.pdf"


def test_every_revision_after_the_first_offer_has_a_file_name_of_its_own():
    names = {documents.filename(persian_proforma(revision=n), DocumentFormat.PDF, "fa") for n in (0, 1, 2)}
    assert names == {"Q-2026-00012.pdf", "Q-2026-00012-r1.pdf", "Q-2026-00012-r2.pdf"}


def test_documents_compile_at_a_lower_cpu_priority_than_the_requests_beside_them():
    import os
    import threading

    from salesflow.documents import compiler as compiling

    here = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    there = compiling._compiles.submit(lambda: os.getpriority(os.PRIO_PROCESS, threading.get_native_id())).result()
    assert there == min(here + compiling.NICENESS, 19)
