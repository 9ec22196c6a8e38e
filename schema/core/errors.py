"""Errors at the edge: business failures become `UserError`s in payloads; access failures are top-level."""

from __future__ import annotations

from typing import Optional

import strawberry
from graphql import GraphQLError

from ...domain.errors import MEANINGS, DomainError
from ...domain.errors import ErrorCode as DomainErrorCode
from .enums import described_enum

ErrorCode = described_enum(
    DomainErrorCode,
    "ErrorCode",
    "Why a mutation did not happen: a stable code to branch on (the message is for people and may change).",
    MEANINGS,
)


@strawberry.type(description="A business or validation failure; nothing was changed.")
class UserError:
    field: Optional[list[str]] = strawberry.field(
        description='The path of the input field at fault, in the input\'s own names, e.g. ["lines", "0", '
        '"quantity"]; null when no single field is.'
    )
    message: str = strawberry.field(description="What went wrong, in English, for a person to read.")
    code: ErrorCode = strawberry.field(description="What went wrong, as a code to branch on.")


def user_error(err: DomainError) -> UserError:
    return UserError(field=list(err.field) if err.field else None, message=err.message, code=err.code)


class Forbidden(GraphQLError):
    """The viewer's role may not do this (top-level, per the contract)."""

    def __init__(self, message: str):
        super().__init__(message, extensions={"code": "FORBIDDEN"})


class BadInput(GraphQLError):
    """A request-level mistake (a page size, a cursor, a filter): top-level, `BAD_USER_INPUT`, with the
    argument's path in `extensions.field` when it is known."""

    def __init__(self, message: str, field: tuple[str, ...] | list[str] | None = None, code: str = "BAD_USER_INPUT"):
        extensions = {"code": code}
        if field:
            extensions["field"] = list(field)
        super().__init__(message, extensions=extensions)

    @classmethod
    def of(cls, err, prefix: tuple[str, ...] = ()) -> BadInput:
        """A domain error about an argument, its field path under `prefix` (e.g. filter.search)."""
        return cls(err.message, (*prefix, *err.field) if err.field else prefix or None)


class Unauthenticated(GraphQLError):
    def __init__(self, message: str = "a valid bearer token is required"):
        super().__init__(message, extensions={"code": "UNAUTHENTICATED"})
