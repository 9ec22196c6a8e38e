"""E-mail through GraphQL: sendQuote and issueInvoice ask for it, `mails` and `history` show it, retryMail."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from salesflow.adapters.smtp import SmtpServer
from salesflow.adapters.sql import SqlUnitOfWork, create_engine
from salesflow.gateway.mailing import MailWorker

MAIL = "to locale status attempts lastError sentAt messageId nextAttemptAt"
SEND = (
    "mutation($i: SendQuoteInput!) { sendQuote(input: $i) { quote { id status mails { %s } } errors { code field } } }"
)
ISSUE = (
    "mutation($i: IssueInvoiceInput!) { issueInvoice(input: $i) { invoice { id status number mails { %s } } "
    "errors { code field } } }"
)
RETRY = "mutation($i: RetryMailInput!) { retryMail(input: $i) { document { id } errors { code field } } }"
HISTORY = "query($id: ID!) { node(id: $id) { ... on Invoice { status mails { %s } history { trigger fromState toState reason } } } }"


@pytest.fixture
def send_mails(gateway, smtp):
    """One pass of the mail worker over the gateway's store, a minute after now."""
    engine = create_engine(gateway.database_url)

    def run():
        return MailWorker(
            lambda: SqlUnitOfWork(engine),
            lambda: SqlUnitOfWork(engine, read_only=True),
            SmtpServer("127.0.0.1", smtp.port, security="none", timeout=5),
            sender="sales@seller.example",
            clock=lambda: datetime.now(UTC) + timedelta(minutes=1),
        ).run_pass()

    yield run
    engine.dispose()


def _draft_invoice(sales) -> str:
    return sales.deliver(sales.order())["invoice"]["id"]


def test_issuing_with_email_queues_a_mail_that_the_worker_sends_and_the_history_shows(admin, sales, smtp, send_mails):
    invoice_id = _draft_invoice(sales)
    payload = admin.run(ISSUE % MAIL, {"i": {"invoiceId": invoice_id, "email": True, "emailTo": "ap@customer.example"}})
    issued = payload["issueInvoice"]
    assert issued["errors"] == [] and issued["invoice"]["status"] == "ISSUED"
    [queued] = issued["invoice"]["mails"]
    assert queued["to"] == "ap@customer.example" and queued["status"] == "QUEUED" and queued["attempts"] == 0

    assert send_mails().sent == 1
    invoice = admin.run(HISTORY % MAIL, {"id": invoice_id})["node"]
    [sent] = invoice["mails"]
    assert sent["status"] == "SENT" and sent["sentAt"] and sent["messageId"] and sent["nextAttemptAt"] is None
    assert invoice["history"][-1] == {
        "trigger": "mail_sent",
        "fromState": "issued",
        "toState": "issued",
        "reason": "to ap@customer.example",
    }
    assert smtp.envelopes[0].rcpt_tos == ["ap@customer.example"]


def test_sending_a_quote_without_email_queues_nothing(admin, sales):
    quote = sales.quote(sales.opportunity()["id"])
    sent = admin.run(SEND % MAIL, {"i": {"quoteId": quote["id"]}})["sendQuote"]
    assert sent["errors"] == [] and sent["quote"]["mails"] == []


@pytest.mark.parametrize(
    ("fields", "code", "field"),
    [
        ({"email": True}, "VALIDATION", "emailTo"),  # its opportunity has no contact to send it to
        ({"email": True, "emailTo": "ap@"}, "VALIDATION", "emailTo"),
        ({"email": True, "emailTo": "ap@customer.example", "locale": "xx"}, "UNKNOWN_LOCALE", "locale"),
        ({"emailTo": "ap@customer.example"}, "VALIDATION", "emailTo"),  # without email: true
    ],
)
def test_an_email_that_cannot_go_refuses_the_mutation_and_nothing_changes(admin, sales, fields, code, field):
    quote = sales.quote(sales.opportunity()["id"])
    refused = admin.run(SEND % MAIL, {"i": {"quoteId": quote["id"], **fields}})["sendQuote"]
    assert refused["quote"] is None and refused["errors"] == [{"code": code, "field": [field]}]
    again = admin.run("query($id: ID!) { node(id: $id) { ... on Quote { status mails { to } } } }", {"id": quote["id"]})
    assert again["node"] == {"status": "DRAFT", "mails": []}


def test_a_refused_mail_is_given_up_shown_in_the_history_and_sent_after_retry_mail(admin, sales, smtp, send_mails):
    invoice_id = _draft_invoice(sales)
    admin.run(ISSUE % "to", {"i": {"invoiceId": invoice_id, "email": True, "emailTo": "gone@customer.example"}})
    smtp.refuse = "550 5.1.1 No such mailbox"
    send_mails()
    invoice = admin.run(HISTORY % MAIL, {"id": invoice_id})["node"]
    assert invoice["mails"][0]["status"] == "DEAD" and "550" in invoice["mails"][0]["lastError"]
    assert invoice["history"][-1]["trigger"] == "mail_failed" and "550" in invoice["history"][-1]["reason"]

    smtp.refuse = None
    retried = admin.run(RETRY, {"i": {"documentId": invoice_id}})["retryMail"]
    assert retried == {"document": {"id": invoice_id}, "errors": []}
    assert send_mails().sent == 1 and len(smtp.messages) == 1


def test_retry_mail_is_for_quotes_and_invoices_only(admin, sales):
    order = sales.order()
    refused = admin.run(RETRY, {"i": {"documentId": order["id"]}})["retryMail"]
    assert refused == {"document": None, "errors": [{"code": "NOT_FOUND", "field": ["documentId"]}]}


def test_a_sales_rep_may_not_retry_mails(gateway, admin, sales):
    rep = gateway.client("reza", "sales_rep")
    body = rep.post(RETRY, {"i": {"documentId": _draft_invoice(sales)}})
    assert body["errors"][0]["extensions"]["code"] == "FORBIDDEN"
