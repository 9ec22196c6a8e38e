"""payments pulled from accounting backends: applied once per (backend, external id); refused ones kept

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 01:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import salesflow.adapters.sql.types

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("payments") as batch:
        batch.add_column(sa.Column("source", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("external_id", sa.String(length=200), nullable=True))
        batch.create_unique_constraint("uq_payments_source_external_id", ["source", "external_id"])
    op.create_table(
        "rejected_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("backend", sa.String(length=64), nullable=False),
        sa.Column("external_id", sa.String(length=200), nullable=False),
        sa.Column("invoice_number", sa.String(length=200), nullable=False),
        sa.Column("amount", salesflow.adapters.sql.types.ScaledDecimal(4), nullable=False),
        sa.Column("currency", sa.String(length=16), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", salesflow.adapters.sql.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rejected_payments")),
        sa.UniqueConstraint("backend", "external_id", name="uq_rejected_payments_backend_external_id"),
    )


def downgrade() -> None:
    op.drop_table("rejected_payments")
    with op.batch_alter_table("payments") as batch:
        batch.drop_constraint("uq_payments_source_external_id", type_="unique")
        batch.drop_column("external_id")
        batch.drop_column("source")
