"""E-mailing a sent quote or an issued invoice: queued with the transition, sent afterwards.

`send_quote` and `issue_invoice` take an optional `MailRequest`; the mail row is written in their
own transaction (an outbox), so it exists exactly when the document went out, and a refused
request (no recipient, a bad address, an unknown locale) changes nothing. The worker's side —
claim with a lease, settle the outcome, give up, retry by hand — is here too, as short
transactions of their own around the SMTP conversation (gateway/mailing.py). The decisions about
the ambiguous window are in domain/mail.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from email.errors import HeaderParseError
from email.headerregistry import Address

from ..domain.activity import Activity
from ..domain.base import Document
from ..domain.errors import DomainError, ErrorCode
from ..domain.mail import MAX_ATTEMPTS, RETRIABLE, Attempt, Mail, MailStatus, Outcome, message_id
from ..domain.message import named
from ..domain.query import Filter, PageSpec
from ..domain.sync import RetryPolicy
from ..domain.text import check_texts
from ..i18n import language_of
from . import invoice as invoices
from . import quote as quotes
from .documents import company_of, facts_for
from .engine import Context, operation

MAX_ERROR = 2000
POLICY = RetryPolicy(max_attempts=MAX_ATTEMPTS)  # the accounting outbox's backoff


@dataclass(frozen=True)
class MailRequest:
    """What a client asked for when sending a quote or issuing an invoice: e-mail it, to whom, in what."""

    to: str | None = None  # the document's contact's e-mail when None
    locale: str | None = None  # the company's default locale when None


def checked_address(text: str | None, field_name: str) -> str:
    """One plain e-mail address (`name@example.com`), or VALIDATION naming the field."""
    address = (text or "").strip()
    try:
        parsed = Address(addr_spec=address)
    except (HeaderParseError, ValueError, IndexError):
        parsed = None
    if parsed is None or not parsed.username or "." not in parsed.domain or len(address) > 254:
        raise DomainError(ErrorCode.VALIDATION, "{address!r} is not an e-mail address", field_name, address=address)
    return parsed.addr_spec


def queue(ctx: Context, document: Document, request: MailRequest) -> Mail:
    """Write the document's mail row in the caller's transaction (called right after it went out)."""
    check_texts({"email_to": request.to, "locale": request.locale})
    facts, _frozen = facts_for(ctx.uow, document, ctx.today)
    to = request.to if request.to is not None else facts["buyer"].get("email")
    if not (to or "").strip():
        raise DomainError(
            ErrorCode.VALIDATION,
            "{document} has no contact e-mail address to send it to: give emailTo",
            "emailTo",
            document=named(document),
        )
    address = checked_address(to, "emailTo")
    tag = request.locale if request.locale is not None else company_of(ctx.uow).default_locale
    language = language_of(tag)  # the document renders it in its locale (fa → fa-IR)
    if language is None:
        raise DomainError(
            ErrorCode.UNKNOWN_LOCALE, "cannot write mails in {tag!r}: use en, fa or tr", "locale", tag=tag
        )
    return ctx.uow.mails.add(
        Mail(
            document_type=document.kind_name,
            document_id=document.id,
            to_address=address,
            locale=language,
            next_attempt_at=ctx.now,
            actor_id=ctx.actor_id,
            created_at=ctx.now,
            updated_at=ctx.now,
        )
    )


@operation
def send_quote(ctx: Context, quote_id: int, *, mail: MailRequest | None = None, expected_version: int | None = None):
    """DRAFT → SENT, and its e-mail queued in the same transaction when asked for."""
    quote = quotes.send_quote.inner(ctx, quote_id, expected_version=expected_version)
    if mail is not None:
        queue(ctx, quote, mail)
    return quote


@operation
def issue_invoice(
    ctx: Context, invoice_id: int, *, mail: MailRequest | None = None, due_date=None, expected_version=None
):
    """DRAFT → ISSUED (invoice.issue_invoice), and its e-mail queued in the same transaction when asked for."""
    invoice = invoices.issue_invoice.inner(ctx, invoice_id, due_date=due_date, expected_version=expected_version)
    if mail is not None:
        queue(ctx, invoice, mail)
    return invoice


def _noted(ctx: Context, mail: Mail, trigger: str, reason: str | None) -> None:
    """An entry in the document's history (and the change feed): the mail went, or failed for good.

    The document's state does not change (from and to are its status now), nor its version."""
    repo = {"quote": ctx.uow.quotes, "invoice": ctx.uow.invoices}[mail.document_type]
    document = repo.get(mail.document_id)
    ctx.uow.activities.add(
        Activity(
            document_type=mail.document_type,
            document_id=mail.document_id,
            trigger=trigger,
            from_state=document.status,
            to_state=document.status,
            actor_id=None,  # the worker, for whoever asked
            at=ctx.now,
            reason=reason,
        )
    )


@operation(needs_now=True)
def due_mails(ctx: Context, limit: int = 100) -> list[Mail]:
    """Queued mails whose time has come, and sending ones whose worker's lease ran out; oldest first."""
    found, _ = ctx.uow.mails.page(
        PageSpec(
            filter=Filter(statuses=(MailStatus.QUEUED.value, MailStatus.SENDING.value)),
            order_by="next_attempt_at",
            limit=limit,
        )
    )
    return [m for m in found if m.next_attempt_at <= ctx.now]


@operation(needs_now=True)
def claim(
    ctx: Context,
    mail_id: int,
    domain: str,
    lease: timedelta = timedelta(seconds=120),
    policy: RetryPolicy = POLICY,
) -> Mail | None:
    """Take a due mail for `lease` (SENDING, one more attempt); None if it is not ours to send.

    The row is locked as it is read, so of two workers only one claims it. A SENDING mail whose
    lease ran out had a worker die during its conversation with the server: it may have been
    delivered, so it becomes UNCERTAIN, never sent again by itself (domain/mail.py)."""
    mail = ctx.uow.mails.get(mail_id, lock=True)
    if mail is None or mail.next_attempt_at > ctx.now:
        return None
    if mail.status == MailStatus.SENDING.value:
        _give_up(
            ctx,
            mail,
            MailStatus.UNCERTAIN,
            "the worker stopped while sending it: the server may have accepted it"
            + (f" (Message-ID {mail.message_id})" if mail.message_id else ""),
        )
        return None
    if mail.status != MailStatus.QUEUED.value:
        return None
    if mail.attempts >= policy.max_attempts:
        _give_up(ctx, mail, MailStatus.DEAD, f"not sent after {mail.attempts} attempts: {mail.last_error}")
        return None
    mail.status = MailStatus.SENDING.value
    mail.attempts += 1
    mail.next_attempt_at = ctx.now + lease
    mail.message_id = mail.message_id or message_id(mail, domain)
    mail.updated_at = ctx.now
    return mail


def _give_up(ctx: Context, mail: Mail, status: MailStatus, error: str) -> None:
    mail.status, mail.last_error, mail.updated_at = status.value, error[:MAX_ERROR], ctx.now
    _noted(ctx, mail, "mail_failed", f"to {mail.to_address}: {mail.last_error}"[:MAX_ERROR])


@operation(needs_now=True)
def settle(
    ctx: Context,
    mail_id: int,
    claimed: tuple[int, datetime],
    attempt: Attempt,
    *,
    sha256: str | None = None,
    policy: RetryPolicy = POLICY,
    jitter: float = 0.5,
) -> Mail:
    """Record how an attempt ended: SENT, due again after a backoff, DEAD, or UNCERTAIN.

    Only over its own claim (attempts and lease as claimed): a worker that comes back after its
    lease ran out, and another worker took the mail, changes nothing."""
    mail = ctx.uow.mails.get(mail_id, lock=True)
    if mail.status != MailStatus.SENDING.value or (mail.attempts, mail.next_attempt_at) != tuple(claimed):
        return mail
    mail.updated_at = ctx.now
    mail.sha256 = sha256 or mail.sha256
    if attempt.outcome == Outcome.ACCEPTED:
        mail.status, mail.sent_at, mail.last_error = MailStatus.SENT.value, ctx.now, None
        _noted(ctx, mail, "mail_sent", f"to {mail.to_address}")
    elif attempt.outcome == Outcome.UNKNOWN:
        _give_up(ctx, mail, MailStatus.UNCERTAIN, attempt.error or "the connection broke after the message went")
    elif attempt.outcome == Outcome.REFUSED or mail.attempts >= policy.max_attempts:
        _give_up(ctx, mail, MailStatus.DEAD, attempt.error or "refused")
    else:
        mail.status = MailStatus.QUEUED.value
        mail.last_error = (attempt.error or "failed")[:MAX_ERROR]
        mail.next_attempt_at = ctx.now + policy.delay(mail.attempts, jitter)
    return mail


@operation(needs_now=True)
def hold(ctx: Context, reason: str, limit: int = 100) -> int:
    """Say on each due queued mail why it waits (no SMTP server configured); how many were told.

    Nothing else changes: they go out as soon as a worker with a server runs."""
    told = 0
    for mail in due_mails.inner(ctx, limit):
        if mail.status == MailStatus.QUEUED.value and mail.last_error != reason:
            locked = ctx.uow.mails.get(mail.id, lock=True)
            if locked.status == MailStatus.QUEUED.value:
                locked.last_error, locked.updated_at = reason, ctx.now
                told += 1
    return told


@operation(needs_now=True)
def retry(ctx: Context, document_type: str, document_id: int, field_name: str) -> list[Mail]:
    """Queue a document's dead and uncertain mails again, due now (retryMail); the ones queued."""
    repo = {"quote": ctx.uow.quotes, "invoice": ctx.uow.invoices}[document_type]
    ctx.require(repo, document_id, document_type, field_name)
    mails = [
        m
        for m in ctx.uow.mails.find(document_type=document_type, document_id=document_id)
        if m.status in {s.value for s in RETRIABLE}
    ]
    for mail in mails:
        locked = ctx.uow.mails.get(mail.id, lock=True)
        locked.status, locked.attempts, locked.next_attempt_at = MailStatus.QUEUED.value, 0, ctx.now
        locked.updated_at = ctx.now
    return mails
