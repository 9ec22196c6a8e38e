"""What admins send to manage users and tokens."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import strawberry


@strawberry.input(description="Which users to list.")
class UserFilter:
    search: Optional[str] = strawberry.field(default=None, description="Part of the user's name.")
    role: Optional[str] = strawberry.field(default=None, description="Only users with this role.")
    active: Optional[bool] = strawberry.field(
        default=None, description="true: only active users; false: only deactivated ones; null: both."
    )


@strawberry.input(description="A new bearer token for an existing, active user.")
class CreateTokenInput:
    user_id: strawberry.ID = strawberry.field(description="The user the token signs in as.")
    label: Optional[str] = strawberry.field(default=None, description="What the token is for (at most 120 characters).")
    expires_at: Optional[datetime] = strawberry.field(
        default=None, description="When it stops working (with a time zone, in the future); null: when revoked."
    )


@strawberry.input(description="The token to revoke.")
class RevokeTokenInput:
    token_id: strawberry.ID = strawberry.field(description="The token's id (ApiToken.id).")


@strawberry.input(description="A user and the role to give it.")
class SetUserRoleInput:
    user_id: strawberry.ID = strawberry.field(description="The user.")
    role: str = strawberry.field(
        description="One of the roles of security/access.csv: sales_rep, sales_manager, accountant, integration, admin."
    )


@strawberry.input(description="Whose messages to put in which language.")
class SetUserLocaleInput:
    user_id: Optional[strawberry.ID] = strawberry.field(
        default=None, description="The user; omitted: the viewer. Only an admin may name another user."
    )
    locale: Optional[str] = strawberry.field(
        description="A BCP 47 tag of en, fa or tr (`fa-IR`, `tr-TR`, `en`), stored as given in its usual "
        "spelling; null: follow each request's Accept-Language. Another tag is UNKNOWN_LOCALE."
    )


@strawberry.input(description="The user to deactivate.")
class DeactivateUserInput:
    user_id: strawberry.ID = strawberry.field(description="The user.")


@strawberry.input(description="The user to reactivate.")
class ReactivateUserInput:
    user_id: strawberry.ID = strawberry.field(description="The user.")
