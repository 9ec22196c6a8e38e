"""payment reversals: a payment taken back is marked reversed and its reversal recorded; refused
payments keep the number as reported, whatever its size

A reversal is its own record (who, when, why, which payment, and the backend's id for it); the
payment stays. Only standing (unreversed) payments are unique per backend id, so a payment that
disappeared from a backend and came back (an edit undone) applies again. A refused payment's
amount is kept as text (`reported_amount`) and as an amount only when it can be one: a ledger line
typed as 1e20 is kept and shown, not a crash of every sync.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-24 09:00:00
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa
from alembic import op

import salesflow.adapters.sql.types

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

STANDING = sa.text("reversed_at IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("payments") as batch:
        batch.add_column(sa.Column("reversed_at", salesflow.adapters.sql.types.UTCDateTime(), nullable=True))
        batch.drop_constraint("uq_payments_source_external_id", type_="unique")
    op.create_index(
        "uq_payments_standing_external_id",
        "payments",
        ["source", "external_id"],
        unique=True,
        sqlite_where=STANDING,
        postgresql_where=STANDING,
    )
    op.create_table(
        "payment_reversals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("payment_id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("amount", salesflow.adapters.sql.types.ScaledDecimal(4), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("reversed_by_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=64), nullable=True),
        sa.Column("external_id", sa.String(length=200), nullable=True),
        sa.Column("created_at", salesflow.adapters.sql.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", salesflow.adapters.sql.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["payment_id"], ["payments.id"], name=op.f("fk_payment_reversals_payment_id_payments")),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], name=op.f("fk_payment_reversals_invoice_id_invoices")),
        sa.ForeignKeyConstraint(
            ["reversed_by_id"], ["users.id"], name=op.f("fk_payment_reversals_reversed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_reversals")),
        sa.UniqueConstraint("payment_id", name=op.f("uq_payment_reversals_payment_id")),
    )
    op.create_index(op.f("ix_payment_reversals_invoice_id"), "payment_reversals", ["invoice_id"], unique=False)
    with op.batch_alter_table("rejected_payments") as batch:
        batch.add_column(sa.Column("reported_amount", sa.String(length=100), nullable=True))
        batch.alter_column("amount", existing_type=salesflow.adapters.sql.types.ScaledDecimal(4), nullable=True)
    rejected = sa.table(
        "rejected_payments",
        sa.column("id", sa.Integer()),
        sa.column("amount", salesflow.adapters.sql.types.ScaledDecimal(4)),
        sa.column("reported_amount", sa.String()),
    )
    bind = op.get_bind()
    for ident, amount in bind.execute(sa.select(rejected.c.id, rejected.c.amount)).all():
        text = format(Decimal(amount).normalize(), "f") if amount is not None else ""
        bind.execute(rejected.update().where(rejected.c.id == ident).values(reported_amount=text))
    with op.batch_alter_table("rejected_payments") as batch:
        batch.alter_column("reported_amount", existing_type=sa.String(length=100), nullable=False)


def downgrade() -> None:
    bind = op.get_bind()
    bind.execute(sa.text("DELETE FROM rejected_payments WHERE amount IS NULL"))
    with op.batch_alter_table("rejected_payments") as batch:
        batch.alter_column("amount", existing_type=salesflow.adapters.sql.types.ScaledDecimal(4), nullable=False)
        batch.drop_column("reported_amount")
    op.drop_index(op.f("ix_payment_reversals_invoice_id"), table_name="payment_reversals")
    op.drop_table("payment_reversals")
    op.drop_index("uq_payments_standing_external_id", table_name="payments")
    # A reversed payment keeps its external id, which a later one may share: the old constraint
    # cannot come back over those, so they lose the id they no longer stand for.
    bind.execute(sa.text("UPDATE payments SET external_id = NULL WHERE reversed_at IS NOT NULL"))
    with op.batch_alter_table("payments") as batch:
        batch.create_unique_constraint("uq_payments_source_external_id", ["source", "external_id"])
        batch.drop_column("reversed_at")
