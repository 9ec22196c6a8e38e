"""The mail worker: sends the queued e-mails of sent quotes and issued invoices, with their PDFs.

`serve` runs it in one thread of the serving process (as the accounting sync), and `salesflow
mail` runs it alone. Each pass takes the due mails one by one: claims one (statemachine/mail.py),
builds its message — the document's PDF as kept by documents/archive.py (an issued invoice's frozen
bytes), a signed download link, subject and body in the mail's language — hands it to the SMTP
server (adapters/smtp.py) and records how that ended. With no SMTP host configured, the mails stay
queued and say so.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from ..adapters.smtp import SmtpServer
from ..adapters.sql import SqlUnitOfWork, open_installed
from ..documents import links
from ..documents.archive import REPOSITORIES, rendered
from ..documents.view import titles as document_titles  # the titles the documents print, one place
from ..domain.documents import DocumentFormat
from ..domain.mail import Attempt, Mail, MailStatus, Outcome
from ..domain.ports import UnitOfWork
from ..domain.sync import RetryPolicy
from ..i18n import translations
from ..statemachine import mail as mails
from ..statemachine.documents import company_of, facts_for, link_key
from ..statemachine.engine import utcnow
from . import background
from .settings import Settings

log = logging.getLogger("salesflow.mail")

NO_SERVER = "not sent: no SMTP server is configured (SALESFLOW_SMTP_HOST)"


def _words(language: str):
    """The mail's own words (the `mail` catalog) and the documents' titles (the `documents` catalog)."""
    return translations("mail", language).gettext, translations("documents", language).gettext


def compose(
    mail: Mail,
    facts: dict,
    pdf: bytes,
    filename: str,
    link: str,
    expires_at: datetime,
    *,
    sender: str,
    now: datetime,
) -> EmailMessage:
    """The message: subject and body in the mail's language, the PDF attached, the signed link in the body."""
    _, doc_ = _words(mail.locale)
    title = document_titles(doc_)[facts["kind"]]
    seller = facts["seller"]["name"]
    number = facts["number"]
    buyer = facts["buyer"].get("contact_name") or facts["buyer"]["name"]
    message = EmailMessage()
    message["Subject"] = _("{title} {number} from {seller}").format(title=title, number=number, seller=seller)
    message["From"] = Address(seller, addr_spec=sender)
    message["To"] = Address(addr_spec=mail.to_address)
    message["Date"] = format_datetime(now)
    message["Message-ID"] = mail.message_id
    message["Content-Language"] = mail.locale
    body = "\n\n".join(
        (
            _("Dear {name},").format(name=buyer),
            _("please find attached our {title} {number}.").format(title=title, number=number),
            _("You can also download it until {date} (UTC):").format(date=f"{expires_at:%Y-%m-%d %H:%M}") + f"\n{link}",
            _("Kind regards,") + f"\n{seller}",
        )
    )
    message.set_content(body + "\n", cte="quoted-printable")  # 7-bit safe: any server takes it
    message.add_attachment(pdf, maintype="application", subtype="pdf", filename=filename)
    return message


@dataclass
class MailReport:
    sent: int = 0
    failed: int = 0  # to be retried after a backoff
    given_up: int = 0  # dead or uncertain: retryMail
    held: int = 0  # waiting for an SMTP server to be configured

    def __str__(self) -> str:
        parts = [f"{self.sent} sent"]
        for what, n in (("failed (will retry)", self.failed), ("given up", self.given_up), ("held", self.held)):
            if n:
                parts.append(f"{n} {what}")
        return ", ".join(parts)

    @property
    def busy(self) -> bool:
        return bool(self.sent or self.failed or self.given_up)


@dataclass
class MailWorker:
    """One pass (`run_pass`) sends what is due; `salesflow mail` and `serve` repeat it."""

    new_uow: Callable[[], UnitOfWork]
    reader: Callable[[], UnitOfWork]
    server: SmtpServer | None  # None: no host configured, nothing is sent
    sender: str = ""  # the From address; the company's e-mail when empty
    public_url: str = "http://127.0.0.1:8000"
    policy: RetryPolicy = mails.POLICY
    clock: Callable[[], datetime] = utcnow
    jitter: Callable[[], float] = random.random
    batch: int = 100
    lease: timedelta = timedelta(seconds=120)  # longer than a rendering and an SMTP conversation take

    def run_pass(self) -> MailReport:
        report = MailReport()
        if self.server is None:
            report.held = mails.hold(self.new_uow(), NO_SERVER, self.batch, now=self.clock())
            return report
        for due in mails.due_mails(self.new_uow(), self.batch, now=self.clock()):
            claimed = mails.claim(self.new_uow(), due.id, self._domain(), self.lease, self.policy, now=self.clock())
            if claimed is None:
                if due.status == MailStatus.SENDING.value:
                    report.given_up += 1  # its worker died mid-conversation: now UNCERTAIN
                continue
            attempt, sha256 = self.attempt(claimed)
            settled = mails.settle(
                self.new_uow(),
                claimed.id,
                (claimed.attempts, claimed.next_attempt_at),
                attempt,
                sha256=sha256,
                policy=self.policy,
                jitter=self.jitter(),
                now=self.clock(),
            )
            if settled.status == MailStatus.SENT.value:
                report.sent += 1
            elif settled.status == MailStatus.QUEUED.value:
                report.failed += 1
                log.warning("mail %s to %s: %s (will retry)", settled.id, settled.to_address, settled.last_error)
            else:
                report.given_up += 1
                log.error("mail %s given up (%s): %s", settled.id, settled.status, settled.last_error)
        return report

    def _domain(self) -> str:
        """The right-hand side of Message-IDs: the sender's domain, else the SMTP host's."""
        sender = self.sender or ""
        return sender.rpartition("@")[2] or (self.server.host if self.server else "localhost")

    def attempt(self, mail: Mail) -> tuple[Attempt, str | None]:
        """Build the message and hand it to the server; how it ended and the attached PDF's SHA-256."""
        try:
            message, sha256 = self.message(mail)
        except Exception as err:  # noqa: BLE001 - a rendering or store failure: nothing was sent, try later
            log.exception("could not build mail %s", mail.id)
            return Attempt(Outcome.RETRY, f"could not build the message: {type(err).__name__}: {err}"), None
        return self.server.send(message), sha256

    def message(self, mail: Mail) -> tuple[EmailMessage, str]:
        """The mail's message, with the document's PDF in the mail's locale (kept, as every download)."""
        now = self.clock()
        with self.reader() as uow:
            document = getattr(uow, REPOSITORIES[mail.document_type]).get(mail.document_id)
            result = rendered(uow, self.new_uow, document, DocumentFormat.PDF, mail.locale, today=now.date(), now=now)
            facts, _frozen = facts_for(uow, document, now.date())  # a sent quote's or issued invoice's: frozen
            sender = self.sender or company_of(uow).email
        with self.reader() as uow:  # a transaction that sees the rendition just kept
            pdf = uow.blobs.find(sha256=result.sha256)[0].content
        if not sender:
            raise ValueError("no sender address: set SALESFLOW_SMTP_FROM or the company's e-mail")
        expires_at = now + links.DEFAULT_TTL
        key = link_key(self.new_uow)
        link = self.public_url.rstrip("/") + links.signed(key, result.path, expires_at)
        return compose(mail, facts, pdf, result.filename, link, expires_at, sender=sender, now=now), result.sha256

    def retry(self, document_type: str, document_id: int, field_name: str = "documentId") -> list[Mail]:
        """`retry` at this worker's time."""
        return mails.retry(self.new_uow(), document_type, document_id, field_name, now=self.clock())


def worker_for(settings: Settings) -> tuple[MailWorker, Callable[[], None]]:
    """A mail worker over the database and the configured SMTP server, and how to close it."""
    engine = open_installed(settings.database_url)
    server = (
        SmtpServer(
            settings.smtp_host,
            settings.smtp_port,
            settings.smtp_username,
            settings.smtp_password,
            settings.smtp_security,
            settings.smtp_timeout,
        )
        if settings.smtp_host
        else None
    )
    worker = MailWorker(
        lambda: SqlUnitOfWork(engine),
        lambda: SqlUnitOfWork(engine, read_only=True),
        server,
        sender=settings.smtp_from,
        public_url=settings.public_url or f"http://{settings.host}:{settings.port}",
        policy=RetryPolicy(max_attempts=settings.mail_max_attempts),
    )
    return worker, engine.dispose


def run(worker: MailWorker, interval: float, stop: threading.Event, *, once: bool = False, report=print) -> None:
    """Pass after pass until `stop` is set (or one pass with `once`); a failed pass is logged and retried."""
    background.passes(
        worker.run_pass,
        interval,
        stop,
        what="mail",
        busy=lambda done: done.busy,
        describe=lambda done: f"mail: {done}",
        once=once,
        report=report,
    )


def start_in_background(settings: Settings) -> tuple[threading.Event, threading.Thread]:
    """Run the loop in a daemon thread; set the returned event to stop it after its current pass."""
    worker, close = worker_for(settings)
    return background.start(
        "salesflow-mail",
        lambda stop: run(worker, settings.mail_interval, stop, report=lambda line: log.warning("%s", line)),
        close,
    )
