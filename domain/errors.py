"""Coded domain errors: values that the GraphQL edge translates once."""
from __future__ import annotations

from enum import StrEnum


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


class DomainError(Exception):
    """A business or validation failure; the transaction that raised it is rolled back."""

    def __init__(self, code: ErrorCode, message: str, field: str | tuple[str, ...] | None = None):
        super().__init__(message)
        self.code = ErrorCode(code)
        self.message = message
        if isinstance(field, str):
            field = tuple(field.split("."))
        self.field: tuple[str, ...] | None = field

    def __repr__(self) -> str:
        return f"DomainError({self.code.value}, {self.message!r}, field={self.field!r})"


def not_found(kind: str, ident: object, field: str | None = None) -> DomainError:
    return DomainError(ErrorCode.NOT_FOUND, f"{kind} {ident} does not exist", field)


def invalid(message: str, field: str | None = None) -> DomainError:
    return DomainError(ErrorCode.VALIDATION, message, field)
