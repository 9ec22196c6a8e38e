"""the change feed: activities carry the id of the transaction that wrote them (PostgreSQL)

On PostgreSQL, row ids are taken when a row is inserted, not when its transaction commits, so
ordering by id alone could hand a reader a position that a slower transaction later fills in
behind. The feed orders by (txid, id) and shows only transactions older than every running one.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 00:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("activities", sa.Column("txid", sa.BigInteger(), nullable=True))
    op.create_index("ix_activities_txid_id", "activities", ["txid", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_activities_txid_id", table_name="activities")
    with op.batch_alter_table("activities") as batch:
        batch.drop_column("txid")
