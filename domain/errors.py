"""Coded domain errors: values that the GraphQL edge translates once."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from .message import KIND_WORDS, Message, as_message, word


class ErrorCode(StrEnum):
    NOT_FOUND = "NOT_FOUND"
    VALIDATION = "VALIDATION"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    CONFLICT = "CONFLICT"
    ALREADY_CONVERTED = "ALREADY_CONVERTED"
    QUOTE_EXPIRED = "QUOTE_EXPIRED"
    NOT_LATEST_REVISION = "NOT_LATEST_REVISION"
    OVER_DELIVERY = "OVER_DELIVERY"
    NOTHING_TO_INVOICE = "NOTHING_TO_INVOICE"
    OVER_PAYMENT = "OVER_PAYMENT"
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
    UNKNOWN_CURRENCY = "UNKNOWN_CURRENCY"
    IDEMPOTENCY_KEY_REUSED = "IDEMPOTENCY_KEY_REUSED"
    DUPLICATE = "DUPLICATE"
    PERMISSION_DENIED = "PERMISSION_DENIED"
    LAST_ADMIN = "LAST_ADMIN"
    RESPONSE_TOO_LARGE = "RESPONSE_TOO_LARGE"
    INVALID_TAX_ID = "INVALID_TAX_ID"
    INVALID_IMAGE = "INVALID_IMAGE"
    UNKNOWN_LOCALE = "UNKNOWN_LOCALE"
    SERIES_IN_USE = "SERIES_IN_USE"


#: What each code tells a client (the GraphQL enum's descriptions).
MEANINGS = {
    ErrorCode.NOT_FOUND: "No such record that you may see: a made-up id, an id of another type, or another "
    "sales rep's document. `field` names the input that holds the id.",
    ErrorCode.VALIDATION: "An input is malformed or out of range (empty text, too long, a date in the past, a "
    "negative quantity …); `field` names it and `message` says why.",
    ErrorCode.INVALID_TRANSITION: "The document's state does not allow this action now (e.g. sending a quote that "
    "is not a draft); `availableActions` lists what it allows.",
    ErrorCode.CONFLICT: "Someone changed the document since you read it (expectedVersion differs), or another "
    "transaction wrote the same record at the same moment: read it again and retry.",
    ErrorCode.ALREADY_CONVERTED: "The lead or quote was converted already (perhaps by a concurrent request).",
    ErrorCode.QUOTE_EXPIRED: "The quote's validUntil has passed: it can no longer be accepted.",
    ErrorCode.NOT_LATEST_REVISION: "A newer revision of this quote exists; only the latest can be used.",
    ErrorCode.OVER_DELIVERY: "A delivery line asks for more than remains to deliver on its order line.",
    ErrorCode.NOTHING_TO_INVOICE: "Nothing is delivered and not yet invoiced on this order.",
    ErrorCode.OVER_PAYMENT: "The payment is more than the invoice's amountDue.",
    ErrorCode.CURRENCY_MISMATCH: "The currency differs from the document's (a payment, an opportunity with "
    "quotes, a line copied across documents).",
    ErrorCode.UNKNOWN_CURRENCY: "Not an ISO 4217 currency code that CLDR knows (e.g. EUR, USD, IRR).",
    ErrorCode.IDEMPOTENCY_KEY_REUSED: "The idempotencyKey was used before by you with other input.",
    ErrorCode.DUPLICATE: "convertLead found an account or contact that looks like the one it would create: link "
    "it (accountId, contactId) or set allowDuplicates.",
    ErrorCode.PERMISSION_DENIED: "Your role may not do this (mutations answer it as a top-level FORBIDDEN error).",
    ErrorCode.LAST_ADMIN: "The change would leave no active admin (demoting or deactivating the last one).",
    ErrorCode.RESPONSE_TOO_LARGE: "The request reads or answers more than the server allows at once (a top-level "
    "error): ask for fewer records (a smaller `first`, fewer ids or aliases) or fewer long fields.",
    ErrorCode.INVALID_TAX_ID: "A tax identifier fails its format or check digits (an Iranian national ID, "
    "economic or postal code, a Turkish VKN or TCKN, a VAT number); `field` names it.",
    ErrorCode.INVALID_IMAGE: "The file is not a PNG, JPEG or SVG image, or is larger than 1 MB (a logo).",
    ErrorCode.UNKNOWN_LOCALE: "Not a locale salesflow speaks: give a BCP 47 tag of en, fa or tr (`fa-IR`, `tr-TR`, `en`).",
    ErrorCode.SERIES_IN_USE: "The number series has numbered documents in the current year already: changing its "
    "calendar now would split that year's run of numbers. Change it before the series' first number of a year.",
}


class DomainError(Exception):
    """A business or validation failure; the transaction that raised it is rolled back.

    `message` is a template with named parameters (`DomainError(code, "{quote} has expired", "quoteId",
    quote=named(q))`) or a Message; the edge renders `text` in the reader's language, and `message` is
    its English text.
    """

    def __init__(
        self,
        code: ErrorCode,
        message: str | Message,
        field: str | tuple[str, ...] | None = None,
        /,
        **params: Any,
    ):
        self.text = as_message(message, params)
        self.message = str(self.text)
        super().__init__(self.message)
        self.code = ErrorCode(code)
        if isinstance(field, str):
            field = tuple(field.split("."))
        self.field: tuple[str, ...] | None = field

    def __repr__(self) -> str:
        return f"DomainError({self.code.value}, {self.message!r}, field={self.field!r})"


def not_found(kind: str, ident: object, field: str | None = None, /) -> DomainError:
    """NOT_FOUND: no record of kind (a KIND_WORDS key such as "quote") with that id or name."""
    return DomainError(
        ErrorCode.NOT_FOUND, "{kind} {ident} does not exist", field, kind=word(KIND_WORDS, kind), ident=ident
    )


def invalid(message: str | Message, field: str | None = None, /, **params: Any) -> DomainError:
    """VALIDATION on field: message is a template filled in with params."""
    return DomainError(ErrorCode.VALIDATION, message, field, **params)
