"""A user's bearer token as admins see it: what it is for and whether it still works, never the
token itself nor its hash."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Optional

import strawberry
from strawberry import relay

from ...domain import parties as d
from ..core.fields import is_type_of, ref_field, resolve_nodes_for

if TYPE_CHECKING:
    from ..parties.types import User

UserRef = Annotated["User", strawberry.lazy("salesflow.schema.parties.types")]


@strawberry.type(
    description="A bearer token of a user (admins only). Its secret was shown once, when it was "
    "created; only a hash of it is kept, and neither is ever shown here."
)
class ApiToken(relay.Node):
    label: Optional[str] = strawberry.field(description="What the token is for, as its creator wrote it.")
    created_at: datetime = strawberry.field(description="When it was created.")
    expires_at: Optional[datetime] = strawberry.field(
        description="When it stops working; null: it works until it is revoked."
    )
    last_used_at: Optional[datetime] = strawberry.field(
        description="When it was last used to authenticate, to the hour; null: never."
    )
    revoked: bool = strawberry.field(description="Revoked tokens are refused, and their WebSockets closed.")
    revoked_at: Optional[datetime] = strawberry.field(description="When it was revoked; null: it is not.")

    _id_attr = "id"
    resolve_nodes = resolve_nodes_for("tokens", "api_token")
    is_type_of = is_type_of(d.ApiToken)

    user: Optional[UserRef] = ref_field("user_id", "users", "user", "Whose token it is.")
