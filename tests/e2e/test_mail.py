"""`salesflow serve` e-mails an issued invoice through a real SMTP server (aiosmtpd on loopback), once,
with its PDF, and the signed link in the body downloads the same bytes without a token."""

from __future__ import annotations

import hashlib
import time
from email import message_from_bytes, policy

ORDER = """mutation($i: CreateOrderInput!) { createOrder(input: $i) { order { id lines { id } } errors { code } } }"""
DELIVER = """mutation($i: RecordDeliveryInput!) { recordDelivery(input: $i) { invoice { id } errors { code } } }"""
ISSUE = """mutation($i: IssueInvoiceInput!) { issueInvoice(input: $i) {
  invoice { id number mails { status } } errors { code field } } }"""
MAILS = """query($id: ID!) { node(id: $id) { ... on Invoice {
  mails { status attempts messageId } document(locale: "tr-TR") { sha256 } history { trigger } } } }"""


def test_serve_mails_an_issued_invoice_once_with_its_pdf_and_a_link_that_downloads_it(serve_with, smtp):
    env = {
        "SALESFLOW_SMTP_HOST": "127.0.0.1",
        "SALESFLOW_SMTP_PORT": str(smtp.port),
        "SALESFLOW_SMTP_SECURITY": "none",
        "SALESFLOW_SMTP_FROM": "sales@seller.example",
        "SALESFLOW_MAIL_INTERVAL": "0.2",
    }
    with serve_with(env=env) as server:
        admin = server.admin()
        opportunity = admin.mutate(
            "createOpportunity",
            "mutation($i: CreateOpportunityInput!) { createOpportunity(input: $i) { opportunity { id } errors { code } } }",
            {"i": {"title": "Chairs", "currency": "TRY"}},
        )["opportunity"]
        line = {"description": "Sandalye", "quantity": "4", "unitPrice": "1250.50", "taxRate": "20"}
        order = admin.mutate(
            "createOrder", ORDER, {"i": {"opportunityId": opportunity["id"], "currency": "TRY", "lines": [line]}}
        )["order"]
        lines = [{"orderLineId": order["lines"][0]["id"], "quantity": "4"}]
        invoice_id = admin.mutate("recordDelivery", DELIVER, {"i": {"orderId": order["id"], "lines": lines}})[
            "invoice"
        ]["id"]
        issued = admin.mutate(
            "issueInvoice",
            ISSUE,
            {"i": {"invoiceId": invoice_id, "email": True, "emailTo": "muhasebe@musteri.example", "locale": "tr"}},
        )["invoice"]

        deadline = time.monotonic() + 30
        while not smtp.envelopes and time.monotonic() < deadline:
            time.sleep(0.2)
        time.sleep(1)  # a second send, if there were one, would have come by now
        invoice = admin.run(MAILS, {"id": invoice_id})["node"]

        assert len(smtp.envelopes) == 1, server.output()
        envelope = smtp.envelopes[0]
        assert envelope.rcpt_tos == ["muhasebe@musteri.example"] and envelope.mail_from == "sales@seller.example"
        message = message_from_bytes(envelope.content, policy=policy.default)
        assert "Fatura" in message["Subject"] and issued["number"] in message["Subject"]
        [pdf] = [part.get_content() for part in message.iter_attachments()]
        assert hashlib.sha256(pdf).hexdigest() == invoice["document"]["sha256"]
        assert invoice["mails"] == [{"status": "SENT", "attempts": 1, "messageId": message["Message-ID"]}]
        assert invoice["history"][-1]["trigger"] == "mail_sent"

        body = message.get_body(("plain",)).get_content()
        link = next(word for word in body.split() if "/documents/" in word)
        assert link.startswith(server.url)
        downloaded = server.http.get(link.removeprefix(server.url))
        assert downloaded.status_code == 200 and downloaded.content == pdf
