"""Role permissions come from security/access.csv, in Odoo's ir.model.access columns."""

from __future__ import annotations

import csv
from types import SimpleNamespace

import pytest

from salesflow.domain.access import ACCESS_FILE, ROLES, AccessPolicy, Perm, default_policy
from salesflow.statemachine import LIFECYCLES

ODOO_HEADER = "id,name,model_id:id,group_id:id,perm_read,perm_write,perm_create,perm_unlink"
FIVE_ROLES = {"sales_rep", "sales_manager", "accountant", "integration", "admin"}


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    with ACCESS_FILE.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_access_csv_has_exactly_odoos_header():
    first_line = ACCESS_FILE.read_text(encoding="utf-8").splitlines()[0]
    assert first_line == ODOO_HEADER


def test_access_csv_rows_are_well_formed_odoo_rows(rows):
    ids = [r["id"] for r in rows]
    assert len(ids) == len(set(ids)), "external ids must be unique"
    for r in rows:
        assert None not in r and all(v is not None for v in r.values()), r
        assert r["model_id:id"].startswith("model_salesflow_"), r
        assert r["group_id:id"].startswith("group_"), r
        assert {r[f"perm_{p}"] for p in ("read", "write", "create", "unlink")} <= {"0", "1"}, r


def test_every_one_of_the_five_roles_has_a_row_for_every_model(rows):
    roles = {r["group_id:id"].removeprefix("group_") for r in rows}
    assert roles == FIVE_ROLES == set(ROLES)
    models = {r["model_id:id"].removeprefix("model_salesflow_") for r in rows}
    assert set(LIFECYCLES) <= models
    assert {"account", "contact", "stage", "payment", "activity", "user"} <= models
    grid = {(r["group_id:id"].removeprefix("group_"), r["model_id:id"].removeprefix("model_salesflow_")) for r in rows}
    assert grid == {(role, model) for role in roles for model in models}
    assert len(rows) == len(grid), "one row per role and model"


@pytest.mark.parametrize(
    "role, perm, model, expected",
    [
        ("sales_rep", "read", "lead", True),
        ("sales_rep", "create", "quote", True),
        ("sales_rep", "unlink", "lead", False),
        ("sales_rep", "write", "invoice", False),
        ("sales_rep", "write", "stage", False),
        ("sales_manager", "unlink", "opportunity", True),
        ("sales_manager", "write", "stage", True),
        ("sales_manager", "create", "payment", False),
        ("accountant", "read", "lead", False),
        ("accountant", "write", "invoice", True),
        ("accountant", "create", "payment", True),
        ("accountant", "write", "quote", False),
        ("integration", "create", "payment", True),
        ("integration", "write", "invoice", True),
        ("integration", "create", "invoice", False),
        ("integration", "read", "user", False),
        ("admin", "unlink", "invoice", True),
        ("admin", "write", "user", True),
        ("nobody", "read", "lead", False),
        ("admin", "read", "unknown_model", False),
    ],
)
def test_the_default_policy_answers_from_the_csv(role, perm, model, expected):
    assert default_policy().may(role, perm, model) is expected
    assert default_policy().may(role, Perm(perm), model) is expected


def test_admin_may_do_everything_on_every_model(rows):
    policy = default_policy()
    models = {r["model_id:id"].removeprefix("model_salesflow_") for r in rows}
    assert all(policy.may("admin", perm, model) for perm in Perm for model in models)


def test_the_default_policy_is_parsed_once():
    assert default_policy() is default_policy()


def test_sales_rep_is_owner_scoped_and_the_others_are_not():
    policy = default_policy()
    assert policy.owner_scoped("sales_rep")
    assert not any(policy.owner_scoped(role) for role in FIVE_ROLES - {"sales_rep"})

    rep = SimpleNamespace(id=7, role="sales_rep")
    assert policy.may_touch(rep, Perm.WRITE, "quote", owner_id=7)
    assert not policy.may_touch(rep, Perm.WRITE, "quote", owner_id=8)
    assert not policy.may_touch(rep, Perm.READ, "lead", owner_id=None)
    assert not policy.may_touch(rep, Perm.UNLINK, "lead", owner_id=7), "owning is not enough without the grant"

    manager = SimpleNamespace(id=1, role="sales_manager")
    assert policy.may_touch(manager, Perm.WRITE, "quote", owner_id=8)
    accountant = SimpleNamespace(id=2, role="accountant")
    assert not policy.may_touch(accountant, Perm.WRITE, "quote", owner_id=2)


def test_rules_without_odoos_header_are_refused():
    with pytest.raises(ValueError, match="header"):
        AccessPolicy.from_csv("id,model,group,read\nx,lead,sales_rep,1\n")


def test_a_perm_flag_other_than_one_grants_nothing():
    policy = AccessPolicy.from_csv(
        ODOO_HEADER + "\naccess_lead_rep,lead rep,model_salesflow_lead,group_sales_rep,1,0, ,\n"
    )
    assert policy.may("sales_rep", "read", "lead")
    assert not policy.may("sales_rep", "write", "lead")
    assert not policy.may("sales_rep", "create", "lead")
