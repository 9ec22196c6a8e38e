"""search keys rewritten: Persian compounds found however they are spaced, phones by their number

The search key of every listed record is recomputed (domain/normalize.py `search_key`): a space
between two Arabic-script letters is dropped (پارس‌تک, پارس تک and پارستک are found by one another),
spaces, dashes and brackets between digits too (0912 345-6789 is one run of digits), and a phone
number is also kept in E.164 and in its national digits (0912 345 6789 is found by +98 912 345 and
0098 912 345). Duplicate keys are not affected. Only rows
whose key changes are written; versions and timestamps stay as they are.

Why a migration of its own and not `salesflow reindex` called from here: reindex reads the tables
as the installed release defines them, so once a later release adds a searched column (in its own,
later migration), a database upgraded from 0011 would have this step read a column that does not
exist yet. Like 0011, this one names its tables and columns as they are at this revision and uses
the domain's functions as they are when it runs (the same `rekey_table` that reindex uses).

Downgrading leaves the keys as they are: 0011's release looks for its folded query in them, which
still finds names, but a number typed with spaces or dashes (0912 345) misses phones, and a Persian
search with a space misses compounds, until its own `salesflow reindex` rewrites the keys.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

from alembic import op

from salesflow.adapters.sql.keys import plan, rekey_table

revision = "0012"
down_revision = "0011"
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
#: the searched columns that hold a phone number, at this revision
PHONES = frozenset({"phone"})


def upgrade() -> None:
    for name, searched in SEARCHED.items():
        rekey_table(op.get_bind(), name, *plan({}, searched, PHONES))


def downgrade() -> None:
    pass  # the keys stay (see above); there is no column to drop
