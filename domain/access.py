"""Role permissions read from `security/access.csv` (Odoo's ir.model.access columns)."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

#: Where the addon keeps its access rules (relative to the package root).
ACCESS_FILE = Path(__file__).resolve().parent.parent / "security" / "access.csv"
HEADER = ["id", "name", "model_id:id", "group_id:id", "perm_read", "perm_write", "perm_create",
          "perm_unlink"]


class Perm(StrEnum):
    READ = "read"
    WRITE = "write"
    CREATE = "create"
    UNLINK = "unlink"


ROLES = ("sales_rep", "sales_manager", "accountant", "integration", "admin")
#: Roles that see and change only the documents they own (a record rule on owner_id).
OWNER_SCOPED_ROLES = frozenset({"sales_rep"})


@dataclass(frozen=True)
class AccessPolicy:
    grants: frozenset[tuple[str, str, str]]  # (role, perm, model)

    @classmethod
    def from_csv(cls, text: str) -> AccessPolicy:
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
        return cls(frozenset(grants))

    def may(self, role: str, perm: str | Perm, model: str) -> bool:
        """May a user with this role do `perm` on records of `model`?"""
        return (role, str(perm), model) in self.grants

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
    """The addon's own `security/access.csv`, parsed once."""
    global _default
    if _default is None:
        _default = AccessPolicy.from_csv(ACCESS_FILE.read_text(encoding="utf-8"))
    return _default
