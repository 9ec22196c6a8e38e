"""folded search keys on every listed record; duplicate keys recomputed for Persian and Turkish names

Every listed table gets `search_key`: its searched texts folded (case with İ/ı, accents, Arabic and
Persian letter variants, ZWNJ, digits of every script), which `filter: {search}` matches alike on
SQLite and PostgreSQL. Existing rows are backfilled here, and the duplicate keys are recomputed with
the new normalisation (Persian company names had no key at all; phones become E.164).

The keys are computed with the domain's functions as they are when this runs; the tables and
columns are named here as they are at this revision, not taken from the current tables module.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from salesflow.adapters.sql.keys import plan, rekey_table
from salesflow.domain.normalize import company_key, email_key, phone_key

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

#: table -> the columns folded into its search key, at this revision
SEARCHED = {
    "leads": ("title", "contact_name", "company_name", "email", "phone"),
    "accounts": ("name", "email", "phone", "website"),
    "contacts": ("name", "email", "phone"),
    "opportunities": ("title",),
    "quotes": ("number",),
    "orders": ("number",),
    "invoices": ("number",),
    "users": ("name",),
}
#: table -> {duplicate key column: (derivation, source column)}, at this revision
DUPLICATE_KEYS = {
    "leads": {
        "email_key": (email_key, "email"),
        "phone_key": (phone_key, "phone"),
        "company_key": (lambda name: company_key(name) or None, "company_name"),
    },
    "accounts": {"name_key": (company_key, "name")},
    "contacts": {"email_key": (email_key, "email"), "phone_key": (phone_key, "phone")},
}


def _backfill(name: str) -> None:
    rekey_table(op.get_bind(), name, *plan(DUPLICATE_KEYS.get(name, {}), SEARCHED[name]))


def upgrade() -> None:
    for name in SEARCHED:
        op.add_column(name, sa.Column("search_key", sa.Text(), server_default=sa.text("''"), nullable=False))
        _backfill(name)


def downgrade() -> None:
    # Not in batch mode: rebuilding a table on SQLite would trip the invoice triggers and the foreign
    # keys; SQLite (3.35+) drops a plain column in place, as PostgreSQL does.
    for name in SEARCHED:
        op.drop_column(name, "search_key")
