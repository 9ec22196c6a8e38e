"""the outbox: invoices issued or voided, for the accounting backends to hear of

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 00:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import salesflow.adapters.sql.types

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("operation", sa.String(length=16), nullable=False),
        sa.Column("created_at", salesflow.adapters.sql.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint("operation IN ('push', 'void')", name=op.f("ck_outbox_operation")),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], name=op.f("fk_outbox_invoice_id_invoices")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index(op.f("ix_outbox_invoice_id"), "outbox", ["invoice_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_outbox_invoice_id"), table_name="outbox")
    op.drop_table("outbox")
