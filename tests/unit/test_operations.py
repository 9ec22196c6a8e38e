"""Who may run which operation: security/operations.csv, one row per mutation, one 0/1 column per
role. Mutations and availableActions both ask `AccessPolicy.may_run`; nothing unlisted runs."""

from __future__ import annotations

import csv

import graphql
import pytest

from salesflow.domain.access import OPERATIONS_FILE, ROLES, AccessPolicy, default_policy
from salesflow.schema.core.actions import ACTIONS, EXTRA
from salesflow.schema.schema import sdl

HEADER = "operation,group_sales_rep,group_sales_manager,group_accountant,group_integration,group_admin"
ACCESS_HEADER = "id,name,model_id:id,group_id:id,perm_read,perm_write,perm_create,perm_unlink"
POLICY = default_policy()


def _names() -> set[str]:
    """The mutations of the schema, read from its SDL."""
    return set(graphql.build_schema(sdl()).mutation_type.fields)


def rows() -> list[dict]:
    with OPERATIONS_FILE.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_operations_csv_has_one_column_per_role_and_only_zeros_and_ones():
    assert OPERATIONS_FILE.read_text(encoding="utf-8").splitlines()[0] == HEADER
    assert [c.removeprefix("group_") for c in HEADER.split(",")[1:]] == list(ROLES)
    for row in rows():
        assert {row[f"group_{r}"] for r in ROLES} <= {"0", "1"}, row


def test_every_mutation_of_the_schema_has_exactly_one_row_and_every_row_is_a_mutation():
    listed = [row["operation"] for row in rows()]
    assert len(listed) == len(set(listed)), "an operation is listed twice"
    assert set(listed) == _names(), (
        "mutations without a row are refused to everyone; rows without a mutation "
        f"are stale: {sorted(set(listed) ^ _names())}"
    )


@pytest.mark.parametrize(
    "operation, who",
    [
        # Invoices use up gapless legal numbers and book receivables: issuing is the sales module's
        # last step (sales manager) or the accountant's; voiding reverses a booked document: accounting.
        ("issueInvoice", {"sales_manager", "accountant", "admin"}),
        ("voidInvoice", {"accountant", "admin"}),
        ("convertOrderToInvoice", {"sales_manager", "accountant", "admin"}),
        # Cash: whoever sells does not also record the money coming in (segregation of duties);
        # an integration pushes the payments a bank or payment provider reports.
        ("recordPayment", {"accountant", "integration", "admin"}),
        ("retryInvoiceSync", {"accountant", "admin"}),
        # The sales process and the sales documents.
        ("createStage", {"sales_manager", "admin"}),
        ("updateStage", {"sales_manager", "admin"}),
        ("reorderStages", {"sales_manager", "admin"}),
        ("cancelOrder", {"sales_rep", "sales_manager", "admin"}),
        ("convertQuoteToOrder", {"sales_rep", "sales_manager", "admin"}),
        ("createLead", {"sales_rep", "sales_manager", "admin"}),
        # People: admins only.
        ("createToken", {"admin"}),
        ("revokeToken", {"admin"}),
        ("setUserRole", {"admin"}),
        ("deactivateUser", {"admin"}),
        ("reactivateUser", {"admin"}),
    ],
)
def test_who_may_run_each_sensitive_operation(operation, who):
    assert {role for role in ROLES if POLICY.may_run(role, operation)} == who


def test_an_integration_may_record_payments_and_nothing_else():
    assert POLICY.operations_of("integration") == ["recordPayment"]


def test_an_operation_nobody_listed_is_refused_to_everyone_even_an_admin():
    assert not any(POLICY.may_run(role, "dropEverything") for role in ROLES)


def test_every_available_action_is_an_operation_with_a_row():
    named = {name for table in ACTIONS.values() for name in table.values()}
    named |= {name for extras in EXTRA.values() for name, _states, _condition in extras}
    assert named <= {row["operation"] for row in rows()}


@pytest.mark.parametrize(
    "text, problem",
    [
        ("operation,group_admin\ncreateLead,1\n", "header"),
        (HEADER + "\ncreateLead,1,1,0,0,1\ncreateLead,1,1,0,0,1\n", "twice"),
        (HEADER + "\ncreateLead,1,yes,0,0,1\n", "0 or 1"),
        (HEADER + "\n,1,1,0,0,1\n", "empty"),
    ],
)
def test_a_malformed_operations_file_is_refused(text, problem):
    with pytest.raises(ValueError, match=problem):
        AccessPolicy.from_csv(ACCESS_HEADER + "\n", text)


def test_a_policy_read_without_operations_runs_nothing():
    policy = AccessPolicy.from_csv(
        ACCESS_HEADER + "\naccess_lead_admin,lead admin,model_salesflow_lead,group_admin,1,1,1,1\n"
    )
    assert policy.may("admin", "write", "lead") and not policy.may_run("admin", "createLead")
