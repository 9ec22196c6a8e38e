"""Users and their bearer tokens: created by the operator or an admin, expiring, revoked; roles
changed; users deactivated and reactivated. There is always an active admin left.

Every change writes an activity row, like a document transition: it is the audit trail (who
revoked which token, when), and it is how every worker process hears of it in commit order —
the event feed carries it to gateway/sessions.py, which closes the WebSockets it ends.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

from ..domain.access import ROLES
from ..domain.errors import DomainError, ErrorCode, invalid, not_found
from ..domain.message import Message
from ..domain.parties import ApiToken, User
from ..domain.text import check_lengths
from ..domain.tokens import LAST_USED_RESOLUTION, hash_token, new_token, parse_duration
from ..i18n import SUPPORTED, canonical
from .engine import Context, aware, operation, require_text

ADMIN = "admin"

#: (record type, trigger) of the activities after which a token's open sessions must end: its
#: revocation, and its user's deactivation or change of role (a socket keeps the role it opened with).
SESSION_ENDING = frozenset({("api_token", "revoke"), ("user", "deactivate"), ("user", "set_role")})


class IssuedToken(NamedTuple):
    """A token just created: its user, the secret (shown this once) and the stored record."""

    user: User
    secret: str
    token: ApiToken


@dataclass(frozen=True)
class Credential:
    """Who a bearer token speaks for: the token itself (its expiry, for revocation) and its user."""

    token: ApiToken
    user: User


# --- reading ------------------------------------------------------------------------------------


def credential_of(found: tuple[ApiToken, User] | None, now: datetime) -> Credential | None:
    """A looked-up (token, user) as a credential, if the token is usable now by an active user."""
    if found is None:
        return None
    record, user = found
    return Credential(record, user) if record.usable(now) and user.active else None


def authenticate(uow, token: str, now: datetime) -> Credential | None:
    """The credential of a usable token of an active user, or None (one indexed read)."""
    return credential_of(uow.tokens.lookup(hash_token(token)), now)


def last_use_is_stale(token: ApiToken, now: datetime) -> bool:
    """Is the token's last-used stamp due for renewal (see LAST_USED_RESOLUTION)?"""
    return token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION


def still_valid(uow, sessions: set[tuple[int, str]], now: datetime) -> set[tuple[int, str]]:
    """Of these (token id, role it was authorised with) pairs, those whose token is still usable
    by an active user who still has that role."""
    tokens = uow.tokens.find_in("id", list({token_id for token_id, _role in sessions}))
    users = {u.id: u for u in uow.users.find_in("id", list({t.user_id for t in tokens}))}
    current = {t.id: users.get(t.user_id) for t in tokens if t.usable(now)}
    return {
        (token_id, role)
        for token_id, role in sessions
        if (u := current.get(token_id)) is not None and u.active and u.role == role
    }


# --- helpers ------------------------------------------------------------------------------------


def check_role(role: str) -> str:
    """A role of security/access.csv, or VALIDATION naming them all."""
    if role not in ROLES:
        raise invalid("role must be one of {roles}, not {role!r}", "role", roles=", ".join(ROLES), role=role)
    return role


def _field(user: int | str) -> str:
    return "userId" if isinstance(user, int) else "user"


def _user(ctx: Context, user: int | str, *, lock: bool = False) -> User:
    """A user by id (GraphQL) or by name (the command line); NOT_FOUND otherwise."""
    if isinstance(user, int):
        return ctx.require(ctx.uow.users, user, "user", "userId", lock=lock)
    name = require_text(user, "user", Message("a user name"))
    found = ctx.uow.users.find(name=name, lock=lock)
    if not found:
        raise not_found("user", name, "user")
    return found[0]


def _expiry(ctx: Context, expires_in: str | timedelta | None, expires_at: datetime | None) -> datetime | None:
    """When a new token stops working: after a lifetime ('90d') or at a moment; None: never."""
    if expires_in is not None and expires_at is not None:
        raise invalid("give a lifetime or an expiry, not both", "expiresAt")
    if expires_in is not None:
        lifetime = parse_duration(expires_in) if isinstance(expires_in, str) else expires_in
        try:
            moment = ctx.now + lifetime
        except OverflowError:
            raise invalid("the lifetime is too long", "expiresIn") from None
        field = "expiresIn"
    else:
        moment, field = aware(expires_at, "expiresAt"), "expiresAt"
    if moment is not None and moment <= ctx.now:
        raise invalid("a token must expire in the future", field)
    return moment


def _issue(
    ctx: Context, user: User, label: str | None, expires_at: datetime | None, field: str
) -> tuple[ApiToken, str]:
    if not user.active:
        raise DomainError(
            ErrorCode.INVALID_TRANSITION, "user {name} is deactivated: reactivate it first", field, name=user.name
        )
    label = label.strip() or None if label is not None else None
    check_lengths({"label": label})
    secret = new_token()
    token = ctx.uow.tokens.add(
        ApiToken(
            user_id=user.id,
            token_hash=hash_token(secret),
            label=label,
            expires_at=expires_at,
            created_at=ctx.now,
            updated_at=ctx.now,
        )
    )
    ctx.record(token, "create", None, "active")
    return token, secret


def _other_active_admins(ctx: Context) -> list[User]:
    """Every active admin, locked in id order. Taken first by each operation that could leave
    none, so two admins demoting each other at once wait in turn and the second sees the first's
    change (and the locks are always taken in the same order: no deadlock)."""
    return ctx.uow.users.find(role=ADMIN, active=True, lock=True, order_by="id")


def _keep_an_admin(admins: list[User], user: User, doing: Message, field: str) -> None:
    if user.role == ADMIN and user.active and not any(a.id != user.id for a in admins):
        raise DomainError(
            ErrorCode.LAST_ADMIN,
            "cannot {doing} {name}: it is the last active admin; make another user admin first",
            field,
            doing=doing,
            name=user.name,
        )


# --- operations ---------------------------------------------------------------------------------


@operation
def create_token(
    ctx: Context,
    user_name: str,
    role: str,
    label: str | None = None,
    *,
    expires_in: str | timedelta | None = None,
    expires_at: datetime | None = None,
) -> IssuedToken:
    """A new token for a user, creating the user with that role if it does not exist yet."""
    name = require_text(user_name, "user", Message("a user name"))
    check_role(role)
    expiry = _expiry(ctx, expires_in, expires_at)
    found = ctx.uow.users.find(name=name)
    if found:
        user = found[0]
        if user.role != role:
            raise DomainError(
                ErrorCode.CONFLICT,
                "user {name} exists with role {held}, not {role} (a role is changed with `salesflow user set-role`)",
                "role",
                name=name,
                held=user.role,
                role=role,
            )
    else:
        check_lengths({"name": name})
        user = ctx.uow.users.add(User(name=name, role=role, created_at=ctx.now, updated_at=ctx.now))
        ctx.record(user, "create", None, "active", f"role {role}")
    token, secret = _issue(ctx, user, label, expiry, "user")
    return IssuedToken(user, secret, token)


@operation
def issue_token(
    ctx: Context,
    user: int | str,
    label: str | None = None,
    *,
    expires_in: str | timedelta | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token for an existing, active user: the record and the secret (shown once)."""
    found = _user(ctx, user)
    return _issue(ctx, found, label, _expiry(ctx, expires_in, expires_at), _field(user))


@operation
def revoke_token(ctx: Context, token_id: int) -> ApiToken:
    """Revoke a token: refused from its next request on, its sockets closed. Again: no change."""
    token: ApiToken = ctx.require(ctx.uow.tokens, token_id, "token", "tokenId", lock=True)
    if not token.revoked:
        token.revoked, token.revoked_at = True, ctx.now
        ctx.record(token, "revoke", "expired" if token.expired(ctx.now) else "active", "revoked")
    return token


@operation
def set_locale(ctx: Context, user: int | None, locale: str | None) -> User:
    """The language of a user's messages (a BCP 47 tag of en, fa or tr; None: follow each request's
    Accept-Language). Users set their own; an admin anyone's. UNKNOWN_LOCALE for another tag."""
    actor = ctx.actor
    target = actor.id if user is None else user
    if actor is not None and target != actor.id and actor.role != ADMIN:
        raise DomainError(ErrorCode.PERMISSION_DENIED, "only an admin may set another user's locale", "userId")
    found = _user(ctx, target, lock=True)
    if locale is not None:
        tag = canonical(locale)
        if tag is None:
            raise DomainError(
                ErrorCode.UNKNOWN_LOCALE,
                "{locale!r} is not a locale salesflow speaks: give a tag of {languages} (such as fa-IR or tr-TR)",
                "locale",
                locale=locale,
                languages=", ".join(SUPPORTED),
            )
        locale = tag
    if found.locale != locale:
        found.locale, found.updated_at = locale, ctx.now
    return found


@operation
def set_role(ctx: Context, user: int | str, role: str) -> User:
    """Give a user another role (never the last active admin's); its sockets are closed."""
    check_role(role)
    admins = _other_active_admins(ctx)
    found = _user(ctx, user, lock=True)
    if found.role != role:
        if role != ADMIN:
            _keep_an_admin(admins, found, Message("demote"), _field(user))
        before, found.role = found.role, role
        ctx.record(found, "set_role", before, role)
    return found


@operation
def deactivate_user(ctx: Context, user: int | str) -> User:
    """Refuse all of a user's tokens (never the last active admin's); its sockets are closed."""
    admins = _other_active_admins(ctx)
    found = _user(ctx, user, lock=True)
    if found.active:
        _keep_an_admin(admins, found, Message("deactivate"), _field(user))
        found.active = False
        ctx.record(found, "deactivate", "active", "inactive")
    return found


@operation
def reactivate_user(ctx: Context, user: int | str) -> User:
    """Undo a deactivation: the user's tokens that are neither revoked nor expired work again."""
    found = _user(ctx, user, lock=True)
    if not found.active:
        found.active = True
        ctx.record(found, "reactivate", "inactive", "active")
    return found


@operation
def touch_token(ctx: Context, token_id: int) -> bool:
    """Stamp the token's last use, unless a stamp newer than LAST_USED_RESOLUTION is there."""
    return ctx.uow.tokens.touch(token_id, ctx.now, ctx.now - LAST_USED_RESOLUTION)


class MadeAdmin(NamedTuple):
    """The admin `ensure_admin` made (its token shown once), and how many users there were before it."""

    issued: IssuedToken
    users_before: int


def _free_admin_name(taken: set[str]) -> str:
    """`admin`, or `admin-2`, `admin-3` … if that name is taken (by a user who is not an active admin).
    The same answer for everyone who looks at the same users: two starts at once pick the same name,
    and the database's unique name lets only one of them have it."""
    name, n = ADMIN, 1
    while name in taken:
        n += 1
        name = f"{ADMIN}-{n}"
    return name


@operation
def ensure_admin(ctx: Context) -> MadeAdmin | None:
    """If no user is an active admin (a new database, or only other roles made with `token create`):
    a new admin user and its token (shown once). None when there is one.

    Two callers at once: on SQLite the writers take turns and the second sees the first's admin; on
    PostgreSQL the second's insert of the same name waits for the first and fails (CONFLICT), and
    calling again finds the admin."""
    users = ctx.uow.users.find(order_by="id")
    if any(u.role == ADMIN and u.active for u in users):
        return None
    name = _free_admin_name({u.name for u in users})
    user = ctx.uow.users.add(User(name=name, role=ADMIN, created_at=ctx.now, updated_at=ctx.now))
    ctx.record(user, "create", None, "active", f"role {ADMIN}")
    token, secret = _issue(ctx, user, "first start" if not users else "no active admin", None, "user")
    return MadeAdmin(IssuedToken(user, secret, token), len(users))
