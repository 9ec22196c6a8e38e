"""keyset indexes for every ordering of every list, and a text index over every search key

1. Keyset indexes. A page is `ORDER BY key, id` after a (key, id) position (queries.page_query), under
   the filters a large share of a list may pass (a sales rep's owner_id, one status, one stage): an
   index on (filter, key, id) for each makes every page a short index walk, never a sort of the
   table, at any size. A draft invoice has no number and is ordered as the empty text: that index
   is on the expression coalesce(number, ''), which the query writes the same way.
2. Text indexes over `search_key` (the folded texts a `filter: {search}` looks in, domain/normalize.py):
   - SQLite: an FTS5 table `<table>_search` with the trigram tokenizer (SQLite 3.34 or later), its
     content read from the table itself (content=, content_rowid=id), kept in step by triggers in the
     writing transaction; filled here from the rows already there ('rebuild').
   - PostgreSQL: a GIN index `<table>_search` on search_key with pg_trgm's gin_trgm_ops, which
     serves LIKE '%term%'. pg_trgm is an extension: it is created if missing. That needs the CREATE
     privilege on the database (pg_trgm is a trusted extension from PostgreSQL 13 on) or a
     superuser; a role without it stops the migration with an error that says what to run, and
     nothing of this revision is applied (one transaction). Search without the index would still
     answer, but read the whole table: a failure the operator sees at upgrade beats one a user
     finds in production.

The tables, columns and tokenizer are named as they are at this revision; the keyset rule is
tables.keyset_indexes's, written out for this revision's tables.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.exc import DBAPIError

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

SORTABLE = ("created_at", "updated_at", "id", "name", "title", "number", "amount", "total")
#: table -> (its prefix filters, its sortable columns), at this revision
LISTS = {
    "leads": ((("owner_id",), ("status",)), ("created_at", "updated_at", "id", "title")),
    "accounts": ((("owner_id",),), ("created_at", "updated_at", "id", "name")),
    "contacts": ((("owner_id",),), ("created_at", "updated_at", "id", "name")),
    "opportunities": (
        (("owner_id",), ("status",), ("stage_id",)),
        ("created_at", "updated_at", "id", "title", "amount"),
    ),
    "quotes": ((("owner_id",), ("status",)), ("created_at", "updated_at", "id", "number", "total")),
    "orders": ((("owner_id",), ("status",)), ("created_at", "updated_at", "id", "number", "total")),
    "invoices": ((("owner_id",), ("status",)), ("created_at", "updated_at", "id", "number", "total")),
}
#: sort keys that are expressions: a missing number sorts as the empty text
EXPRESSIONS = {("invoices", "number"): "coalesce(number, '')"}
OTHER_INDEXES = (
    ("ix_users_name_id", "users", ("name", "id")),
    ("ix_rejected_payments_backend_id", "rejected_payments", ("backend", "id")),
)
SEARCHED = ("leads", "accounts", "contacts", "opportunities", "quotes", "orders", "invoices", "users")
INSUFFICIENT_PRIVILEGE = "42501"


def keyset_indexes() -> list[tuple[str, str, list]]:
    out = []
    for table, (prefixes, sortable) in LISTS.items():
        for prefix in ((), *prefixes):
            for name in sortable:
                if not prefix and name in ("id", "created_at"):  # the primary key, and 0003's index
                    continue
                keys = (*prefix, name) if name == "id" else (*prefix, name, "id")
                columns = [sa.text(EXPRESSIONS[table, k]) if (table, k) in EXPRESSIONS else k for k in keys]
                out.append((f"ix_{table}_{'_'.join(keys)}", table, columns))
    return out


def _sqlite_search(table: str) -> list[str]:
    fts = f"{table}_search"
    delete = f"INSERT INTO {fts}({fts}, rowid, search_key) VALUES ('delete', old.id, old.search_key);"
    insert = f"INSERT INTO {fts}(rowid, search_key) VALUES (new.id, new.search_key);"
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5(search_key, content='{table}', content_rowid='id', "
        "tokenize='trigram case_sensitive 1')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {insert} END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN {delete} END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF search_key ON {table} BEGIN {delete} {insert} END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def _pg_trgm(bind) -> None:
    if bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first():
        return
    database = bind.execute(sa.text("SELECT current_database()")).scalar_one()
    try:
        bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    except DBAPIError as err:
        if getattr(err.orig, "sqlstate", None) != INSUFFICIENT_PRIVILEGE:
            raise
        raise RuntimeError(
            f"text search needs the PostgreSQL extension pg_trgm, which this role may not create in "
            f"{database}: have its owner or a superuser run `CREATE EXTENSION pg_trgm;` in it, then "
            "run `salesflow migrate` again (nothing of revision 0018 was applied)"
        ) from err


def upgrade() -> None:
    bind = op.get_bind()
    for name, table, columns in (*keyset_indexes(), *OTHER_INDEXES):
        op.create_index(name, table, list(columns), unique=False)
    if bind.dialect.name == "sqlite":
        for table in SEARCHED:
            for statement in _sqlite_search(table):
                op.execute(statement)
        return
    _pg_trgm(bind)
    for table in SEARCHED:
        op.execute(f"CREATE INDEX {table}_search ON {table} USING gin (search_key gin_trgm_ops)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for table in SEARCHED:
            for event in ("insert", "delete", "update"):
                op.execute(f"DROP TRIGGER {table}_search_{event}")
            op.execute(f"DROP TABLE {table}_search")
    else:
        for table in SEARCHED:
            op.execute(f"DROP INDEX {table}_search")
    for name, table, _columns in reversed((*keyset_indexes(), *OTHER_INDEXES)):
        op.drop_index(name, table_name=table)
