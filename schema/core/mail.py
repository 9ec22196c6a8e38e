"""E-mail to the customer, in GraphQL: the input fields that ask for it, and how each mail stands."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import strawberry

from ...documents.archive import REPOSITORIES
from ...domain.errors import DomainError, ErrorCode
from ...domain.mail import MEANINGS, MailStatus
from ...domain.query import DEFAULT_PAGE
from ...domain.text import check_texts
from ...statemachine import mail as mails
from ...statemachine.mail import MailRequest
from .documents import Document
from .enums import described_enum
from .errors import UserError
from .ids import decode
from .lists import ChildFirst, child_first
from .mutations import Input, errors_field, mutate, mutation

MailStatusEnum = described_enum(
    MailStatus, "MailStatus", "How one e-mail of a document to its customer stands.", MEANINGS
)


@strawberry.input
class MailFields:
    """The fields that e-mail a document as it goes out (sendQuote, issueInvoice)."""

    email: bool = strawberry.field(
        default=False,
        description="Also e-mail it to the customer, with its PDF attached and a download link: queued in the same "
        "transaction and sent by the mail worker (see `mails`). The mutation succeeds even while the mail server "
        "is down; the mail waits and is retried.",
    )
    email_to: Optional[str] = strawberry.field(
        default=None,
        description="The address to e-mail it to; the contact's e-mail (else the account's) if omitted. "
        "VALIDATION if there is none or it is not an address.",
    )
    locale: Optional[str] = strawberry.field(
        default=None,
        description="The language of the mail and its PDF, a BCP 47 tag (`fa-IR`, `tr-TR`, `en`); the company's "
        "default locale if omitted. UNKNOWN_LOCALE otherwise.",
    )


def mail_request(data: MailFields) -> MailRequest | None:
    """What the client asked for; VALIDATION when it gave mail fields without `email: true`."""
    check_texts({"email_to": data.email_to, "locale": data.locale})  # a bad text is named for what it is first
    if not data.email:
        for name, value in (("emailTo", data.email_to), ("locale", data.locale)):
            if value is not None:
                raise DomainError(
                    ErrorCode.VALIDATION, "{name} is only for e-mailing it: add email: true", name, name=name
                )
        return None
    return MailRequest(to=data.email_to, locale=data.locale)


@strawberry.type(description="One e-mail of this document to its customer, and how its sending stands.")
class Mail:
    to_address: str = strawberry.field(name="to", description="The address it goes to.")
    locale: str = strawberry.field(description="The language it is written in (and its PDF): `en`, `fa` or `tr`.")
    status: MailStatusEnum = strawberry.field(description="Where its sending stands.")
    attempts: int = strawberry.field(
        description="How many times the worker tried to hand it over (0 before the first)."
    )
    last_error: Optional[str] = strawberry.field(
        description="Why the last attempt failed, or why it waits; null once SENT or before any trouble."
    )
    sent_at: Optional[datetime] = strawberry.field(
        description="When the mail server accepted it (ISO 8601, UTC); null until SENT."
    )
    message_id: Optional[str] = strawberry.field(
        description="Its Message-ID header, the same on every attempt (find it in the mail server's log); null "
        "before the first attempt."
    )
    created_at: datetime = strawberry.field(
        description="When it was queued: with the quote's sending or the invoice's issue."
    )

    @strawberry.field(description="When the worker tries it again (ISO 8601, UTC); null unless QUEUED.")
    def next_attempt_at(self) -> Optional[datetime]:
        return self.next_attempt_at if self.status == MailStatus.QUEUED.value else None


@strawberry.type
class Mailed:
    """A document that can be e-mailed to its customer: a quote, an invoice."""

    @strawberry.field(
        description="Its e-mails to the customer (sendQuote or issueInvoice with `email: true`) and how each stands, "
        "oldest first; at most `first`."
    )
    def mails(self, info: strawberry.Info, first: ChildFirst = DEFAULT_PAGE) -> list[Mail]:
        ctx = info.context
        ctx.require("read", "mail")
        return ctx.loader.children(self, "mails", "document_id", first=child_first(first), document_type=self.kind_name)


#: The documents that are e-mailed: GraphQL type -> document type.
MAILED = {"Quote": "quote", "Invoice": "invoice"}


@strawberry.input(description="The quote or invoice whose given-up e-mails to send again.")
class RetryMailInput:
    document_id: strawberry.ID = strawberry.field(description="The global id of a Quote or an Invoice.")


@strawberry.type(description="What retryMail answers: the document, its DEAD and UNCERTAIN mails QUEUED again.")
class RetryMailPayload:
    document: Optional[Document] = strawberry.field(
        default=None, description="The quote or invoice (see its `mails`); null if the mutation did not happen."
    )
    errors: list[UserError] = errors_field()


def _mailed(value: str) -> tuple[str, int]:
    for type_name, document_type in MAILED.items():
        try:
            return document_type, decode(value, type_name, "documentId")
        except DomainError:
            continue
    raise DomainError(
        ErrorCode.NOT_FOUND, "{value!r} is not the id of a Quote or an Invoice", "documentId", value=value
    )


@strawberry.type
class MailMutations:
    @mutation(
        "Queue a document's DEAD and UNCERTAIN e-mails again, due now (an UNCERTAIN one may then reach the customer "
        "twice: check the mail server's log for its messageId first).",
        ("write", "mail"),
    )
    def retry_mail(self, info: strawberry.Info, input: Input[RetryMailInput]) -> RetryMailPayload:
        def call(uow, **kw):
            document_type, ident = _mailed(input.document_id)
            mails.retry(uow, document_type, ident, "documentId", now=info.context.clock(), **kw)
            return document_type, ident

        return mutate(
            info,
            (),
            call,
            lambda found: {"document": info.context.loader.get(REPOSITORIES[found[0]], found[1])},
            RetryMailPayload,
        )
