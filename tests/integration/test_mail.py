"""E-mailing a sent quote or an issued invoice: queued with the transition, sent once by the worker.

The SMTP server is aiosmtpd's, on loopback: the real protocol, and the messages it received.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from aiosmtpd.controller import Controller
from support import Inbox, free_port

from salesflow.adapters.smtp import SmtpServer
from salesflow.adapters.sql import SqlUnitOfWork
from salesflow.documents import links
from salesflow.domain.errors import DomainError, ErrorCode
from salesflow.domain.mail import MailStatus
from salesflow.gateway.mailing import NO_SERVER, MailWorker
from salesflow.statemachine import mail
from salesflow.statemachine.documents import link_key
from salesflow.statemachine.mail import MailRequest

SENDER = "sales@seller.example"


class Clock:
    """The worker's time, moved by the test; it starts a minute after the operations' (real) time."""

    def __init__(self):
        self.now = datetime.now(UTC) + timedelta(minutes=1)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock():
    return Clock()


def worker(engine, port: int | None, clock, **options) -> MailWorker:
    server = SmtpServer("127.0.0.1", port, security="none", timeout=5) if port is not None else None
    return MailWorker(
        lambda: SqlUnitOfWork(engine),
        lambda: SqlUnitOfWork(engine, read_only=True),
        server,
        sender=SENDER,
        public_url="https://sales.example",
        clock=clock,
        jitter=lambda: 0.0,
        **options,
    )


def mails_of(engine, kind: str, ident: int):
    with SqlUnitOfWork(engine) as uow:
        return uow.mails.find(document_type=kind, document_id=ident)


def draft_invoice(story):
    return story.deliver(story.order(("3", "1250000", "10", "9"), currency="IRR")).invoice


def issue_by_mail(story, **request):
    return mail.issue_invoice(story.uow, draft_invoice(story).id, mail=MailRequest(**request), actor=story.actor)


def test_an_issued_invoice_is_mailed_with_its_frozen_pdf_and_a_signed_link(engine, story, smtp, clock):
    invoice = issue_by_mail(story, to="buyer@customer.example", locale="fa-IR")
    report = worker(engine, smtp.port, clock).run_pass()
    assert report.sent == 1

    [(recipients, message)] = smtp.messages
    assert recipients == ["buyer@customer.example"]
    assert message["To"] == "buyer@customer.example" and SENDER in message["From"]
    assert invoice.number in message["Subject"] and "صورتحساب فروش" in message["Subject"]
    [attachment] = list(message.iter_attachments())
    pdf = attachment.get_content()
    assert attachment.get_content_type() == "application/pdf" and attachment.get_filename().endswith(".pdf")
    with SqlUnitOfWork(engine) as uow:
        [kept] = uow.renditions.find(document_type="invoice", document_id=invoice.id, locale="fa-IR", frozen=True)
    assert hashlib.sha256(pdf).hexdigest() == kept.sha256

    body = message.get_body(("plain",)).get_content()
    link = next(word for word in body.split() if word.startswith("https://sales.example/documents/"))
    parts = urlsplit(link)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert kept.sha256 in parts.path
    assert links.valid(
        link_key(lambda: SqlUnitOfWork(engine)), parts.path, query["expires"], query["signature"], clock()
    )

    [sent] = mails_of(engine, "invoice", invoice.id)
    assert sent.status == MailStatus.SENT.value and sent.attempts == 1 and sent.sent_at == clock.now
    assert message["Message-ID"] == sent.message_id and sent.sha256 == kept.sha256


def test_the_mail_is_written_in_the_same_transaction_and_sent_only_by_the_worker(engine, story, smtp):
    invoice = issue_by_mail(story, to="buyer@customer.example", locale="en")
    [queued] = mails_of(engine, "invoice", invoice.id)
    assert queued.status == MailStatus.QUEUED.value and queued.locale == "en" and queued.attempts == 0
    assert smtp.messages == []


@pytest.mark.parametrize(
    ("request_", "code", "field"),
    [
        ({}, ErrorCode.VALIDATION, "emailTo"),  # the story's opportunity has no contact with an e-mail
        ({"to": "not an address"}, ErrorCode.VALIDATION, "emailTo"),
        ({"to": "buyer@customer.example", "locale": "de"}, ErrorCode.UNKNOWN_LOCALE, "locale"),
    ],
)
def test_a_mail_that_cannot_be_sent_refuses_the_issue_and_changes_nothing(engine, story, request_, code, field):
    draft = draft_invoice(story)
    with pytest.raises(DomainError) as refused:
        mail.issue_invoice(story.uow, draft.id, mail=MailRequest(**request_), actor=story.actor)
    assert (refused.value.code, refused.value.field) == (code, (field,))
    with SqlUnitOfWork(engine) as uow:
        assert uow.invoices.get(draft.id).status == "draft" and uow.invoices.get(draft.id).number is None
        assert uow.mails.find() == []


def test_a_quote_is_mailed_to_its_contact_by_default_in_the_company_locale(engine, story, smtp, clock):
    from salesflow.statemachine import records

    contact = records.create_contact(story.uow, "Sara Ahmadi", email="sara@customer.example", actor=story.actor)
    opportunity = story.opportunity("IRR", contact_id=contact.id)
    draft = story.draft_quote(("2", "500000"), currency="IRR", opp=opportunity)
    mail.send_quote(story.uow, draft.id, mail=MailRequest(), actor=story.actor)
    assert worker(engine, smtp.port, clock).run_pass().sent == 1
    [(recipients, message)] = smtp.messages
    assert recipients == ["sara@customer.example"] and draft.number in message["Subject"]
    [sent] = mails_of(engine, "quote", draft.id)
    with SqlUnitOfWork(engine) as uow:
        assert sent.locale == uow.company.get(1).default_locale.split("-")[0]


def test_with_the_smtp_server_down_the_mail_stays_queued_and_goes_once_when_it_is_back(engine, story, clock):
    invoice = issue_by_mail(story, to="buyer@customer.example", locale="tr")
    port = free_port()  # nothing listens here yet
    down = worker(engine, port, clock).run_pass()
    assert (down.sent, down.failed) == (0, 1)
    [waiting] = mails_of(engine, "invoice", invoice.id)
    assert waiting.status == MailStatus.QUEUED.value and waiting.attempts == 1
    assert "cannot reach" in waiting.last_error and waiting.next_attempt_at > clock.now

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        assert worker(engine, port, clock).run_pass().sent == 0  # not due yet: the backoff holds
        clock.now = waiting.next_attempt_at
        assert worker(engine, port, clock).run_pass().sent == 1
        assert worker(engine, port, clock).run_pass().sent == 0
    finally:
        controller.stop()
    assert len(inbox.messages) == 1
    [sent] = mails_of(engine, "invoice", invoice.id)
    assert sent.status == MailStatus.SENT.value and sent.attempts == 2 and sent.last_error is None


def test_two_workers_at_once_send_each_mail_once(engine, story, smtp, clock):
    for _ in range(3):
        issue_by_mail(story, to="buyer@customer.example", locale="en")
    start = threading.Barrier(2)
    reports = []

    def run():
        one = worker(engine, smtp.port, clock)
        start.wait()
        reports.append(one.run_pass())

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.sent for r in reports) == 3
    assert len(smtp.messages) == 3
    assert len({m["Message-ID"] for _to, m in smtp.messages}) == 3


def test_a_worker_that_dies_after_the_server_accepted_never_sends_it_again(engine, story, smtp, clock):
    """At most once: the mail whose worker died mid-send becomes UNCERTAIN for a person to decide."""
    invoice = issue_by_mail(story, to="buyer@customer.example", locale="en")
    dying = worker(engine, smtp.port, clock)
    [due] = mail.due_mails(SqlUnitOfWork(engine), now=clock())
    claimed = mail.claim(SqlUnitOfWork(engine), due.id, "seller.example", dying.lease, now=clock())
    dying.attempt(claimed)  # the server accepts it; the worker dies before recording that
    assert len(smtp.messages) == 1

    clock.now += dying.lease + timedelta(seconds=1)
    report = worker(engine, smtp.port, clock).run_pass()
    assert (report.sent, report.given_up) == (0, 1)
    assert len(smtp.messages) == 1
    [left] = mails_of(engine, "invoice", invoice.id)
    assert left.status == MailStatus.UNCERTAIN.value and left.message_id in left.last_error
    with SqlUnitOfWork(engine) as uow:
        history = uow.activities.find(document_type="invoice", document_id=invoice.id)
    assert history[-1].trigger == "mail_failed" and history[-1].to_state == invoice.status

    mail.retry(SqlUnitOfWork(engine), "invoice", invoice.id, "invoiceId", now=clock())
    assert worker(engine, smtp.port, clock).run_pass().sent == 1  # a person chose to send it again
    assert len(smtp.messages) == 2 and smtp.messages[1][1]["Message-ID"] == left.message_id


def test_a_mail_the_server_refuses_is_given_up_at_once_and_can_be_retried(engine, story, smtp, clock):
    invoice = issue_by_mail(story, to="nobody@customer.example", locale="en")
    smtp.refuse = "550 No such user here"
    assert worker(engine, smtp.port, clock).run_pass().given_up == 1
    [dead] = mails_of(engine, "invoice", invoice.id)
    assert dead.status == MailStatus.DEAD.value and "550" in dead.last_error and dead.attempts == 1

    smtp.refuse = None
    assert worker(engine, smtp.port, clock).run_pass().sent == 0  # dead stays dead
    mail.retry(SqlUnitOfWork(engine), "invoice", invoice.id, "invoiceId", now=clock())
    assert worker(engine, smtp.port, clock).run_pass().sent == 1
    assert len(smtp.messages) == 1


def test_a_mail_that_keeps_failing_is_dead_lettered_after_the_last_attempt(engine, story, clock):
    from salesflow.domain.sync import RetryPolicy

    invoice = issue_by_mail(story, to="buyer@customer.example", locale="en")
    down = worker(engine, free_port(), clock, policy=RetryPolicy(max_attempts=3, base_seconds=1))
    for _ in range(3):
        down.run_pass()
        clock.now += timedelta(hours=1)
    [dead] = mails_of(engine, "invoice", invoice.id)
    assert dead.status == MailStatus.DEAD.value and dead.attempts == 3 and "cannot reach" in dead.last_error


def test_without_an_smtp_server_mails_stay_queued_and_say_why(engine, story, clock):
    invoice = issue_by_mail(story, to="buyer@customer.example", locale="en")
    assert worker(engine, None, clock).run_pass().held == 1
    [held] = mails_of(engine, "invoice", invoice.id)
    assert (held.status, held.attempts, held.last_error) == (MailStatus.QUEUED.value, 0, NO_SERVER)
    assert worker(engine, None, clock).run_pass().held == 0  # said once
