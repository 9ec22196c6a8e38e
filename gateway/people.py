"""`salesflow token …` and `salesflow user …`: the operator manages who may sign in.

Every command prints for people (a table, or one line saying what happened) unless given
`--json`, which prints the records as JSON for scripts. Refusals are one line on stderr, as for
every `salesflow` command (exit 1). The operator acts as nobody in particular: the activity rows
these write have no actor.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from datetime import datetime

from ..adapters.sql import SqlUnitOfWork, open_installed
from ..domain.access import ROLES
from ..domain.parties import ApiToken, User
from ..statemachine import users as ops
from ..statemachine.engine import utcnow

# --- what is printed ------------------------------------------------------------------------------


def _moment(value: datetime | None) -> str | None:
    return value.isoformat(timespec="seconds") if value is not None else None


def _short(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "-"


def token_state(token: ApiToken, user: User | None, now: datetime) -> str:
    """active, revoked, expired, or user inactive: whether (and why not) the token works now."""
    if token.revoked:
        return "revoked"
    if token.expired(now):
        return "expired"
    if user is None or not user.active:
        return "user inactive"
    return "active"


def token_record(token: ApiToken, user: User | None, now: datetime) -> dict:
    """A token as scripts read it: never its secret nor its hash."""
    return {
        "id": token.id,
        "user": user.name if user else None,
        "role": user.role if user else None,
        "label": token.label,
        "created_at": _moment(token.created_at),
        "expires_at": _moment(token.expires_at),
        "last_used_at": _moment(token.last_used_at),
        "revoked_at": _moment(token.revoked_at),
        "state": token_state(token, user, now),
    }


def user_record(user: User, tokens: list[ApiToken], now: datetime) -> dict:
    return {
        "id": user.id,
        "name": user.name,
        "role": user.role,
        "active": user.active,
        "created_at": _moment(user.created_at),
        "usable_tokens": sum(1 for t in tokens if t.usable(now)),
    }


def table(rows: list[list[str]]) -> str:
    """Columns padded to their widest cell; the first row is the header."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in rows)


def _emit(args, data, human: str) -> None:
    print(json.dumps(data, indent=2, ensure_ascii=False) if args.json else human)


# --- commands ---------------------------------------------------------------------------------------


def _engine(args):
    from .cli import database_url

    return open_installed(database_url(args))


def _run(args, operation: Callable, *call_args, **kwargs):
    engine = _engine(args)
    try:
        return operation(SqlUnitOfWork(engine), *call_args, **kwargs)
    finally:
        engine.dispose()


def _read(args) -> tuple[list[User], list[ApiToken]]:
    engine = _engine(args)
    try:
        with SqlUnitOfWork(engine, read_only=True) as uow:
            return uow.users.find(order_by="name"), uow.tokens.find(order_by="id")
    finally:
        engine.dispose()


def cmd_token_create(args) -> int:
    made = _run(args, ops.create_token, args.user, args.role, args.label, expires_in=args.expires_in)
    if args.json:
        _emit(args, {**token_record(made.token, made.user, utcnow()), "token": made.secret}, "")
        return 0
    until = f", expires {_short(made.token.expires_at)} UTC" if made.token.expires_at else ""
    print(
        f"token {made.token.id} for {made.user.name} ({made.user.role}{until}), shown only this once:", file=sys.stderr
    )
    print(made.secret)
    return 0


def cmd_token_list(args) -> int:
    users, tokens = _read(args)
    by_id, now = {u.id: u for u in users}, utcnow()
    if args.user is not None:
        tokens = [t for t in tokens if by_id[t.user_id].name == args.user]
    records = [token_record(t, by_id.get(t.user_id), now) for t in tokens]
    rows = [["ID", "USER", "ROLE", "LABEL", "CREATED", "EXPIRES", "LAST USED", "STATE"]]
    rows += [
        [
            str(t.id),
            r["user"] or "-",
            r["role"] or "-",
            t.label or "-",
            _short(t.created_at),
            _short(t.expires_at),
            _short(t.last_used_at),
            r["state"],
        ]
        for t, r in zip(tokens, records, strict=True)
    ]
    _emit(args, records, table(rows) if records else "no tokens")
    return 0


def cmd_token_revoke(args) -> int:
    token = _run(args, ops.revoke_token, args.id)
    users, _tokens = _read(args)
    user = next((u for u in users if u.id == token.user_id), None)
    record = token_record(token, user, utcnow())
    _emit(args, record, f"token {token.id} of {record['user']} ({token.label or 'no label'}) is revoked")
    return 0


def cmd_user_list(args) -> int:
    users, tokens = _read(args)
    now = utcnow()
    records = [user_record(u, [t for t in tokens if t.user_id == u.id], now) for u in users]
    rows = [["NAME", "ROLE", "ACTIVE", "TOKENS", "CREATED"]]
    rows += [
        [r["name"], r["role"], "yes" if r["active"] else "no", str(r["usable_tokens"]), _short(u.created_at)]
        for u, r in zip(users, records, strict=True)
    ]
    _emit(args, records, table(rows) if records else "no users")
    return 0


def _user_command(operation: Callable, says: Callable[[User], str], *arguments: str):
    """A command that runs `operation(user name, *arguments)` and shows the user after it."""

    def command(args) -> int:
        user = _run(args, operation, args.name, *(getattr(args, name) for name in arguments))
        _users, tokens = _read(args)
        _emit(args, user_record(user, [t for t in tokens if t.user_id == user.id], utcnow()), says(user))
        return 0

    return command


cmd_user_set_role = _user_command(ops.set_role, lambda u: f"{u.name} is now {u.role}", "role")
cmd_user_deactivate = _user_command(ops.deactivate_user, lambda u: f"{u.name} is deactivated: its tokens are refused")
cmd_user_activate = _user_command(ops.reactivate_user, lambda u: f"{u.name} is active again")


# --- the parsers ------------------------------------------------------------------------------------


def _common(parser: argparse.ArgumentParser) -> None:
    from .cli import DEFAULT_URL, ENV_DATABASE_URL

    parser.add_argument("--json", action="store_true", help="print JSON for scripts")
    parser.add_argument("--database-url", help=f"default: ${ENV_DATABASE_URL} or {DEFAULT_URL}")


def add_commands(sub) -> None:
    """The `token` and `user` commands, on the `salesflow` subcommand parser."""
    roles = ", ".join(ROLES)
    t = sub.add_parser("token", help="bearer tokens: create, list, revoke")
    tsub = t.add_subparsers(dest="token_command", required=True)
    tc = tsub.add_parser("create", help="create a token (and the user, if new); prints it once")
    tc.add_argument("--user", required=True)
    tc.add_argument("--role", required=True, help=roles)
    tc.add_argument("--label", help="what the token is for")
    tc.add_argument("--expires-in", metavar="DURATION", help="e.g. 90d, 12h, 30m or 2w (default: never)")
    _common(tc)
    tc.set_defaults(run=cmd_token_create)
    tl = tsub.add_parser("list", help="every token: user, label, created, expires, last used, state")
    tl.add_argument("--user", help="only this user's")
    _common(tl)
    tl.set_defaults(run=cmd_token_list)
    tr = tsub.add_parser("revoke", help="refuse a token from its next request on and close its sockets")
    tr.add_argument("id", type=int, help="the token's id, as `token list` shows it")
    _common(tr)
    tr.set_defaults(run=cmd_token_revoke)

    u = sub.add_parser("user", help="users: list, set-role, deactivate, activate")
    usub = u.add_subparsers(dest="user_command", required=True)
    ul = usub.add_parser("list", help="every user: role, active, usable tokens")
    _common(ul)
    ul.set_defaults(run=cmd_user_list)
    us = usub.add_parser("set-role", help="give a user another role (never the last active admin's)")
    us.add_argument("name")
    us.add_argument("role", help=roles)
    _common(us)
    us.set_defaults(run=cmd_user_set_role)
    ud = usub.add_parser("deactivate", help="refuse all of a user's tokens (never the last active admin's)")
    ud.add_argument("name")
    _common(ud)
    ud.set_defaults(run=cmd_user_deactivate)
    ua = usub.add_parser("activate", aliases=["reactivate"], help="undo deactivate")
    ua.add_argument("name")
    _common(ua)
    ua.set_defaults(run=cmd_user_activate)
