"""tokens expire, remember when they were revoked and (to the hour) when they were last used

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-23 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import salesflow.adapters.sql.types

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

COLUMNS = ("revoked_at", "expires_at", "last_used_at")


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column("api_tokens", sa.Column(name, salesflow.adapters.sql.types.UTCDateTime(), nullable=True))
    # A token revoked before this revision was revoked at its last change, at the latest.
    op.execute("UPDATE api_tokens SET revoked_at = updated_at WHERE revoked")


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        for name in reversed(COLUMNS):
            batch.drop_column(name)
