"""`salesflow token …` and `salesflow user …`, run in-process as the operator runs them: tables for
people, `--json` for scripts, a refusal is one line on stderr and exit 1."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from salesflow.adapters.sql import SqlUnitOfWork, create_engine
from salesflow.statemachine.engine import utcnow
from salesflow.statemachine.users import authenticate


def works(url: str, secret: str) -> bool:
    engine = create_engine(url)
    try:
        with SqlUnitOfWork(engine, read_only=True) as uow:
            return authenticate(uow, secret, utcnow()) is not None
    finally:
        engine.dispose()


def one_line_refusal(code: int, err: str, starts: str) -> None:
    assert code == 1 and err.startswith(f"salesflow: {starts}") and err.count("\n") == 1, err


def test_a_token_with_a_lifetime_prints_only_the_token_on_stdout(salesflow, url):
    code, out, err = salesflow(
        "token", "create", "--user", "maria", "--role", "sales_rep", "--label", "laptop", "--expires-in", "90d"
    )
    assert code == 0 and out.startswith("sf_") and out.count("\n") == 1
    assert "maria (sales_rep, expires" in err and "shown only this once" in err
    assert works(url, out.strip())


def test_token_create_json_gives_scripts_the_token_and_its_record(salesflow):
    code, out, _err = salesflow(
        "token", "create", "--user", "anna", "--role", "accountant", "--expires-in", "12h", "--json"
    )
    made = json.loads(out)
    assert code == 0 and made["token"].startswith("sf_") and made["state"] == "active"
    created, expires = (datetime.fromisoformat(made[k]) for k in ("created_at", "expires_at"))
    assert expires - created == timedelta(hours=12)
    assert (made["user"], made["role"], made["label"], made["revoked_at"]) == ("anna", "accountant", None, None)


def test_token_list_shows_every_token_and_never_a_secret_or_hash(salesflow, url):
    secrets = [
        salesflow("token", "create", "--user", n, "--role", r)[1].strip()
        for n, r in (("maria", "sales_rep"), ("anna", "accountant"))
    ]
    code, out, _err = salesflow("token", "list")
    lines = out.strip().splitlines()
    assert code == 0 and lines[0].split() == [
        "ID",
        "USER",
        "ROLE",
        "LABEL",
        "CREATED",
        "EXPIRES",
        "LAST",
        "USED",
        "STATE",
    ]
    assert [line.split()[1] for line in lines[1:]] == ["maria", "anna"]
    listed = json.loads(salesflow("token", "list", "--json")[1])
    assert [t["user"] for t in listed] == ["maria", "anna"] and all(t["state"] == "active" for t in listed)
    everything = out + json.dumps(listed)
    assert not any(s in everything for s in secrets) and "hash" not in everything
    assert [t["user"] for t in json.loads(salesflow("token", "list", "--user", "anna", "--json")[1])] == ["anna"]


def test_a_revoked_token_no_longer_works_and_the_list_says_so(salesflow, url):
    secret = salesflow("token", "create", "--user", "maria", "--role", "sales_rep", "--label", "laptop")[1].strip()
    (token,) = json.loads(salesflow("token", "list", "--json")[1])
    code, out, _err = salesflow("token", "revoke", str(token["id"]))
    assert code == 0 and out.strip() == f"token {token['id']} of maria (laptop) is revoked"
    assert not works(url, secret)
    assert json.loads(salesflow("token", "list", "--json")[1])[0]["state"] == "revoked"
    again = json.loads(salesflow("token", "revoke", str(token["id"]), "--json")[1])
    assert again["state"] == "revoked" and again["revoked_at"] is not None


def test_revoking_a_token_that_does_not_exist_is_one_line(salesflow):
    salesflow("token", "create", "--user", "maria", "--role", "sales_rep")
    one_line_refusal(*salesflow("token", "revoke", "4242")[::2], "NOT_FOUND (tokenId)")


@pytest.mark.parametrize(
    "args, starts",
    [
        (("token", "create", "--user", "bob", "--role", "wizard"), "VALIDATION (role): role must be one of sales_rep"),
        (("user", "set-role", "maria", "wizard"), "VALIDATION (role)"),
        (("token", "create", "--user", "bob", "--role", "sales_rep", "--expires-in", "soon"), "VALIDATION (expiresIn)"),
        (("user", "deactivate", "nobody"), "NOT_FOUND (user)"),
    ],
    ids=["unknown role", "unknown new role", "bad lifetime", "no such user"],
)
def test_a_bad_request_is_a_one_line_error_and_changes_nothing(salesflow, args, starts):
    salesflow("token", "create", "--user", "maria", "--role", "sales_rep")
    before = salesflow("user", "list", "--json")[1] + salesflow("token", "list", "--json")[1]
    one_line_refusal(*salesflow(*args)[::2], starts)
    assert salesflow("user", "list", "--json")[1] + salesflow("token", "list", "--json")[1] == before


def test_users_are_listed_with_their_role_state_and_usable_tokens(salesflow):
    for name, role in (("maria", "sales_rep"), ("maria", "sales_rep"), ("root", "admin")):
        salesflow("token", "create", "--user", name, "--role", role)
    code, out, _err = salesflow("user", "list")
    assert code == 0 and [line.split()[:4] for line in out.strip().splitlines()] == [
        ["NAME", "ROLE", "ACTIVE", "TOKENS"],
        ["maria", "sales_rep", "yes", "2"],
        ["root", "admin", "yes", "1"],
    ]


def test_a_user_is_deactivated_and_reactivated_and_given_another_role(salesflow, url):
    secret = salesflow("token", "create", "--user", "maria", "--role", "sales_rep")[1].strip()
    code, out, _err = salesflow("user", "deactivate", "maria")
    assert code == 0 and out.strip() == "maria is deactivated: its tokens are refused" and not works(url, secret)
    assert json.loads(salesflow("user", "reactivate", "maria", "--json")[1])["active"] is True
    assert works(url, secret)
    assert salesflow("user", "activate", "maria")[1].strip() == "maria is active again"
    assert json.loads(salesflow("user", "set-role", "maria", "sales_manager", "--json")[1])["role"] == "sales_manager"


def test_the_last_active_admin_is_kept(salesflow):
    salesflow("token", "create", "--user", "root", "--role", "admin")
    one_line_refusal(*salesflow("user", "set-role", "root", "sales_manager")[::2], "LAST_ADMIN (user)")
    one_line_refusal(*salesflow("user", "deactivate", "root")[::2], "LAST_ADMIN (user)")
    salesflow("token", "create", "--user", "deputy", "--role", "admin")
    assert salesflow("user", "deactivate", "root")[0] == 0
