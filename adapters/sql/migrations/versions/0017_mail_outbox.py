"""mail outbox: e-mails of sent quotes and issued invoices, written with the transition, sent by the worker

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import salesflow.adapters.sql.types

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "mails",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_type", sa.String(length=32), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", salesflow.adapters.sql.types.UTCDateTime(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("message_id", sa.String(length=200), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("sent_at", salesflow.adapters.sql.types.UTCDateTime(), nullable=True),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("created_at", salesflow.adapters.sql.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", salesflow.adapters.sql.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('queued', 'sending', 'sent', 'dead', 'uncertain')", name=op.f("ck_mails_status")
        ),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_mails_actor_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mails")),
    )
    op.create_index("ix_mails_document", "mails", ["document_type", "document_id"], unique=False)
    op.create_index("ix_mails_due", "mails", ["status", "next_attempt_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_mails_due", table_name="mails")
    op.drop_index("ix_mails_document", table_name="mails")
    op.drop_table("mails")
