"""Admins manage people: tokens created (the secret shown once) and revoked, roles changed, users
deactivated and reactivated. Asking for what already is (revoking a revoked token …) changes
nothing and is not an error, so a retry is safe."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import strawberry

from ...statemachine import users as ops
from ..core.errors import UserError
from ..core.inputs import ref_id
from ..core.mutations import Input, mutate, mutation
from .inputs import (
    CreateTokenInput,
    DeactivateUserInput,
    ReactivateUserInput,
    RevokeTokenInput,
    SetUserLocaleInput,
    SetUserRoleInput,
)
from .types import ApiToken

if TYPE_CHECKING:
    from ..parties.types import User

UserRef = Annotated["User", strawberry.lazy("salesflow.schema.parties.types")]

ERRORS = "Why nothing happened; empty if it did."


@strawberry.type(description="The result of createToken.")
class CreateTokenPayload:
    token: Optional[ApiToken] = strawberry.field(default=None, description="The new token.")
    secret: Optional[str] = strawberry.field(
        default=None,
        description="The bearer token to send as `Authorization: Bearer <secret>`. Shown in this "
        "answer only: only its hash is kept, so a lost secret means a new token.",
    )
    errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(description="The result of revokeToken.")
class RevokeTokenPayload:
    token: Optional[ApiToken] = strawberry.field(default=None, description="The token, now revoked.")
    errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(description="The result of setUserRole.")
class SetUserRolePayload:
    user: Optional[UserRef] = strawberry.field(default=None, description="The user, with its new role.")
    errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(description="The result of setUserLocale.")
class SetUserLocalePayload:
    user: Optional[UserRef] = strawberry.field(default=None, description="The user, with its new locale.")
    errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(description="The result of deactivateUser.")
class DeactivateUserPayload:
    user: Optional[UserRef] = strawberry.field(default=None, description="The user, now inactive.")
    errors: list[UserError] = strawberry.field(description=ERRORS)


@strawberry.type(description="The result of reactivateUser.")
class ReactivateUserPayload:
    user: Optional[UserRef] = strawberry.field(default=None, description="The user, active again.")
    errors: list[UserError] = strawberry.field(description=ERRORS)


def _user_id(data) -> int:
    return ref_id(data.user_id, "User", "userId")


@strawberry.type
class PeopleMutations:
    @mutation(
        "A new bearer token for a user; its secret is in this answer and never again. "
        "Not idempotent (a secret cannot be replayed): revoke a token you did not get.",
        ("create", "api_token"),
    )
    def create_token(self, info: strawberry.Info, input: Input[CreateTokenInput]) -> CreateTokenPayload:
        return mutate(
            info,
            (),
            lambda uow, **kw: ops.issue_token(uow, _user_id(input), input.label, expires_at=input.expires_at, **kw),
            lambda made: {"token": made[0], "secret": made[1]},
            CreateTokenPayload,
        )

    @mutation(
        "Revoke a token: its next request is refused, in every worker process, and its "
        "WebSockets are closed (4403). Revoking a revoked token changes nothing.",
        ("write", "api_token"),
    )
    def revoke_token(self, info: strawberry.Info, input: Input[RevokeTokenInput]) -> RevokeTokenPayload:
        return mutate(
            info,
            (),
            lambda uow, **kw: ops.revoke_token(uow, ref_id(input.token_id, "ApiToken", "tokenId"), **kw),
            lambda token: {"token": token},
            RevokeTokenPayload,
        )

    @mutation(
        "Give a user another role; its open WebSockets are closed (they were authorised "
        "with the old one). The last active admin cannot be demoted (LAST_ADMIN).",
        ("write", "user"),
    )
    def set_user_role(self, info: strawberry.Info, input: Input[SetUserRoleInput]) -> SetUserRolePayload:
        return mutate(
            info,
            (),
            lambda uow, **kw: ops.set_role(uow, _user_id(input), input.role, **kw),
            lambda user: {"user": user},
            SetUserRolePayload,
        )

    @mutation(
        "Set the language a user's messages (error messages, stage names) come in, whatever its "
        "requests' Accept-Language says; null goes back to following it. Users set their own, an admin "
        "anyone's (another user: FORBIDDEN).",
    )
    def set_user_locale(self, info: strawberry.Info, input: Input[SetUserLocaleInput]) -> SetUserLocalePayload:
        return mutate(
            info,
            (),
            lambda uow, **kw: ops.set_locale(
                uow, None if input.user_id is None else _user_id(input), input.locale, **kw
            ),
            lambda user: {"user": user},
            SetUserLocalePayload,
        )

    @mutation(
        "Refuse every token of a user from its next request on and close its "
        "WebSockets; reactivateUser undoes it. The last active admin cannot be "
        "deactivated (LAST_ADMIN).",
        ("write", "user"),
    )
    def deactivate_user(self, info: strawberry.Info, input: Input[DeactivateUserInput]) -> DeactivateUserPayload:
        return mutate(
            info,
            (),
            lambda uow, **kw: ops.deactivate_user(uow, _user_id(input), **kw),
            lambda user: {"user": user},
            DeactivateUserPayload,
        )

    @mutation(
        "Let a deactivated user sign in again, with its tokens that are neither revoked nor expired.",
        ("write", "user"),
    )
    def reactivate_user(self, info: strawberry.Info, input: Input[ReactivateUserInput]) -> ReactivateUserPayload:
        return mutate(
            info,
            (),
            lambda uow, **kw: ops.reactivate_user(uow, _user_id(input), **kw),
            lambda user: {"user": user},
            ReactivateUserPayload,
        )
