"""users.locale: the language a user reads messages in (a BCP 47 tag of en, fa or tr; null follows the request)

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 19:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


# Plain ALTER TABLE (SQLite has dropped columns since 3.35): a batch copy of `users` would drop the
# table that every document's owner_id refers to, which SQLite's foreign keys refuse.
def upgrade() -> None:
    op.add_column("users", sa.Column("locale", sa.String(35), nullable=True))


def downgrade() -> None:
    op.drop_column("users", "locale")
