"""indexes for the default list order (created_at, id) of every paged list

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 23:20:00
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

LISTED = ("leads", "accounts", "contacts", "opportunities", "quotes", "orders", "invoices")


def upgrade() -> None:
    for table in LISTED:
        op.create_index(f"ix_{table}_created_at_id", table, ["created_at", "id"], unique=False)


def downgrade() -> None:
    for table in LISTED:
        op.drop_index(f"ix_{table}_created_at_id", table_name=table)
