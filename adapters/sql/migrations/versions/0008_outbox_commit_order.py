"""the outbox in commit order: entries carry their transaction id (PostgreSQL), cursors a position

The worker used to look back a fixed number of entries behind its cursor for transactions that
committed late; now it reads entries by (txid, id) up to the oldest running transaction, exactly
as the change feed does, so no entry can be skipped however late its transaction commits.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 01:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("outbox", sa.Column("txid", sa.BigInteger(), nullable=True))
    op.create_index("ix_outbox_txid_id", "outbox", ["txid", "id"], unique=False)
    op.add_column("sync_cursors", sa.Column("outbox_txid", sa.BigInteger(), server_default="0", nullable=False))
    if op.get_bind().dialect.name == "postgresql":
        # Entries written before this revision sort first; their jobs exist or are made on the next pass.
        op.execute("UPDATE outbox SET txid = 0")
        op.execute("UPDATE sync_cursors SET outbox_after = 0")


def downgrade() -> None:
    with op.batch_alter_table("sync_cursors") as batch:
        batch.drop_column("outbox_txid")
    op.drop_index("ix_outbox_txid_id", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("txid")
