"""initial schema: the sales documents, their lines, activities, number series

Issued invoices are protected by triggers as well as by the application: once an invoice has
left draft its number, amounts and lines can no longer change, and it can never be deleted.

Revision ID: 0001
Revises:
Create Date: 2026-11-22 20:41:44.985000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import salesflow.adapters.sql.types

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


# What may never change on an invoice once it is issued (status and payments still move, but never
# back to draft, which would reopen it for editing).
_FROZEN = (
    "number",
    "currency",
    "order_id",
    "subtotal",
    "discount_total",
    "tax_total",
    "total",
    "issue_date",
    "due_date",
    "account_id",
)
_CHANGED = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in _FROZEN)
_MESSAGE = "issued invoices are immutable"

IMMUTABLE_INVOICES = {
    "sqlite": [
        f"""CREATE TRIGGER invoices_immutable BEFORE UPDATE ON invoices
            WHEN OLD.status <> 'draft' AND (NEW.status = 'draft' OR {_CHANGED.replace("IS DISTINCT FROM", "IS NOT")})
            BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END""",
        f"""CREATE TRIGGER invoices_undeletable BEFORE DELETE ON invoices
            WHEN OLD.number IS NOT NULL BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END""",
        *(
            f"""CREATE TRIGGER invoice_lines_immutable_{event.lower()} BEFORE {event} ON invoice_lines
            WHEN (SELECT status FROM invoices WHERE id = {row}.invoice_id) <> 'draft'
            BEGIN SELECT RAISE(ABORT, '{_MESSAGE}'); END"""
            for event, row in (("INSERT", "NEW"), ("UPDATE", "OLD"), ("DELETE", "OLD"))
        ),
    ],
    "postgresql": [
        f"""CREATE FUNCTION salesflow_invoice_immutable() RETURNS trigger AS $$
            BEGIN
              IF TG_OP = 'DELETE' AND OLD.number IS NOT NULL THEN
                RAISE EXCEPTION '{_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
              END IF;
              IF TG_OP = 'UPDATE' AND OLD.status <> 'draft' AND (NEW.status = 'draft' OR {_CHANGED}) THEN
                RAISE EXCEPTION '{_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
              END IF;
              IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
              RETURN NEW;
            END $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER invoices_immutable BEFORE UPDATE OR DELETE ON invoices
            FOR EACH ROW EXECUTE FUNCTION salesflow_invoice_immutable()""",
        f"""CREATE FUNCTION salesflow_invoice_line_immutable() RETURNS trigger AS $$
            DECLARE parent_status text;
            BEGIN
              SELECT status INTO parent_status FROM invoices
                WHERE id = (CASE WHEN TG_OP = 'INSERT' THEN NEW.invoice_id ELSE OLD.invoice_id END);
              IF parent_status IS NOT NULL AND parent_status <> 'draft' THEN
                RAISE EXCEPTION '{_MESSAGE}' USING ERRCODE = 'integrity_constraint_violation';
              END IF;
              IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
              RETURN NEW;
            END $$ LANGUAGE plpgsql""",
        """CREATE TRIGGER invoice_lines_immutable BEFORE INSERT OR UPDATE OR DELETE ON invoice_lines
            FOR EACH ROW EXECUTE FUNCTION salesflow_invoice_line_immutable()""",
    ],
}
DROP_IMMUTABLE_INVOICES = {
    "sqlite": [
        "DROP TRIGGER invoices_immutable",
        "DROP TRIGGER invoices_undeletable",
        "DROP TRIGGER invoice_lines_immutable_insert",
        "DROP TRIGGER invoice_lines_immutable_update",
        "DROP TRIGGER invoice_lines_immutable_delete",
    ],
    "postgresql": [
        "DROP TRIGGER invoice_lines_immutable ON invoice_lines",
        "DROP TRIGGER invoices_immutable ON invoices",
        "DROP FUNCTION salesflow_invoice_line_immutable()",
        "DROP FUNCTION salesflow_invoice_immutable()",
    ],
}


def upgrade() -> None:
    op.create_table(
        "external_ids",
        sa.Column("module", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.Column("model", sa.String(length=64), nullable=False),
        sa.Column("res_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("module", "name", name=op.f("pk_external_ids")),
    )
    op.create_table(
        "number_series",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("padding", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_number_series")),
    )
    op.create_table(
        "stages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("probability", salesflow.adapters.sql.types.ScaledDecimal(6), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", salesflow.adapters.sql.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", salesflow.adapters.sql.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("probability >= 0", name=op.f("ck_stages_probability_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stages")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column("created_at", salesflow.adapters.sql.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", salesflow.adapters.sql.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "role IN ('sales_rep', 'sales_manager', 'accountant', 'integration', 'admin')", name=op.f("ck_users_role")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("name", name=op.f("uq_users_name")),
    )
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("website", sa.String(length=254), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", salesflow.adapters.sql.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", salesflow.adapters.sql.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_accounts_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_accounts_name_key"), ["name_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_accounts_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "activities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_type", sa.String(length=32), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("trigger", sa.String(length=40), nullable=False),
        sa.Column("from_state", sa.String(length=32), nullable=True),
        sa.Column("to_state", sa.String(length=32), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("at", salesflow.adapters.sql.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_activities_actor_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index("ix_activities_document", ["document_type", "document_id"], unique=False)

    op.create_table(
        "number_sequences",
        sa.Column("series_code", sa.String(length=32), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("next_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["series_code"], ["number_series.code"], name=op.f("fk_number_sequences_series_code_number_series")
        ),
        sa.PrimaryKeyConstraint("series_code", "year", name=op.f("pk_number_sequences")),
    )
    op.create_table(
        "contacts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("email_key", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("phone_key", sa.String(length=32), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", salesflow.adapters.sql.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", salesflow.adapters.sql.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_contacts_account_id_accounts")),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_contacts_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contacts")),
    )
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contacts_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contacts_email_key"), ["email_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_contacts_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contacts_phone_key"), ["phone_key"], unique=False)

    op.create_table(
        "leads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("contact_name", sa.String(length=200), nullable=True),
        sa.Column("company_name", sa.String(length=200), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=64), nullable=True),
        sa.Column("source", sa.String(length=120), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("disqualify_reason", sa.Text(), nullable=True),
        sa.Column("converted_account_id", sa.Integer(), nullable=True),
        sa.Column("converted_contact_id", sa.Integer(), nullable=True),
        sa.Column("converted_opportunity_id", sa.Integer(), nullable=True),
        sa.Column("converted_at", salesflow.adapters.sql.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("email_key", sa.String(length=254), nullable=True),
        sa.Column("phone_key", sa.String(length=32), nullable=True),
        sa.Column("company_key", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", salesflow.adapters.sql.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", salesflow.adapters.sql.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("status IN ('new', 'working', 'converted', 'disqualified')", name=op.f("ck_leads_status")),
        sa.ForeignKeyConstraint(
            ["converted_account_id"], ["accounts.id"], name=op.f("fk_leads_converted_account_id_accounts")
        ),
        sa.ForeignKeyConstraint(
            ["converted_contact_id"], ["contacts.id"], name=op.f("fk_leads_converted_contact_id_contacts")
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_leads_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_leads")),
    )
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_leads_company_key"), ["company_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_leads_email_key"), ["email_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_leads_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_leads_phone_key"), ["phone_key"], unique=False)

    op.create_table(
        "opportunities",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("stage_id", sa.Integer(), nullable=True),
        sa.Column("probability", salesflow.adapters.sql.types.ScaledDecimal(6), nullable=False),
        sa.Column("amount", salesflow.adapters.sql.types.ScaledDecimal(4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("contact_id", sa.Integer(), nullable=True),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("lost_reason", sa.Text(), nullable=True),
        sa.Column("expected_close", sa.Date(), nullable=True),
        sa.Column("live_orders", sa.Integer(), server_default="0", nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", salesflow.adapters.sql.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", salesflow.adapters.sql.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("live_orders >= 0", name=op.f("ck_opportunities_live_orders_not_negative")),
        sa.CheckConstraint("status IN ('open', 'won', 'lost')", name=op.f("ck_opportunities_status")),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_opportunities_account_id_accounts")),
        sa.ForeignKeyConstraint(["contact_id"], ["contacts.id"], name=op.f("fk_opportunities_contact_id_contacts")),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"], name=op.f("fk_opportunities_lead_id_leads")),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_opportunities_owner_id_users")),
        sa.ForeignKeyConstraint(["stage_id"], ["stages.id"], name=op.f("fk_opportunities_stage_id_stages")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_opportunities")),
    )
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_opportunities_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_opportunities_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_opportunities_stage_id"), ["stage_id"], unique=False)
    # leads and opportunities point at each other: the lead's side is added once both exist.
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.create_foreign_key(
            batch_op.f("fk_leads_converted_opportunity_id_opportunities"),
            "opportunities",
            ["converted_opportunity_id"],
            ["id"],
        )

    op.create_table(
        "quotes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("terms", sa.Text(), nullable=True),
        sa.Column("previous_revision_id", sa.Integer(), nullable=True),
        sa.Column("is_latest", sa.Boolean(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("subtotal", salesflow.adapters.sql.types.ScaledDecimal(4), nullable=False),
        sa.Column("discount_total", salesflow.adapters.sql.types.ScaledDecimal(4), nullable=False),
        sa.Column("tax_total", salesflow.adapters.sql.types.ScaledDecimal(4), nullable=False),
        sa.Column("total", salesflow.adapters.sql.types.ScaledDecimal(4), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", salesflow.adapters.sql.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", salesflow.adapters.sql.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('proforma', 'contract')", name=op.f("ck_quotes_kind")),
        sa.CheckConstraint(
            "status IN ('draft', 'sent', 'accepted', 'rejected', 'expired', 'superseded', 'canceled')",
            name=op.f("ck_quotes_status"),
        ),
        sa.ForeignKeyConstraint(
            ["opportunity_id"], ["opportunities.id"], name=op.f("fk_quotes_opportunity_id_opportunities")
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_quotes_owner_id_users")),
        sa.ForeignKeyConstraint(
            ["previous_revision_id"], ["quotes.id"], name=op.f("fk_quotes_previous_revision_id_quotes")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotes")),
        sa.UniqueConstraint("number", "revision", name="uq_quotes_number_revision"),
    )
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quotes_opportunity_id"), ["opportunity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_quotes_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(
            "uq_quotes_latest_revision",
            ["number"],
            unique=True,
            sqlite_where=sa.text("is_latest"),
            postgresql_where=sa.text("is_latest"),
        )

    op.create_table(
        "orders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("invoicing_policy", sa.String(length=16), nullable=False),
        sa.Column("opportunity_id", sa.Integer(), nullable=False),
        sa.Column("quote_id", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("subtotal", salesflow.adapters.sql.types.ScaledDecimal(4), nullable=False),
        sa.Column("discount_total", salesflow.adapters.sql.types.ScaledDecimal(4), nullable=False),
        sa.Column("tax_total", salesflow.adapters.sql.types.ScaledDecimal(4), nullable=False),
        sa.Column("total", salesflow.adapters.sql.types.ScaledDecimal(4), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", salesflow.adapters.sql.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", salesflow.adapters.sql.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "invoicing_policy IN ('per_delivery', 'on_completion', 'manual')", name=op.f("ck_orders_invoicing_policy")
        ),
        sa.CheckConstraint(
            "status IN ('open', 'partially_delivered', 'delivered', 'canceled')", name=op.f("ck_orders_status")
        ),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_orders_account_id_accounts")),
        sa.ForeignKeyConstraint(
            ["opportunity_id"], ["opportunities.id"], name=op.f("fk_orders_opportunity_id_opportunities")
        ),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_orders_owner_id_users")),
        sa.ForeignKeyConstraint(["quote_id"], ["quotes.id"], name=op.f("fk_orders_quote_id_quotes")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_orders")),
        sa.UniqueConstraint("number", name=op.f("uq_orders_number")),
    )
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_orders_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_orders_opportunity_id"), ["opportunity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_orders_owner_id"), ["owner_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_orders_quote_id"), ["quote_id"], unique=False)

    op.create_table(
        "quote_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quote_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("product_code", sa.String(length=64), nullable=True),
        sa.Column("quantity", salesflow.adapters.sql.types.ScaledDecimal(6), nullable=False),
        sa.Column("unit_price", salesflow.adapters.sql.types.ScaledDecimal(6), nullable=False),
        sa.Column("discount_percent", salesflow.adapters.sql.types.ScaledDecimal(6), nullable=False),
        sa.Column("tax_rate", salesflow.adapters.sql.types.ScaledDecimal(6), nullable=False),
        sa.Column("subtotal", salesflow.adapters.sql.types.ScaledDecimal(4), nullable=False),
        sa.Column("discount_amount", salesflow.adapters.sql.types.ScaledDecimal(4), nullable=False),
        sa.Column("net_amount", salesflow.adapters.sql.types.ScaledDecimal(4), nullable=False),
        sa.Column("tax_amount", salesflow.adapters.sql.types.ScaledDecimal(4), nullable=False),
        sa.Column("total", salesflow.adapters.sql.types.ScaledDecimal(4), nullable=False),
        sa.CheckConstraint("discount_percent >= 0", name=op.f("ck_quote_lines_discount_not_negative")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_quote_lines_quantity_positive")),
        sa.CheckConstraint("tax_rate >= 0", name=op.f("ck_quote_lines_tax_not_negative")),
        sa.CheckConstraint("unit_price >= 0", name=op.f("ck_quote_lines_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["quote_id"], ["quotes.id"], name=op.f("fk_quote_lines_quote_id_quotes"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote_lines")),
    )
    with op.batch_alter_table("quote_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quote_lines_quote_id"), ["quote_id"], unique=False)

    op.create_table(
        "deliveries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("delivered_at", salesflow.adapters.sql.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", salesflow.adapters.sql.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", salesflow.adapters.sql.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_deliveries_created_by_id_users")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_deliveries_order_id_orders")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deliveries")),
        sa.UniqueConstraint("number", name=op.f("uq_deliveries_number")),
    )
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deliveries_order_id"), ["order_id"], unique=False)

    op.create_table(
        "order_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("delivered_quantity", salesflow.adapters.sql.types.ScaledDecimal(6), nullable=False),
        sa.Column("invoiced_quantity", salesflow.adapters.sql.types.ScaledDecimal(6), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("product_code", sa.String(length=64), nullable=True),
        sa.Column("quantity", salesflow.adapters.sql.types.ScaledDecimal(6), nullable=False),
        sa.Column("unit_price", salesflow.adapters.sql.types.ScaledDecimal(6), nullable=False),
        sa.Column("discount_percent", salesflow.adapters.sql.types.ScaledDecimal(6), nullable=False),
        sa.Column("tax_rate", salesflow.adapters.sql.types.ScaledDecimal(6), nullable=False),
        sa.Column("subtotal", salesflow.adapters.sql.types.ScaledDecimal(4), nullable=False),
        sa.Column("discount_amount", salesflow.adapters.sql.types.ScaledDecimal(4), nullable=False),
        sa.Column("net_amount", salesflow.adapters.sql.types.ScaledDecimal(4), nullable=False),
        sa.Column("tax_amount", salesflow.adapters.sql.types.ScaledDecimal(4), nullable=False),
        sa.Column("total", salesflow.adapters.sql.types.ScaledDecimal(4), nullable=False),
        sa.CheckConstraint(
            "delivered_quantity >= 0 AND delivered_quantity <= quantity", name=op.f("ck_order_lines_delivered_range")
        ),
        sa.CheckConstraint("discount_percent >= 0", name=op.f("ck_order_lines_discount_not_negative")),
        sa.CheckConstraint(
            "invoiced_quantity >= 0 AND invoiced_quantity <= delivered_quantity",
            name=op.f("ck_order_lines_invoiced_range"),
        ),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_order_lines_quantity_positive")),
        sa.CheckConstraint("tax_rate >= 0", name=op.f("ck_order_lines_tax_not_negative")),
        sa.CheckConstraint("unit_price >= 0", name=op.f("ck_order_lines_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_order_lines_order_id_orders"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_order_lines")),
    )
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_order_lines_order_id"), ["order_id"], unique=False)

    op.create_table(
        "delivery_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=False),
        sa.Column("quantity", salesflow.adapters.sql.types.ScaledDecimal(6), nullable=False),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_delivery_lines_quantity_positive")),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["deliveries.id"],
            name=op.f("fk_delivery_lines_delivery_id_deliveries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"], ["order_lines.id"], name=op.f("fk_delivery_lines_order_line_id_order_lines")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_lines")),
    )
    with op.batch_alter_table("delivery_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_delivery_lines_delivery_id"), ["delivery_id"], unique=False)

    op.create_table(
        "invoices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=40), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("delivery_id", sa.Integer(), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("issue_date", sa.Date(), nullable=True),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("amount_paid", salesflow.adapters.sql.types.ScaledDecimal(4), nullable=False),
        sa.Column("void_reason", sa.Text(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("subtotal", salesflow.adapters.sql.types.ScaledDecimal(4), nullable=False),
        sa.Column("discount_total", salesflow.adapters.sql.types.ScaledDecimal(4), nullable=False),
        sa.Column("tax_total", salesflow.adapters.sql.types.ScaledDecimal(4), nullable=False),
        sa.Column("total", salesflow.adapters.sql.types.ScaledDecimal(4), nullable=False),
        sa.Column("status", sa.String(length=32), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", salesflow.adapters.sql.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", salesflow.adapters.sql.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "status IN ('draft', 'canceled') OR number IS NOT NULL", name=op.f("ck_invoices_issued_numbered")
        ),
        sa.CheckConstraint(
            "status IN ('draft', 'issued', 'partially_paid', 'paid', 'void', 'canceled')",
            name=op.f("ck_invoices_status"),
        ),
        sa.CheckConstraint("amount_paid >= 0 AND amount_paid <= total", name=op.f("ck_invoices_paid_range")),
        sa.ForeignKeyConstraint(["account_id"], ["accounts.id"], name=op.f("fk_invoices_account_id_accounts")),
        sa.ForeignKeyConstraint(["delivery_id"], ["deliveries.id"], name=op.f("fk_invoices_delivery_id_deliveries")),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_invoices_order_id_orders")),
        sa.ForeignKeyConstraint(["owner_id"], ["users.id"], name=op.f("fk_invoices_owner_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoices")),
        sa.UniqueConstraint("number", name=op.f("uq_invoices_number")),
    )
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoices_account_id"), ["account_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invoices_order_id"), ["order_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invoices_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "invoice_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("order_line_id", sa.Integer(), nullable=True),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("product_code", sa.String(length=64), nullable=True),
        sa.Column("quantity", salesflow.adapters.sql.types.ScaledDecimal(6), nullable=False),
        sa.Column("unit_price", salesflow.adapters.sql.types.ScaledDecimal(6), nullable=False),
        sa.Column("discount_percent", salesflow.adapters.sql.types.ScaledDecimal(6), nullable=False),
        sa.Column("tax_rate", salesflow.adapters.sql.types.ScaledDecimal(6), nullable=False),
        sa.Column("subtotal", salesflow.adapters.sql.types.ScaledDecimal(4), nullable=False),
        sa.Column("discount_amount", salesflow.adapters.sql.types.ScaledDecimal(4), nullable=False),
        sa.Column("net_amount", salesflow.adapters.sql.types.ScaledDecimal(4), nullable=False),
        sa.Column("tax_amount", salesflow.adapters.sql.types.ScaledDecimal(4), nullable=False),
        sa.Column("total", salesflow.adapters.sql.types.ScaledDecimal(4), nullable=False),
        sa.CheckConstraint("discount_percent >= 0", name=op.f("ck_invoice_lines_discount_not_negative")),
        sa.CheckConstraint("quantity > 0", name=op.f("ck_invoice_lines_quantity_positive")),
        sa.CheckConstraint("tax_rate >= 0", name=op.f("ck_invoice_lines_tax_not_negative")),
        sa.CheckConstraint("unit_price >= 0", name=op.f("ck_invoice_lines_price_not_negative")),
        sa.ForeignKeyConstraint(
            ["invoice_id"], ["invoices.id"], name=op.f("fk_invoice_lines_invoice_id_invoices"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["order_line_id"], ["order_lines.id"], name=op.f("fk_invoice_lines_order_line_id_order_lines")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_lines")),
    )
    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_invoice_lines_invoice_id"), ["invoice_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_invoice_lines_order_line_id"), ["order_line_id"], unique=False)

    op.create_table(
        "payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invoice_id", sa.Integer(), nullable=False),
        sa.Column("amount", salesflow.adapters.sql.types.ScaledDecimal(4), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("paid_at", sa.Date(), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", salesflow.adapters.sql.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", salesflow.adapters.sql.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount > 0", name=op.f("ck_payments_amount_positive")),
        sa.ForeignKeyConstraint(["invoice_id"], ["invoices.id"], name=op.f("fk_payments_invoice_id_invoices")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"], name=op.f("fk_payments_recorded_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payments")),
    )
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payments_invoice_id"), ["invoice_id"], unique=False)

    for statement in IMMUTABLE_INVOICES[op.get_bind().dialect.name]:
        op.execute(statement)


def downgrade() -> None:
    for statement in DROP_IMMUTABLE_INVOICES[op.get_bind().dialect.name]:
        op.execute(statement)
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_leads_converted_opportunity_id_opportunities"), type_="foreignkey")
    with op.batch_alter_table("payments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payments_invoice_id"))

    op.drop_table("payments")
    with op.batch_alter_table("invoice_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoice_lines_order_line_id"))
        batch_op.drop_index(batch_op.f("ix_invoice_lines_invoice_id"))

    op.drop_table("invoice_lines")
    with op.batch_alter_table("invoices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invoices_owner_id"))
        batch_op.drop_index(batch_op.f("ix_invoices_order_id"))
        batch_op.drop_index(batch_op.f("ix_invoices_account_id"))

    op.drop_table("invoices")
    with op.batch_alter_table("delivery_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_delivery_lines_delivery_id"))

    op.drop_table("delivery_lines")
    with op.batch_alter_table("order_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_order_lines_order_id"))

    op.drop_table("order_lines")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deliveries_order_id"))

    op.drop_table("deliveries")
    with op.batch_alter_table("quote_lines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quote_lines_quote_id"))

    op.drop_table("quote_lines")
    with op.batch_alter_table("orders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_orders_quote_id"))
        batch_op.drop_index(batch_op.f("ix_orders_owner_id"))
        batch_op.drop_index(batch_op.f("ix_orders_opportunity_id"))
        batch_op.drop_index(batch_op.f("ix_orders_account_id"))

    op.drop_table("orders")
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_quotes_latest_revision", sqlite_where=sa.text("is_latest"), postgresql_where=sa.text("is_latest")
        )
        batch_op.drop_index(batch_op.f("ix_quotes_owner_id"))
        batch_op.drop_index(batch_op.f("ix_quotes_opportunity_id"))

    op.drop_table("quotes")
    with op.batch_alter_table("opportunities", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_opportunities_stage_id"))
        batch_op.drop_index(batch_op.f("ix_opportunities_owner_id"))
        batch_op.drop_index(batch_op.f("ix_opportunities_account_id"))

    op.drop_table("opportunities")
    with op.batch_alter_table("leads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_leads_phone_key"))
        batch_op.drop_index(batch_op.f("ix_leads_owner_id"))
        batch_op.drop_index(batch_op.f("ix_leads_email_key"))
        batch_op.drop_index(batch_op.f("ix_leads_company_key"))

    op.drop_table("leads")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contacts_phone_key"))
        batch_op.drop_index(batch_op.f("ix_contacts_owner_id"))
        batch_op.drop_index(batch_op.f("ix_contacts_email_key"))
        batch_op.drop_index(batch_op.f("ix_contacts_account_id"))

    op.drop_table("contacts")
    op.drop_table("number_sequences")
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.drop_index("ix_activities_document")

    op.drop_table("activities")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_accounts_owner_id"))
        batch_op.drop_index(batch_op.f("ix_accounts_name_key"))

    op.drop_table("accounts")
    op.drop_table("users")
    op.drop_table("stages")
    op.drop_table("number_series")
    op.drop_table("external_ids")
