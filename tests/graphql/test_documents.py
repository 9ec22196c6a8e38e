"""A quote, an order or an invoice as its customer receives it: rendered, kept, downloaded."""

from __future__ import annotations

import hashlib
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from salesflow import documents
from salesflow.adapters.sql import SqlUnitOfWork, create_engine
from salesflow.documents import archive, links
from salesflow.domain.company import COMPANY_ID
from salesflow.statemachine.documents import LINK_KEY

RENDERED = "url signedUrl signedUrlExpiresAt contentType filename sha256 locale"
DOCUMENT = "query($id: ID!, $f: DocumentFormat, $l: String) { node(id: $id) { ... on %s { document(format: $f, locale: $l) { %s } } } }"


def document(client, kind: str, ident: str, fmt: str = "PDF", locale: str | None = None) -> dict:
    return client.run(DOCUMENT % (kind, RENDERED), {"id": ident, "f": fmt, "l": locale})["node"]["document"]


def download(gateway, url: str, token: str | None = None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return gateway.http.get(url, headers=headers)


def _store(gateway):
    return SqlUnitOfWork(create_engine(gateway.database_url))


def _rename_company(gateway, name: str) -> None:
    with _store(gateway) as uow:
        company = uow.company.get(COMPANY_ID)
        company.legal_name = name
        uow.commit()


def _issued(sales) -> str:
    order = sales.order()
    invoice = sales.deliver(order)["invoice"]["id"]
    sales.issue(invoice)
    return invoice


def test_an_issued_invoice_downloads_the_same_bytes_after_the_templates_and_the_company_change(
    gateway, admin, sales, monkeypatch
):
    invoice = _issued(sales)
    first = document(admin, "Invoice", invoice, locale="fa-IR")
    pdf = download(gateway, first["url"], admin.token)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert hashlib.sha256(pdf.content).hexdigest() == first["sha256"]
    assert first["locale"] == "fa-IR" and first["filename"].endswith(".pdf")

    _rename_company(gateway, "A Company Renamed Later")
    # a new template: every rendering from now on comes out different
    monkeypatch.setattr(archive, "render", lambda *a, **kw: documents.render(*a, **kw) + b"% a new template\n")
    again = document(admin, "Invoice", invoice, locale="fa-IR")
    assert again["sha256"] == first["sha256"]
    assert download(gateway, again["url"], admin.token).content == pdf.content


def test_the_invoice_pdf_is_rendered_when_it_is_issued_in_the_company_locale(gateway, admin, sales):
    invoice = _issued(sales)
    with _store(gateway) as uow:
        default = documents.normalize_locale(uow.company.get(COMPANY_ID).default_locale)
        kept = uow.renditions.find(document_type="invoice", frozen=True)
    assert [(r.format, r.locale) for r in kept] == [("pdf", default)]
    assert document(admin, "Invoice", invoice)["sha256"] == kept[0].sha256


def test_a_draft_quote_renders_anew_until_it_is_sent_and_then_keeps_what_was_sent(gateway, admin, sales):
    opportunity = sales.opportunity()["id"]
    quote = sales.quote(opportunity)["id"]
    draft = document(admin, "Quote", quote, locale="en")
    _rename_company(gateway, "Renamed Before Sending")
    redrafted = document(admin, "Quote", quote, locale="en")
    assert redrafted["sha256"] != draft["sha256"]  # a draft prints what the store says now

    sales.send(quote)
    sent = document(admin, "Quote", quote, locale="en")
    _rename_company(gateway, "Renamed After Sending")
    assert document(admin, "Quote", quote, locale="en")["sha256"] == sent["sha256"]
    # even a locale first asked for after the change prints the company as it was when sent
    html = download(gateway, document(admin, "Quote", quote, "HTML", "tr-TR")["url"], admin.token)
    assert "Renamed Before Sending" in html.text and "Renamed After Sending" not in html.text


def test_a_sales_rep_cannot_download_another_reps_document(gateway, as_user):
    reza, sara = as_user("reza", "sales_rep"), as_user("sara", "sales_rep")
    quote = reza.quote(reza.opportunity()["id"])["id"]
    url = document(reza.client, "Quote", quote)["url"]
    assert download(gateway, url, reza.client.token).status_code == 200
    assert download(gateway, url, sara.client.token).status_code == 404
    assert sara.client.post(DOCUMENT % ("Quote", "url"), {"id": quote})["data"]["node"] is None


def test_a_download_without_a_token_or_link_is_refused(gateway, admin, sales):
    url = document(admin, "Invoice", _issued(sales))["url"]
    refused = download(gateway, url)
    assert refused.status_code == 401 and refused.headers["www-authenticate"] == "Bearer"
    assert download(gateway, url, "not-a-token").status_code == 401


def test_bytes_of_another_document_are_not_served_under_this_one(gateway, admin, sales):
    one, other = _issued(sales), _issued(sales)
    mine, theirs = document(admin, "Invoice", one), document(admin, "Invoice", other)
    crossed = mine["url"].replace(mine["sha256"], theirs["sha256"])
    assert download(gateway, crossed, admin.token).status_code == 404


def test_a_signed_link_downloads_without_a_token_until_it_expires(gateway, admin, sales):
    rendered = document(admin, "Invoice", _issued(sales))
    served = download(gateway, rendered["signedUrl"])
    assert served.status_code == 200 and hashlib.sha256(served.content).hexdigest() == rendered["sha256"]
    expires_at = datetime.fromisoformat(rendered["signedUrlExpiresAt"])
    assert expires_at - datetime.now(UTC) <= links.DEFAULT_TTL

    with _store(gateway) as uow:
        key = bytes.fromhex(uow.signing_keys.find(name=LINK_KEY)[0].secret)
    path = urlsplit(rendered["signedUrl"]).path
    lapsed = links.signed(key, path, datetime.now(UTC) - timedelta(seconds=1))
    assert download(gateway, lapsed).status_code == 403
    query = parse_qs(urlsplit(rendered["signedUrl"]).query)
    later = f"{path}?expires={int(query['expires'][0]) + 3600}&signature={query['signature'][0]}"
    assert download(gateway, later).status_code == 403  # a later expiry is another signature


def test_a_signed_link_names_one_document(gateway, admin, sales):
    one, other = document(admin, "Invoice", _issued(sales)), document(admin, "Invoice", _issued(sales))
    query = urlsplit(one["signedUrl"]).query
    assert download(gateway, f"{other['url']}?{query}").status_code == 403


@pytest.mark.parametrize("locale", ["de-DE", "xx", ""])
def test_an_unknown_locale_is_a_coded_error_naming_it(admin, sales, locale):
    invoice = _issued(sales)
    body = admin.post(DOCUMENT % ("Invoice", "url"), {"id": invoice, "l": locale})
    error = body["errors"][0]
    assert error["extensions"] == {"code": "UNKNOWN_LOCALE", "field": ["locale"]}


def test_an_order_confirmation_and_a_quote_render_as_html_with_their_amounts(gateway, admin, sales):
    order = sales.order()
    page = download(gateway, document(admin, "Order", order["id"], "HTML", "en")["url"], admin.token)
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert order["number"] in page.text


def test_two_first_renderings_at_once_keep_one_rendition_with_the_same_bytes(gateway, admin, sales):
    invoice = _issued(sales)
    with ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: document(admin, "Invoice", invoice, locale="tr-TR"), range(4)))
    assert len({a["sha256"] for a in answers}) == 1
    with _store(gateway) as uow:
        kept = uow.renditions.find(document_type="invoice", locale="tr-TR", frozen=True)
    assert [r.sha256 for r in kept] == [answers[0]["sha256"]]


def test_a_quote_previewed_as_a_draft_keeps_what_was_sent_after_the_templates_change(
    gateway, admin, sales, monkeypatch
):
    quote = sales.quote(sales.opportunity()["id"])["id"]
    preview = document(admin, "Quote", quote, locale="en")
    sales.send(quote)  # unchanged: what was sent is byte for byte the preview
    sent = document(admin, "Quote", quote, locale="en")
    assert sent["sha256"] == preview["sha256"]
    monkeypatch.setattr(archive, "render", lambda *a, **kw: documents.render(*a, **kw) + b"% a new template\n")
    assert document(admin, "Quote", quote, locale="en")["sha256"] == sent["sha256"]


def test_an_invoice_frozen_with_a_logo_that_cannot_be_drawn_still_renders_without_it(gateway, admin, sales):
    with _store(gateway) as uow:  # a logo kept before uploads were decoded: it only starts like a PNG
        company = uow.company.get(COMPANY_ID)
        company.logo, company.logo_content_type = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"junk" * 10, "image/png"
        uow.commit()
    rendered = document(admin, "Invoice", _issued(sales), locale="en")
    pdf = download(gateway, rendered["url"], admin.token)
    assert pdf.status_code == 200 and hashlib.sha256(pdf.content).hexdigest() == rendered["sha256"]


@pytest.mark.parametrize("ident", ["%C2%B2", "%D9%A1", "-1", "1.0"])
def test_a_download_path_naming_no_plain_id_is_not_found(gateway, admin, ident):
    assert download(gateway, f"/documents/invoice/{ident}/{'0' * 64}/x.pdf", admin.token).status_code == 404
