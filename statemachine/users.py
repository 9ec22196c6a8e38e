"""Users and their bearer tokens: created by the operator, or the first admin on an empty database."""
from __future__ import annotations

from ..domain.access import ROLES
from ..domain.errors import DomainError, ErrorCode, invalid
from ..domain.parties import ApiToken, User
from ..domain.tokens import hash_token, new_token
from .engine import Context, operation, require_text


def _token_for(ctx: Context, user: User, label: str | None) -> str:
    token = new_token()
    ctx.uow.tokens.add(ApiToken(user_id=user.id, token_hash=hash_token(token), label=label,
                                created_at=ctx.now, updated_at=ctx.now))
    return token


@operation
def create_token(ctx: Context, user_name: str, role: str, label: str | None = None) -> tuple[User, str]:
    """A new token for a user, creating the user with that role if it does not exist yet."""
    name = require_text(user_name, "user", "a user name")
    if role not in ROLES:
        raise invalid(f"role must be one of {', '.join(ROLES)}", "role")
    found = ctx.uow.users.find(name=name)
    if found:
        user = found[0]
        if user.role != role:
            raise DomainError(ErrorCode.CONFLICT, f"user {name} exists with role {user.role}, not {role}", "role")
    else:
        user = ctx.uow.users.add(User(name=name, role=role, created_at=ctx.now, updated_at=ctx.now))
        ctx.uow.flush()
    return user, _token_for(ctx, user, label)


@operation
def bootstrap_admin(ctx: Context) -> str | None:
    """On a database with no users: an `admin` user and its token (shown once). None otherwise."""
    if ctx.uow.users.find():
        return None
    user = ctx.uow.users.add(User(name="admin", role="admin", created_at=ctx.now, updated_at=ctx.now))
    ctx.uow.flush()
    return _token_for(ctx, user, "first start")


def authenticate(uow, token: str) -> User | None:
    """The active user a token belongs to, or None (read-only; the caller holds the transaction)."""
    found = uow.tokens.find(token_hash=hash_token(token))
    if not found or found[0].revoked:
        return None
    user = uow.users.get(found[0].user_id)
    return user if user is not None and user.active else None
