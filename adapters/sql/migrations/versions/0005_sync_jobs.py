"""sync jobs (an outbox entry per backend, with retries) and a cursor per backend

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 00:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import salesflow.adapters.sql.types

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    stamp = salesflow.adapters.sql.types.UTCDateTime
    op.create_table(
        "sync_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("backend", sa.String(length=64), nullable=False),
        sa.Column("operation", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", stamp(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("external_ref", sa.String(length=200), nullable=True),
        sa.Column("created_at", stamp(), nullable=False),
        sa.Column("updated_at", stamp(), nullable=False),
        sa.CheckConstraint("operation IN ('push', 'void')", name=op.f("ck_sync_jobs_operation")),
        sa.CheckConstraint("status IN ('pending', 'done', 'dead')", name=op.f("ck_sync_jobs_status")),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], name=op.f("fk_sync_jobs_invoice_id_invoices")),
        sa.ForeignKeyConstraint(["outbox_id"], ["outbox.id"], name=op.f("fk_sync_jobs_outbox_id_outbox")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_jobs")),
        sa.UniqueConstraint("outbox_id", "backend", name="uq_sync_jobs_outbox_backend"),
    )
    op.create_index("ix_sync_jobs_due", "sync_jobs", ["backend", "status", "next_attempt_at"], unique=False)
    op.create_index(op.f("ix_sync_jobs_invoice_id"), "sync_jobs", ["invoice_id"], unique=False)
    op.create_table(
        "sync_cursors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("backend", sa.String(length=64), nullable=False),
        sa.Column("outbox_after", sa.Integer(), nullable=False),
        sa.Column("payments_cursor", sa.Text(), nullable=True),
        sa.Column("updated_at", stamp(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sync_cursors")),
        sa.UniqueConstraint("backend", name=op.f("uq_sync_cursors_backend")),
    )


def downgrade() -> None:
    op.drop_table("sync_cursors")
    op.drop_index(op.f("ix_sync_jobs_invoice_id"), table_name="sync_jobs")
    op.drop_index("ix_sync_jobs_due", table_name="sync_jobs")
    op.drop_table("sync_jobs")
