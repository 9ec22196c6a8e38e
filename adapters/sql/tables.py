"""The tables. Status CHECK constraints are generated from the lifecycle states in domain/status.py."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    func,
    literal_column,
    true,
)
from sqlalchemy import text as sql_text

from ...domain.access import ROLES
from ...domain.company import COMPANY_ID, IrrDisplay
from ...domain.mail import MailStatus
from ...domain.numbering import Calendar
from ...domain.outbox import OutboxOperation
from ...domain.status import STATUSES, InvoicingPolicy, QuoteKind
from ...domain.sync import JobStatus
from ...domain.text import MAX_LENGTH
from .types import Money, Quantity, UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def one_of(column: str, values, name: str | None = None) -> CheckConstraint:
    listed = ", ".join(f"'{v}'" for v in values)
    return CheckConstraint(f"{column} IN ({listed})", name=name or column)


def status_check(document: str) -> CheckConstraint:
    """CHECK (status IN …) from the document's lifecycle states."""
    return one_of("status", [s.value for s in STATUSES[document]])


def text(name: str, **kwargs) -> Column:
    """A text column as long as the domain allows that attribute to be."""
    return Column(name, String(MAX_LENGTH[name]), **kwargs)


def stamps() -> list[Column]:
    return [Column("created_at", UTCDateTime(), nullable=False), Column("updated_at", UTCDateTime(), nullable=False)]


def tax_identity() -> list[Column]:
    """The columns of domain.company.TaxIdentity: where a party is and its tax identifiers (canonical forms)."""
    return [
        Column("country", String(2)),
        text("address"),
        text("postal_code"),
        text("national_id"),
        text("economic_code"),
        text("tax_number"),
        text("tax_office"),
        text("vat_number"),
    ]


def document_columns(document: str) -> list:
    return [
        Column("status", String(32), nullable=False),
        status_check(document),
        Column("owner_id", ForeignKey("users.id"), index=True),
        Column("version", Integer, nullable=False),
        *stamps(),
    ]


def totals() -> list[Column]:
    return [
        Column("currency", String(3), nullable=False),
        Column("subtotal", Money(), nullable=False),
        Column("discount_total", Money(), nullable=False),
        Column("tax_total", Money(), nullable=False),
        Column("total", Money(), nullable=False),
    ]


def priced_line_columns() -> list:
    return [
        Column("sequence", Integer, nullable=False),
        Column("description", Text, nullable=False),
        text("product_code"),
        Column("quantity", Quantity(), nullable=False),
        Column("unit_price", Quantity(), nullable=False),
        Column("discount_percent", Quantity(), nullable=False),
        Column("tax_rate", Quantity(), nullable=False),
        Column("subtotal", Money(), nullable=False),
        Column("discount_amount", Money(), nullable=False),
        Column("net_amount", Money(), nullable=False),
        Column("tax_amount", Money(), nullable=False),
        Column("total", Money(), nullable=False),
        CheckConstraint("quantity > 0", name="quantity_positive"),
        CheckConstraint("unit_price >= 0", name="price_not_negative"),
        CheckConstraint("discount_percent >= 0", name="discount_not_negative"),
        CheckConstraint("tax_rate >= 0", name="tax_not_negative"),
    ]


users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    text("name", nullable=False, unique=True),
    Column("role", String(32), nullable=False),
    one_of("role", ROLES),
    Column("active", Boolean, nullable=False, server_default=true()),
    text("locale"),  # a BCP 47 tag of en, fa or tr; null: the request's Accept-Language decides
    *stamps(),
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True),
    text("name", nullable=False),
    Column("name_key", String(200), nullable=False, index=True),
    text("email"),
    text("phone"),
    text("website"),
    Column("owner_id", ForeignKey("users.id"), index=True),
    Column("version", Integer, nullable=False),
    *stamps(),
    *tax_identity(),  # 0013
)

company = Table(
    "company",
    metadata,
    Column("id", Integer, primary_key=True),
    CheckConstraint(f"id = {COMPANY_ID}", name="one_row"),
    text("legal_name", nullable=False),
    *tax_identity(),
    text("phone"),
    text("email"),
    Column("logo", LargeBinary),
    Column("logo_content_type", String(32)),
    CheckConstraint("(logo IS NULL) = (logo_content_type IS NULL)", name="logo_typed"),
    Column("bank_details", Text),
    Column("default_locale", String(35), nullable=False),
    Column("payment_terms", Text),
    Column("irr_display", String(8), nullable=False),
    one_of("irr_display", [d.value for d in IrrDisplay]),
    Column("version", Integer, nullable=False),
    *stamps(),
)

contacts = Table(
    "contacts",
    metadata,
    Column("id", Integer, primary_key=True),
    text("name", nullable=False),
    text("email"),
    Column("email_key", String(254), index=True),
    text("phone"),
    Column("phone_key", String(32), index=True),
    Column("account_id", ForeignKey("accounts.id"), index=True),
    Column("owner_id", ForeignKey("users.id"), index=True),
    Column("version", Integer, nullable=False),
    *stamps(),
)

stages = Table(
    "stages",
    metadata,
    Column("id", Integer, primary_key=True),
    text("name", nullable=False),
    Column("sequence", Integer, nullable=False),
    Column("probability", Quantity(), nullable=False),
    Column("active", Boolean, nullable=False, server_default=true()),
    CheckConstraint("probability >= 0", name="probability_range"),
    *stamps(),
)

leads = Table(
    "leads",
    metadata,
    Column("id", Integer, primary_key=True),
    text("title", nullable=False),
    text("contact_name"),
    text("company_name"),
    text("email"),
    text("phone"),
    text("source"),
    Column("notes", Text),
    Column("disqualify_reason", Text),
    Column("converted_account_id", ForeignKey("accounts.id")),
    Column("converted_contact_id", ForeignKey("contacts.id")),
    Column("converted_opportunity_id", ForeignKey("opportunities.id", use_alter=True)),
    Column("converted_at", UTCDateTime()),
    Column("email_key", String(254), index=True),
    Column("phone_key", String(32), index=True),
    Column("company_key", String(200), index=True),
    *document_columns("lead"),
)

opportunities = Table(
    "opportunities",
    metadata,
    Column("id", Integer, primary_key=True),
    text("title", nullable=False),
    Column("stage_id", ForeignKey("stages.id"), index=True),
    Column("probability", Quantity(), nullable=False),
    Column("amount", Money(), nullable=False),
    Column("currency", String(3)),
    Column("account_id", ForeignKey("accounts.id"), index=True),
    Column("contact_id", ForeignKey("contacts.id")),
    Column("lead_id", ForeignKey("leads.id")),
    Column("lost_reason", Text),
    Column("expected_close", Date),
    Column("live_orders", Integer, nullable=False, server_default="0"),
    CheckConstraint("live_orders >= 0", name="live_orders_not_negative"),
    *document_columns("opportunity"),
)

quotes = Table(
    "quotes",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(40), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("kind", String(16), nullable=False),
    one_of("kind", [k.value for k in QuoteKind]),
    Column("opportunity_id", ForeignKey("opportunities.id"), nullable=False, index=True),
    Column("valid_until", Date),
    Column("start_date", Date),
    Column("end_date", Date),
    Column("terms", Text),
    Column("previous_revision_id", ForeignKey("quotes.id")),
    Column("is_latest", Boolean, nullable=False),
    *totals(),
    *document_columns("quote"),
    UniqueConstraint("number", "revision", name="uq_quotes_number_revision"),
)
Index(
    "uq_quotes_latest_revision",
    quotes.c.number,
    unique=True,
    sqlite_where=quotes.c.is_latest,
    postgresql_where=quotes.c.is_latest,
)

quote_lines = Table(
    "quote_lines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("quote_id", ForeignKey("quotes.id", ondelete="CASCADE"), nullable=False, index=True),
    *priced_line_columns(),
)

orders = Table(
    "orders",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(40), nullable=False, unique=True),
    Column("invoicing_policy", String(16), nullable=False),
    one_of("invoicing_policy", [p.value for p in InvoicingPolicy]),
    Column("opportunity_id", ForeignKey("opportunities.id"), nullable=False, index=True),
    Column("quote_id", ForeignKey("quotes.id"), index=True),
    Column("account_id", ForeignKey("accounts.id"), index=True),
    Column("cancel_reason", Text),
    *totals(),
    *document_columns("order"),
)

order_lines = Table(
    "order_lines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("order_id", ForeignKey("orders.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("delivered_quantity", Quantity(), nullable=False),
    Column("invoiced_quantity", Quantity(), nullable=False),
    CheckConstraint("delivered_quantity >= 0 AND delivered_quantity <= quantity", name="delivered_range"),
    CheckConstraint("invoiced_quantity >= 0 AND invoiced_quantity <= delivered_quantity", name="invoiced_range"),
    *priced_line_columns(),
)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(40), nullable=False, unique=True),
    Column("order_id", ForeignKey("orders.id"), nullable=False, index=True),
    Column("delivered_at", UTCDateTime(), nullable=False),
    Column("created_by_id", ForeignKey("users.id")),
    *stamps(),
)

delivery_lines = Table(
    "delivery_lines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("delivery_id", ForeignKey("deliveries.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("order_line_id", ForeignKey("order_lines.id"), nullable=False),
    Column("quantity", Quantity(), nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
)

invoices = Table(
    "invoices",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("number", String(40), unique=True),
    Column("order_id", ForeignKey("orders.id"), nullable=False, index=True),
    Column("delivery_id", ForeignKey("deliveries.id")),
    Column("account_id", ForeignKey("accounts.id"), index=True),
    Column("issue_date", Date),
    Column("due_date", Date),
    Column("amount_paid", Money(), nullable=False),
    Column("void_reason", Text),
    *totals(),
    *document_columns("invoice"),
    CheckConstraint("status IN ('draft', 'canceled') OR number IS NOT NULL", name="issued_numbered"),
    CheckConstraint("amount_paid >= 0 AND amount_paid <= total", name="paid_range"),
)

invoice_lines = Table(
    "invoice_lines",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("invoice_id", ForeignKey("invoices.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("order_line_id", ForeignKey("order_lines.id"), index=True),
    *priced_line_columns(),
)

payments = Table(
    "payments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("invoice_id", ForeignKey("invoices.id"), nullable=False, index=True),
    Column("amount", Money(), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("paid_at", Date, nullable=False),
    text("reference"),
    Column("recorded_by_id", ForeignKey("users.id")),
    Column("source", String(64)),
    Column("external_id", String(200)),
    CheckConstraint("amount > 0", name="amount_positive"),
    *stamps(),
    Column("reversed_at", UTCDateTime()),  # 0010
    # One standing payment per backend id; a reversed one may come back (an edit undone in the ledger).
    Index(
        "uq_payments_standing_external_id",
        "source",
        "external_id",
        unique=True,
        sqlite_where=sql_text("reversed_at IS NULL"),
        postgresql_where=sql_text("reversed_at IS NULL"),
    ),
)

payment_reversals = Table(
    "payment_reversals",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("payment_id", ForeignKey("payments.id"), nullable=False, unique=True),
    Column("invoice_id", ForeignKey("invoices.id"), nullable=False, index=True),
    Column("amount", Money(), nullable=False),
    Column("reason", Text, nullable=False),
    Column("reversed_by_id", ForeignKey("users.id")),
    Column("source", String(64)),
    Column("external_id", String(200)),
    *stamps(),
)

activities = Table(
    "activities",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("document_type", String(32), nullable=False),
    Column("document_id", Integer, nullable=False),
    Column("trigger", String(40), nullable=False),
    Column("from_state", String(32)),
    Column("to_state", String(32), nullable=False),
    Column("actor_id", ForeignKey("users.id")),
    Column("at", UTCDateTime(), nullable=False),
    Column("reason", Text),
    Column("txid", BigInteger),  # on PostgreSQL the writing transaction's id (uow.SqlActivityLog); 0006
    Index("ix_activities_document", "document_type", "document_id"),
    Index("ix_activities_txid_id", "txid", "id"),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("user_id", ForeignKey("users.id"), nullable=False, index=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    text("label"),
    Column("revoked", Boolean, nullable=False, server_default=false()),
    *stamps(),
    Column("revoked_at", UTCDateTime()),  # 0009
    Column("expires_at", UTCDateTime()),
    Column("last_used_at", UTCDateTime()),
)

idempotency_keys = Table(
    "idempotency_keys",
    metadata,
    Column("user_id", ForeignKey("users.id"), primary_key=True),
    Column("key", String(MAX_LENGTH["idempotency_key"]), primary_key=True),
    Column("operation", String(64), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("result", Text),
    Column("created_at", UTCDateTime(), nullable=False),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("invoice_id", ForeignKey("invoices.id"), nullable=False, index=True),
    Column("operation", String(16), nullable=False),
    one_of("operation", [o.value for o in OutboxOperation]),
    Column("created_at", UTCDateTime(), nullable=False),
    Column("txid", BigInteger),  # on PostgreSQL the writing transaction's id (uow.SqlOutbox); 0008
    Index("ix_outbox_txid_id", "txid", "id"),
)

sync_jobs = Table(
    "sync_jobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("outbox_id", ForeignKey("outbox.id"), nullable=False),
    Column("invoice_id", ForeignKey("invoices.id"), nullable=False, index=True),
    Column("backend", String(64), nullable=False),
    Column("operation", String(16), nullable=False),
    one_of("operation", [o.value for o in OutboxOperation]),
    Column("status", String(16), nullable=False),
    one_of("status", [s.value for s in JobStatus]),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("last_error", Text),
    Column("external_ref", String(200)),
    *stamps(),
    UniqueConstraint("outbox_id", "backend", name="uq_sync_jobs_outbox_backend"),
    Index("ix_sync_jobs_due", "backend", "status", "next_attempt_at"),
)

sync_cursors = Table(
    "sync_cursors",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("backend", String(64), nullable=False, unique=True),
    Column("outbox_after", Integer, nullable=False),
    Column("outbox_txid", BigInteger, nullable=False, server_default="0"),
    Column("payments_cursor", Text),
    Column("updated_at", UTCDateTime(), nullable=False),
)

rejected_payments = Table(
    "rejected_payments",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("backend", String(64), nullable=False),
    Column("external_id", String(200), nullable=False),
    Column("invoice_number", String(200), nullable=False),
    Column("amount", Money()),
    Column("reported_amount", String(100), nullable=False),  # 0010
    Column("currency", String(16), nullable=False),
    Column("code", String(40), nullable=False),
    Column("message", Text, nullable=False),
    Column("created_at", UTCDateTime(), nullable=False),
    UniqueConstraint("backend", "external_id", name="uq_rejected_payments_backend_external_id"),
)

number_series = Table(
    "number_series",
    metadata,
    Column("code", String(32), primary_key=True),
    text("name", nullable=False),
    Column("prefix", String(16), nullable=False),
    Column("padding", Integer, nullable=False),
    Column("calendar", String(16), nullable=False, server_default=Calendar.GREGORIAN.value),  # 0015
    one_of("calendar", [c.value for c in Calendar]),
)

#: One counter per series and year of a calendar: a series that changed calendar keeps its old
#: runs apart from its new ones, whatever their year numbers (0015).
number_sequences = Table(
    "number_sequences",
    metadata,
    Column("series_code", ForeignKey("number_series.code"), primary_key=True),
    Column("calendar", String(16), primary_key=True, server_default=Calendar.GREGORIAN.value),
    Column("year", Integer, primary_key=True),
    Column("next_number", Integer, nullable=False),
    one_of("calendar", [c.value for c in Calendar]),
)

external_ids = Table(
    "external_ids",
    metadata,
    Column("module", String(64), primary_key=True),
    Column("name", String(128), primary_key=True),
    Column("model", String(64), nullable=False),
    Column("res_id", Integer, nullable=False),
)

# Documents a customer receives (domain/documents.py): bytes stored once under their SHA-256, the
# frozen facts of sent quotes and issued invoices, and which blob renders which document.
blobs = Table(
    "blobs",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("content_type", String(100), nullable=False),
    Column("size", Integer, nullable=False),
    Column("content", LargeBinary, nullable=False),
    *stamps(),
)

snapshots = Table(
    "snapshots",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("document_type", String(32), nullable=False),
    Column("document_id", Integer, nullable=False),
    Column("facts", Text, nullable=False),
    *stamps(),
    UniqueConstraint("document_type", "document_id", name="uq_snapshots_document"),
)

renditions = Table(
    "renditions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("document_type", String(32), nullable=False),
    Column("document_id", Integer, nullable=False),
    Column("format", String(8), nullable=False),
    Column("locale", String(16), nullable=False),
    Column("sha256", ForeignKey("blobs.sha256"), nullable=False),
    Column("frozen", Boolean, nullable=False),
    *stamps(),
    UniqueConstraint("document_type", "document_id", "format", "locale", "sha256", name="uq_renditions_rendering"),
)

signing_keys = Table(
    "signing_keys",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(64), nullable=False, unique=True),
    Column("secret", String(128), nullable=False),
    *stamps(),
)


# Mail to customers (domain/mail.py): written with the transition that asked for it, sent by the worker.
mails = Table(
    "mails",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("document_type", String(32), nullable=False),
    Column("document_id", Integer, nullable=False),
    Column("to_address", String(254), nullable=False),
    Column("locale", String(16), nullable=False),
    Column("status", String(16), nullable=False),
    one_of("status", [s.value for s in MailStatus]),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UTCDateTime(), nullable=False),
    Column("last_error", Text),
    Column("message_id", String(200)),
    Column("sha256", String(64)),
    Column("sent_at", UTCDateTime()),
    Column("actor_id", ForeignKey("users.id")),
    *stamps(),
    Index("ix_mails_document", "document_type", "document_id"),
    Index("ix_mails_due", "status", "next_attempt_at"),
)


#: Lists are paged newest first by default (ORDER BY created_at DESC, id DESC): an index per list
#: makes a page a short index walk instead of a sort of the whole table.
#: Each listed record also keeps its searched texts folded in one column (mapping.SEARCHED,
#: domain/normalize.py fold), written by the store with the row: what `filter: {search}` matches,
#: alike on SQLite and PostgreSQL. One plain text column, so a trigram or full-text index can cover it.
LISTED = (leads, accounts, contacts, opportunities, quotes, orders, invoices)
for _table in LISTED:
    Index(f"ix_{_table.name}_created_at_id", _table.c.created_at, _table.c.id)
for _table in (*LISTED, users):  # users are searched by name (admins' `users(filter: {search})`)
    _table.append_column(Column("search_key", Text, nullable=False, server_default=sql_text("''")))

#: What a list can be ordered by (schema/core/ordering.py OrderField's values), where its table has
#: the column; the id always breaks ties (queries.page_query: ORDER BY key, id).
SORTABLE = ("created_at", "updated_at", "id", "name", "title", "number", "amount", "total")
#: The filters that may keep a large share of a list (a sales rep's own documents, one status, one
#: stage of the pipeline): a page under one of them walks an index that starts with it. Filters that
#: keep a handful of rows (one account's, one order's) are served by their own index and a small sort.
PREFIXES = ((), ("owner_id",), ("status",), ("stage_id",))


def sort_key(table: Table, name: str):
    """The expression a list is ordered by: the column, or for a text that may be missing (a draft
    invoice's number) the column with the empty text in its place. An index on the same expression
    serves it, so the empty text is a literal: a bound parameter would not match the index."""
    column = table.c[name]
    if column.nullable and column.type.python_type is str:
        return func.coalesce(column, literal_column("''"))
    return column


def keyset_indexes(table: Table) -> list[tuple[str, tuple]]:
    """(name, expressions) of the indexes that serve every ordering of a list, under each prefix
    filter the table has: (prefix…, sort key, id). The default order's (created_at, id) is 0003's."""
    out = []
    for prefix in PREFIXES:
        if not all(p in table.c for p in prefix):
            continue
        for name in SORTABLE:
            if name not in table.c or (not prefix and name in ("id", "created_at")):
                continue
            keys = (*prefix, name) if name == "id" else (*prefix, name, "id")
            expressions = tuple(sort_key(table, k) if k == name else table.c[k] for k in keys)
            out.append((f"ix_{table.name}_{'_'.join(keys)}", expressions))
    return out


for _table in LISTED:
    for _name, _expressions in keyset_indexes(_table):
        Index(_name, *_expressions)
Index("ix_users_name_id", users.c.name, users.c.id)  # users are listed by name (schema/people)
Index("ix_rejected_payments_backend_id", rejected_payments.c.backend, rejected_payments.c.id)

#: The text indexes of each searched table (SQLite: FTS5 tables kept by triggers; PostgreSQL: GIN
#: indexes), made by migrations 0018 (trigrams) and 0019 (characters and pairs, for shorter terms).
#: Not tables of this metadata.
SEARCH_INDEXED = (*LISTED, users)


def search_index(table: Table) -> str:
    """The name of a searched table's text index (FTS5 table on SQLite, GIN index on PostgreSQL)."""
    return f"{table.name}_search"


def short_search_index(table: Table) -> str:
    """The name of the index of a searched table's key characters and pairs, for terms too short for a
    trigram (migration 0019: FTS5 table on SQLite, GIN index on PostgreSQL)."""
    return f"{table.name}_search_short"


def is_search_index(name: str) -> bool:
    """Is this table or index part of a text index (an FTS5 table, its shadow tables, a GIN index)?"""
    return any(name == search_index(t) or name.startswith(search_index(t) + "_") for t in SEARCH_INDEXED)


def described(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic's include_name: what the metadata describes, which is all but the text indexes (made by
    migration 0018 in each database's own terms)."""
    return not (type_ in ("table", "index") and name is not None and is_search_index(name))
