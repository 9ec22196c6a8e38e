"""Errors at the edge: business failures become `UserError`s in payloads; access failures are top-level."""
from __future__ import annotations

from typing import Optional

import strawberry
from graphql import GraphQLError

from ...domain.errors import DomainError
from ...domain.errors import ErrorCode as DomainErrorCode

ErrorCode = strawberry.enum(DomainErrorCode, name="ErrorCode", description="Why a mutation did not happen.")


@strawberry.type(description="A business or validation failure; nothing was changed.")
class UserError:
    field: Optional[list[str]] = strawberry.field(description="The input path at fault, e.g. [\"lines\", \"0\", \"quantity\"].")
    message: str
    code: ErrorCode


def user_error(err: DomainError) -> UserError:
    return UserError(field=list(err.field) if err.field else None, message=err.message, code=err.code)


class Forbidden(GraphQLError):
    """The viewer's role may not do this (top-level, per the contract)."""

    def __init__(self, message: str):
        super().__init__(message, extensions={"code": "FORBIDDEN"})


class Unauthenticated(GraphQLError):
    def __init__(self, message: str = "a valid bearer token is required"):
        super().__init__(message, extensions={"code": "UNAUTHENTICATED"})
