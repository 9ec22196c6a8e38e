"""company profile and tax identifiers: the seller printed on every document, and the tax identity of accounts

A `company` table with its one row (id 1, a CHECK keeps it the only one), filled at install from
data/company.csv by the data loader and edited by an admin: legal name, address, contacts, logo (its
bytes and their content type, both or neither), bank details, default locale, payment terms, how IRR
amounts are shown, and the tax identity. Accounts get the same tax identity columns, all empty.

Identifiers are stored in canonical form (ASCII digits, no separators: domain/taxids.py); the columns
are as wide as the typed form may be.

Downgrading drops the company profile and the accounts' tax identity, and forgets that the profile
was loaded (its external id), so upgrading again loads data/company.csv anew.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-07 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import salesflow.adapters.sql.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def tax_identity() -> list[sa.Column]:
    """The tax identity columns, as they are at this revision."""
    return [
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("address", sa.String(length=1000), nullable=True),
        sa.Column("postal_code", sa.String(length=20), nullable=True),
        sa.Column("national_id", sa.String(length=32), nullable=True),
        sa.Column("economic_code", sa.String(length=32), nullable=True),
        sa.Column("tax_number", sa.String(length=32), nullable=True),
        sa.Column("tax_office", sa.String(length=120), nullable=True),
        sa.Column("vat_number", sa.String(length=32), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "company",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("legal_name", sa.String(length=200), nullable=False),
        *tax_identity(),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("logo", sa.LargeBinary(), nullable=True),
        sa.Column("logo_content_type", sa.String(length=32), nullable=True),
        sa.Column("bank_details", sa.Text(), nullable=True),
        sa.Column("default_locale", sa.String(length=35), nullable=False),
        sa.Column("payment_terms", sa.Text(), nullable=True),
        sa.Column("irr_display", sa.String(length=8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", salesflow.adapters.sql.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", salesflow.adapters.sql.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_company_one_row")),
        sa.CheckConstraint("(logo IS NULL) = (logo_content_type IS NULL)", name=op.f("ck_company_logo_typed")),
        sa.CheckConstraint("irr_display IN ('rial', 'toman')", name=op.f("ck_company_irr_display")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_company")),
    )
    with op.batch_alter_table("accounts") as batch:
        for column in tax_identity():
            batch.add_column(column)


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        for column in reversed(tax_identity()):
            batch.drop_column(column.name)
    op.drop_table("company")
    op.get_bind().execute(sa.text("DELETE FROM external_ids WHERE model = 'company'"))
