"""Role permissions: on models (`security/access.csv`, Odoo's ir.model.access columns) and on
operations (`security/operations.csv`: which roles may run each mutation).

The two layers are Odoo's: access rights say which records a role may read or change at all;
operation rights are the `groups=` on a button, saying who may press it. Issuing an invoice and
recording a payment both write invoices, yet they are different people's work.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

#: Where the addon keeps its access rules (relative to the package root).
ACCESS_FILE = Path(__file__).resolve().parent.parent / "security" / "access.csv"
#: Who may run which operation (a mutation, by its GraphQL name).
OPERATIONS_FILE = ACCESS_FILE.with_name("operations.csv")
HEADER = ["id", "name", "model_id:id", "group_id:id", "perm_read", "perm_write", "perm_create", "perm_unlink"]


class Perm(StrEnum):
    READ = "read"
    WRITE = "write"
    CREATE = "create"
    UNLINK = "unlink"


ROLES = ("sales_rep", "sales_manager", "accountant", "integration", "admin")
#: Roles that see and change only the documents they own (a record rule on owner_id).
OWNER_SCOPED_ROLES = frozenset({"sales_rep"})


#: operations.csv: an operation, then one 0/1 column per role's group.
OPERATIONS_HEADER = ["operation", *(f"group_{role}" for role in ROLES)]


def parse_operations(text: str) -> frozenset[tuple[str, str]]:
    """(role, operation) pairs granted by an operations.csv; ValueError on a malformed file."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames != OPERATIONS_HEADER:
        raise ValueError(f"operation rules need the header {','.join(OPERATIONS_HEADER)}")
    runs, seen = set(), set()
    for row in reader:
        operation = (row["operation"] or "").strip()
        if not operation or operation in seen:
            raise ValueError(f"operation {operation!r} is empty or listed twice")
        seen.add(operation)
        for role in ROLES:
            flag = (row[f"group_{role}"] or "").strip()
            if flag not in ("0", "1"):
                raise ValueError(f"operation {operation}: group_{role} must be 0 or 1, not {flag!r}")
            if flag == "1":
                runs.add((role, operation))
    return frozenset(runs)


@dataclass(frozen=True)
class AccessPolicy:
    grants: frozenset[tuple[str, str, str]]  # (role, perm, model)
    runs: frozenset[tuple[str, str]] = frozenset()  # (role, operation)

    @classmethod
    def from_csv(cls, text: str, operations: str | None = None) -> AccessPolicy:
        """Model rights from an access.csv, and operation rights from an operations.csv if given."""
        reader = csv.DictReader(io.StringIO(text))
        if reader.fieldnames != HEADER:
            raise ValueError(f"access rules need the header {','.join(HEADER)}")
        grants = set()
        for row in reader:
            model = row["model_id:id"].removeprefix("model_salesflow_")
            role = row["group_id:id"].removeprefix("group_")
            for perm in Perm:
                if row[f"perm_{perm.value}"].strip() == "1":
                    grants.add((role, perm.value, model))
        return cls(frozenset(grants), parse_operations(operations) if operations is not None else frozenset())

    def may(self, role: str, perm: str | Perm, model: str) -> bool:
        """May a user with this role do `perm` on records of `model`?"""
        return (role, str(perm), model) in self.grants

    def may_run(self, role: str, operation: str) -> bool:
        """May a user with this role run `operation`? The one rule for mutations and availableActions:
        an operation nobody listed is refused to everyone."""
        return (role, operation) in self.runs

    def operations_of(self, role: str) -> list[str]:
        """The operations a role may run, sorted."""
        return sorted(op for (r, op) in self.runs if r == role)

    @staticmethod
    def owner_scoped(role: str) -> bool:
        return role in OWNER_SCOPED_ROLES

    def may_touch(self, user, perm: str | Perm, model: str, owner_id: int | None) -> bool:
        """Role permission plus the owner rule for owner-scoped roles."""
        if not self.may(user.role, perm, model):
            return False
        return not self.owner_scoped(user.role) or owner_id == user.id


_default: AccessPolicy | None = None


def default_policy() -> AccessPolicy:
    """The addon's own `security/access.csv` and `security/operations.csv`, parsed once."""
    global _default
    if _default is None:
        _default = AccessPolicy.from_csv(
            ACCESS_FILE.read_text(encoding="utf-8"), OPERATIONS_FILE.read_text(encoding="utf-8")
        )
    return _default
