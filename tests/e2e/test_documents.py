"""The documents as customers and SPAs meet them, over a real `salesflow serve`.

A Persian seller (its profile, tax IDs and default locale fa-IR set through updateCompany) sends a
proforma to a Persian customer and issues an invoice, all through GraphQL over HTTP. Then:
- the customer opens the e-mailed signed link, with no token: the PDF reads right (pdftotext) and
  is not blank (pdftoppm);
- the HTML rendition opens in headless Chromium from the server with every other request blocked,
  right to left;
- an SPA on another origin (allowed by --cors-origins) fetches the PDF with its bearer token;
- a sales rep gets 404 for another rep's document, and an expired or tampered link 403.

The browser is Debian's Chromium driven by playwright-core (tests/js/document-page.mjs); poppler-utils
reads the PDFs. Without them the tests skip on a developer's machine and fail when CI is set.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import os
import subprocess
import threading
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jsclients
import pytest
from PIL import Image
from support import POPPLER, POPPLER_MISSING

from salesflow.adapters.sql import SqlUnitOfWork, create_engine
from salesflow.documents import links
from salesflow.statemachine.documents import LINK_KEY

#: The README's picture of a Persian proforma: written by test_a_customer_… when this is set to 1.
README_PICTURE = Path(__file__).parents[2] / "docs" / "proforma-fa.png"
WRITE_README_PICTURE = os.environ.get("SALESFLOW_WRITE_README_PICTURE") == "1"

# Reading PDFs back the way tests/documents does it (poppler's right-to-left artefacts removed).
_reading = importlib.util.spec_from_file_location(
    "document_reading", Path(__file__).parents[1] / "documents" / "conftest.py"
)
reading = importlib.util.module_from_spec(_reading)
_reading.loader.exec_module(reading)

SELLER = "شرکت نرم‌افزاری سپهر داده"
CUSTOMER = "شرکت بازرگانی آرین‌پارس"
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")

UPDATE_COMPANY = """mutation($i: UpdateCompanyInput!) { updateCompany(input: $i) {
  company { legalName defaultLocale } errors { code field message } } }"""
CREATE_ACCOUNT = (
    """mutation($i: CreateAccountInput!) { createAccount(input: $i) { account { id } errors { code field } } }"""
)
CREATE_CONTACT = (
    """mutation($i: CreateContactInput!) { createContact(input: $i) { contact { id } errors { code field } } }"""
)
CREATE_OPPORTUNITY = """mutation($i: CreateOpportunityInput!) { createOpportunity(input: $i) {
  opportunity { id } errors { code field } } }"""
TO_QUOTE = """mutation($i: ConvertOpportunityToQuoteInput!) { convertOpportunityToQuote(input: $i) {
  quote { id } errors { code field message } } }"""
SEND = """mutation($i: SendQuoteInput!) { sendQuote(input: $i) { quote { id status total } errors { code field } } }"""
TO_ORDER = """mutation($i: ConvertQuoteToOrderInput!) { convertQuoteToOrder(input: $i) {
  order { id lines { id quantity } } errors { code field } } }"""
DELIVER = (
    """mutation($i: RecordDeliveryInput!) { recordDelivery(input: $i) { invoice { id } errors { code field } } }"""
)
ISSUE = """mutation($i: IssueInvoiceInput!) { issueInvoice(input: $i) {
  invoice { id number total } errors { code field } } }"""
DOCUMENT = """query($id: ID!, $f: DocumentFormat, $l: String) { node(id: $id) { ... on %s {
  document(format: $f, locale: $l) { url signedUrl contentType filename sha256 locale } } } }"""

#: Several lines, a discount, Iran's 9% VAT: what the README shows and the customer receives.
LINES = [
    {
        "description": "لپ‌تاپ لنوو ThinkPad E14",
        "quantity": "3",
        "unitPrice": "485000000",
        "taxRate": "9",
        "discountPercent": "5",
        "productCode": "LT-E14",
    },
    {"description": "نصب و راه‌اندازی شبکه", "quantity": "12", "unitPrice": "4500000", "taxRate": "9"},
    {
        "description": "پشتیبانی سالانه نرم‌افزار",
        "quantity": "1",
        "unitPrice": "96000000",
        "taxRate": "9",
        "discountPercent": "10",
    },
    {"description": "کابل شبکه Cat6 (متر)", "quantity": "150", "unitPrice": "85000", "taxRate": "9"},
]


# --- the servers ---------------------------------------------------------------------------------------


class _SpaPage(BaseHTTPRequestHandler):
    """An SPA's page: the origin its code runs on; the code itself comes from the test (page.evaluate)."""

    def do_GET(self):  # noqa: N802 - http.server's name
        body = b"<!doctype html><html><head><title>Sales SPA</title></head><body>SPA</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def spa_origins():
    """Two pages on loopback, each its own origin: (the one --cors-origins allows, one it does not)."""
    servers = [ThreadingHTTPServer(("127.0.0.1", 0), _SpaPage) for _ in range(2)]
    threads = [threading.Thread(target=s.serve_forever, daemon=True) for s in servers]
    for thread in threads:
        thread.start()
    yield tuple(f"http://127.0.0.1:{s.server_address[1]}" for s in servers)
    for server, thread in zip(servers, threads):
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture(scope="module")
def server(serve_with, spa_origins):
    with serve_with(args=("--cors-origins", spa_origins[0])) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser():
    """Runs tests/js/document-page.mjs on a task and returns its report (see that file)."""
    drive = jsclients.driver("document-page.mjs")

    def run(**task) -> dict:
        report = drive(**task)
        assert report["error"] is None, report["error"]
        return report

    return run


@pytest.fixture(scope="module")
def poppler():
    if not POPPLER:
        jsclients.missing(POPPLER_MISSING)


# --- the story --------------------------------------------------------------------------------------------


def _persian_seller(admin) -> None:
    changed = admin.mutate(
        "updateCompany",
        UPDATE_COMPANY,
        {
            "i": {
                "legalName": SELLER,
                "country": "IR",
                "address": "تهران، خیابان ولیعصر، پلاک ۱۲۴۰، طبقه سوم",
                "postalCode": "۱۴۵۸۸-۸۹۶۹۴",
                "nationalId": "۱۰۳۸۰۲۸۴۷۹۰",
                "economicCode": "411111111111",
                "phone": "+98 21 8876 5432",
                "email": "sales@sepehrdata.example",
                "bankDetails": "بانک ملت، شبا IR06 0120 0000 0000 1234 5678 90",
                "paymentTerms": "پرداخت ۵۰٪ پیش از تحویل و مابقی ظرف ۳۰ روز پس از صدور فاکتور.",
                "defaultLocale": "fa-IR",
            }
        },
    )["company"]
    assert changed == {"legalName": SELLER, "defaultLocale": "fa-IR"}


def _persian_customer(client) -> str:
    """An opportunity in IRR for شرکت بازرگانی آرین‌پارس and its buyer; its id."""
    account = client.mutate(
        "createAccount",
        CREATE_ACCOUNT,
        {
            "i": {
                "name": CUSTOMER,
                "country": "IR",
                "nationalId": "10860375190",
                "economicCode": "10860375190",
                "postalCode": "1969713711",
                "address": "تهران، سعادت‌آباد، بلوار پاکنژاد، پلاک ۱۸",
                "phone": "+98 21 2207 1100",
            }
        },
    )["account"]["id"]
    contact = client.mutate(
        "createContact",
        CREATE_CONTACT,
        {"i": {"name": "مریم احمدی", "email": "m.ahmadi@arianpars.example", "accountId": account}},
    )["contact"]["id"]
    return client.mutate(
        "createOpportunity",
        CREATE_OPPORTUNITY,
        {"i": {"title": "تجهیز دفتر مرکزی", "accountId": account, "contactId": contact, "currency": "IRR"}},
    )["opportunity"]["id"]


def _sent_proforma(client, opportunity: str) -> dict:
    quote = client.mutate(
        "convertOpportunityToQuote",
        TO_QUOTE,
        {
            "i": {
                "opportunityId": opportunity,
                "kind": "PROFORMA",
                "lines": LINES,
                "validUntil": (date.today() + timedelta(days=30)).isoformat(),
            }
        },
    )["quote"]
    return client.mutate("sendQuote", SEND, {"i": {"quoteId": quote["id"]}})["quote"]


def _issued_invoice(client, quote: str) -> dict:
    order = client.mutate("convertQuoteToOrder", TO_ORDER, {"i": {"quoteId": quote}})["order"]
    lines = [{"orderLineId": line["id"], "quantity": line["quantity"]} for line in order["lines"]]
    invoice = client.mutate("recordDelivery", DELIVER, {"i": {"orderId": order["id"], "lines": lines}})["invoice"]
    return client.mutate("issueInvoice", ISSUE, {"i": {"invoiceId": invoice["id"]}})["invoice"]


@pytest.fixture(scope="module")
def story(server):
    """The seller set up in Persian, a proforma sent and its invoice issued; what came of it."""
    admin = server.admin()
    _persian_seller(admin)
    proforma = _sent_proforma(admin, _persian_customer(admin))
    invoice = _issued_invoice(admin, proforma["id"])
    return {"admin": admin, "proforma": proforma, "invoice": invoice}


def document(client, kind: str, ident: str, fmt: str = "PDF", locale: str | None = None) -> dict:
    return client.run(DOCUMENT % kind, {"id": ident, "f": fmt, "l": locale})["node"]["document"]


def persian(amount: str) -> str:
    """A whole IRR amount as fa-IR prints it: Persian digits, the Arabic thousands separator."""
    return f"{int(amount):,}".replace(",", "٬").translate(PERSIAN_DIGITS)


def page_one(pdf: bytes, dpi: int) -> Image.Image:
    done = subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", "-f", "1", "-l", "1", "-"], input=pdf, capture_output=True, check=True
    )
    return Image.open(io.BytesIO(done.stdout))


def ink_share(image: Image.Image) -> float:
    """The share of the page's pixels that are not (nearly) white."""
    gray = image.convert("L")
    histogram = gray.histogram()
    return sum(histogram[:200]) / (gray.width * gray.height)


# --- 1. the customer's e-mailed links ---------------------------------------------------------------------


def test_a_customer_downloads_the_persian_invoice_by_its_signed_link_without_a_token(server, story, poppler):
    invoice = story["invoice"]
    rendered = document(story["admin"], "Invoice", invoice["id"])  # no locale: the company's, fa-IR
    assert rendered["locale"] == "fa-IR" and rendered["contentType"] == "application/pdf"

    served = server.http.get(rendered["signedUrl"])  # the client sends no Authorization header
    assert served.status_code == 200, served.text
    assert served.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(served.content).hexdigest() == rendered["sha256"]

    text = reading.pdf_text(served.content)
    assert reading.as_poppler_reads(CUSTOMER) in text
    assert reading.as_poppler_reads(SELLER) in text
    assert invoice["number"] in text
    assert persian(invoice["total"]) in text, (persian(invoice["total"]), text)
    assert ink_share(page_one(served.content, 50)) > 0.01  # page 1 has something printed on it


def test_a_customer_downloads_the_persian_proforma_by_its_signed_link_and_it_reads_right(
    server, story, poppler, tmp_path
):
    proforma = story["proforma"]
    rendered = document(story["admin"], "Quote", proforma["id"], locale="fa-IR")
    served = server.http.get(rendered["signedUrl"])
    assert served.status_code == 200 and hashlib.sha256(served.content).hexdigest() == rendered["sha256"]

    text = reading.pdf_text(served.content)
    assert reading.as_poppler_reads(CUSTOMER) in text and persian(proforma["total"]) in text
    assert reading.as_poppler_reads("پیش‌فاکتور") in text
    picture = page_one(served.content, 100)
    assert ink_share(picture) > 0.01
    picture.save(tmp_path / "proforma-fa.png", optimize=True)
    if WRITE_README_PICTURE:
        picture.save(README_PICTURE, optimize=True)


# --- 2. the HTML page in a browser ------------------------------------------------------------------------


def test_the_persian_html_page_opens_right_to_left_in_a_browser_that_reaches_nothing_else(
    server, story, browser, tmp_path
):
    rendered = document(story["admin"], "Invoice", story["invoice"]["id"], "HTML", "fa-IR")
    page = f"{server.url}{rendered['signedUrl']}"
    screenshot = tmp_path / "invoice-fa.png"
    report = browser(page=page, screenshot=str(screenshot))

    assert report["status"] == 200 and report["headers"]["content-type"].startswith("text/html")
    assert report["headers"]["content-security-policy"].startswith("default-src 'none'")
    assert report["requests"] == [f"GET {page}"] and report["outside"] == [], report
    assert report["cspViolations"] == [] and report["pageErrors"] == []
    assert (report["htmlDir"], report["lang"], report["bodyDirection"]) == ("rtl", "fa", "rtl")
    assert report["firstCellAtEnd"] is True  # the first column stands at the right
    assert CUSTOMER in report["text"] and story["invoice"]["number"] in report["text"]
    assert persian(story["invoice"]["total"]) in report["text"]
    assert screenshot.read_bytes().startswith(b"\x89PNG")


# --- 3. an SPA on another origin ----------------------------------------------------------------------------


def test_an_spa_on_an_allowed_origin_fetches_the_pdf_with_its_bearer_token(server, story, browser, spa_origins):
    rendered = document(story["admin"], "Invoice", story["invoice"]["id"], locale="fa-IR")
    report = browser(spa=f"{spa_origins[0]}/", fetch=f"{server.url}{rendered['url']}", token=server.admin_token)

    assert report["origin"] == spa_origins[0] and report["outside"] == []
    assert report["result"]["status"] == 200, report["result"]
    assert report["result"]["contentType"] == "application/pdf"
    assert report["result"]["sha256"] == rendered["sha256"]


def test_a_page_on_an_origin_not_allowed_cannot_read_the_pdf(server, story, browser, spa_origins):
    rendered = document(story["admin"], "Invoice", story["invoice"]["id"], locale="fa-IR")
    report = browser(spa=f"{spa_origins[1]}/", fetch=f"{server.url}{rendered['url']}", token=server.admin_token)

    assert report["origin"] == spa_origins[1]
    assert "Failed to fetch" in report["result"].get("thrown", ""), report["result"]


# --- 4. who may not ----------------------------------------------------------------------------------------------


def test_a_sales_rep_gets_404_for_another_reps_document(server):
    reza, sara = server.users("sales_rep", "sales_rep")
    quote = _sent_proforma(reza, _persian_customer(reza))
    rendered = document(reza, "Quote", quote["id"])
    assert server.http.get(rendered["url"], headers=reza.headers).status_code == 200
    refused = server.http.get(rendered["url"], headers=sara.headers)
    assert refused.status_code == 404 and hashlib.sha256(refused.content).hexdigest() != rendered["sha256"]


def test_an_expired_or_tampered_signed_link_is_refused(server, story):
    rendered = document(story["admin"], "Invoice", story["invoice"]["id"])
    path, query = urlsplit(rendered["signedUrl"]).path, parse_qs(urlsplit(rendered["signedUrl"]).query)
    expires, signature = int(query["expires"][0]), query["signature"][0]
    assert server.http.get(rendered["signedUrl"]).status_code == 200

    tampered = {
        "a later expiry": f"{path}?expires={expires + 3600}&signature={signature}",
        "another signature": f"{path}?expires={expires}&signature={signature[:-1]}{'0' if signature[-1] != '0' else '1'}",
        "another document": f"{path.replace('/invoice/', '/quote/', 1)}?expires={expires}&signature={signature}",
    }
    # a link the server itself signed (with its key) that expired a second ago
    with SqlUnitOfWork(create_engine(server.database_url)) as uow:
        key = bytes.fromhex(uow.signing_keys.find(name=LINK_KEY)[0].secret)
    tampered["an expiry already past"] = links.signed(key, path, datetime.now(UTC) - timedelta(seconds=1))
    for why, link in tampered.items():
        answer = server.http.get(link)
        assert answer.status_code == 403, (why, answer.status_code)
        assert answer.headers["content-type"].startswith("text/plain") and b"%PDF" not in answer.content
