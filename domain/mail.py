"""Mail to customers: a sent quote or an issued invoice e-mailed with its PDF, through an outbox.

A mail row is written in the same transaction as the transition that asked for it, so it exists
exactly when the quote was sent or the invoice issued; a worker sends it afterwards (gateway/
mailing.py), never from inside a business transaction.

The states, and the one window that cannot be made exact. A worker claims a QUEUED mail (SENDING,
with a lease), talks to the SMTP server, then records SENT. If it dies after the server accepted
the message and before SENT is written, nobody can know whether the customer got it. salesflow
chooses **at most once**: a SENDING mail whose lease ran out is never sent again by itself; it
becomes UNCERTAIN, shown with the reason, and a person (who can ask the customer, or look in the
mail server's log for its Message-ID) decides whether to send it again with retryMail. So a
customer never gets the same invoice twice from a crash; the price is that a crash in that window
needs a person instead of being repaired silently. A failure that certainly left nothing
delivered (connection refused, a 4xx reply, a timeout before the message was handed over) is
retried with the accounting outbox's RetryPolicy; a 5xx reply (the address does not exist) or too
many attempts make the mail DEAD.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from .base import Record


class MailStatus(StrEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"
    UNCERTAIN = "uncertain"


#: What each status tells someone watching a document's mails (the GraphQL enum's descriptions).
MEANINGS = {
    MailStatus.QUEUED: "Waiting for the mail worker: not tried yet, or failed and due again at nextAttemptAt "
    "(lastError says why; also while no SMTP server is configured).",
    MailStatus.SENDING: "A worker is handing it to the SMTP server now.",
    MailStatus.SENT: "The SMTP server accepted it at sentAt.",
    MailStatus.DEAD: "Given up (refused by the server, or too many failed attempts; lastError says why): fix the "
    "address or the server, then retryMail.",
    MailStatus.UNCERTAIN: "The worker stopped while sending it: the server may have accepted it. It is never sent "
    "again by itself (a customer must not get it twice); retryMail sends it again.",
}

#: Attempts before a mail is dead-lettered (SALESFLOW_MAIL_MAX_ATTEMPTS): with the RetryPolicy's backoff,
#: about seven hours, so a mail server down overnight loses nothing.
MAX_ATTEMPTS = 12

#: Statuses a person may send again from (retryMail).
RETRIABLE = (MailStatus.DEAD, MailStatus.UNCERTAIN)


class Outcome(StrEnum):
    """How one attempt to hand a mail to the SMTP server ended."""

    ACCEPTED = "accepted"
    RETRY = "retry"  # certainly not delivered, may work later (refused connection, 4xx, timeout before DATA)
    REFUSED = "refused"  # certainly not delivered, and will not be (5xx)
    UNKNOWN = "unknown"  # the connection broke after the message was handed over: it may have arrived


@dataclass(frozen=True)
class Attempt:
    outcome: Outcome
    error: str | None = None


@dataclass(kw_only=True, eq=False)
class Mail(Record):
    """One e-mail of one document to one address, in one locale, and how its sending stands."""

    document_type: str  # "quote" or "invoice"
    document_id: int
    to_address: str
    locale: str  # the language it is written in (en, fa, tr); its PDF renders in that language's locale
    status: str = MailStatus.QUEUED.value
    attempts: int = 0
    next_attempt_at: datetime
    last_error: str | None = None
    message_id: str | None = None  # set at the first claim, the same on every attempt
    sha256: str | None = None  # the attached PDF's bytes, once it was built
    sent_at: datetime | None = None
    actor_id: int | None = None  # who asked for it


def message_id(mail: Mail, domain: str) -> str:
    """The mail's Message-ID: derived from its row, so every attempt (and a reader) sees the same."""
    return f"<salesflow.{mail.document_type}.{mail.document_id}.mail.{mail.id}@{domain}>"
