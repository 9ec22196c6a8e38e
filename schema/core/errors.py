"""Errors at the edge: business failures become `UserError`s in payloads; access failures are top-level."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Optional

import strawberry
from graphql import GraphQLError
from strawberry.extensions import SchemaExtension

from ...domain.errors import MEANINGS, DomainError
from ...domain.errors import ErrorCode as DomainErrorCode
from ...domain.message import Message
from ...i18n import DEFAULT, translate
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
    message: str = strawberry.field(
        description="What went wrong, for a person to read, in the viewer's language: the user's own `locale`, "
        "else the request's Accept-Language (en, fa or tr), else English. Branch on `code`, never on this."
    )
    code: ErrorCode = strawberry.field(description="What went wrong, as a code to branch on.")


def user_error(err: DomainError, language: str = DEFAULT) -> UserError:
    """A domain error as a payload's UserError, its message in `language`; code and field as they are."""
    return UserError(field=list(err.field) if err.field else None, message=translate(err.text, language), code=err.code)


class Translatable(GraphQLError):
    """A top-level error whose message is a Message: English when raised, the viewer's language once
    LocalisedErrors has run (`extensions.code` never changes)."""

    def __init__(self, text: str | Message, **kwargs):
        self.text = text
        super().__init__(str(text), **kwargs)


class Forbidden(Translatable):
    """The viewer's role may not do this (top-level, per the contract)."""

    def __init__(self, message: str | Message):
        super().__init__(message, extensions={"code": "FORBIDDEN"})


class BadInput(Translatable):
    """A request-level mistake (a page size, a cursor, a filter): top-level, `BAD_USER_INPUT`, with the
    argument's path in `extensions.field` when it is known."""

    def __init__(
        self,
        message: str | Message,
        field: tuple[str, ...] | list[str] | None = None,
        code: str = "BAD_USER_INPUT",
    ):
        extensions = {"code": code}
        if field:
            extensions["field"] = list(field)
        super().__init__(message, extensions=extensions)

    @classmethod
    def of(cls, err, prefix: tuple[str, ...] = ()) -> BadInput:
        """A domain error about an argument, its field path under `prefix` (e.g. filter.search)."""
        return cls(err.text, (*prefix, *err.field) if err.field else prefix or None)


#: What a request without a valid token is told.
TOKEN_REQUIRED = Message("a valid bearer token is required")


class Unauthenticated(Translatable):
    def __init__(self, message: str | Message = TOKEN_REQUIRED):
        super().__init__(message, extensions={"code": "UNAUTHENTICATED"})


def _text_of(error: GraphQLError) -> Message | None:
    """The Message behind a GraphQL error: its own, or that of the exception a resolver raised."""
    for candidate in (error, error.original_error):
        text = getattr(candidate, "text", None)
        if isinstance(text, Message):
            return text
    return None


def localise(errors: Iterable[GraphQLError], language: str) -> None:
    """Put each error's message that has a Message behind it into `language` (in place)."""
    if language == DEFAULT:
        return
    for error in errors:
        text = _text_of(error)
        if text is not None:
            error.message = translate(text, language)


class LocalisedErrors(SchemaExtension):
    """The top-level errors of an operation, in the viewer's language (RequestContext.language)."""

    def on_operation(self) -> Iterator[None]:
        yield
        ctx = self.execution_context
        language = getattr(ctx.context, "language", DEFAULT)
        result = ctx.result
        errors = [*(getattr(result, "errors", None) or ()), *(ctx.pre_execution_errors or ())]
        localise({id(e): e for e in errors}.values(), language)
