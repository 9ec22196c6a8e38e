"""a text index for search terms of one or two characters, which have no trigram

Revision 0018's trigram indexes find a term of three characters or more; a shorter one was matched
row by row along the list, so one that no record holds read the whole list. This revision indexes
every character and every pair of adjacent characters of each `search_key`: a term of one or two
characters is in a key exactly when it is one of them, so the same rows are found, through an index.

- SQLite: an FTS5 table `<table>_search_short` whose document for a row is its key's characters and
  pairs, each written as a token of its UTF-8 bytes in hex ("ab" → `x6162`; UTF-8 is a prefix code, so
  no pair is ever written as a single character is, and the `ascii` tokenizer sees one word per token).
  Only which rows hold a token is kept (detail=none). The tokens are computed in SQL by the view
  `<table>_search_short_grams`, the FTS5 table's content: triggers, in the writing transaction, take a
  row's tokens out of the index before it is updated (its key or its id) or deleted, and put them in
  after it is inserted or updated, so the view is the one place the rule is written. Revision 0018's
  trigram index now also follows a row given another id. Neither follows an INSERT OR REPLACE typed
  by hand over an existing row: SQLite deletes the replaced row without firing delete triggers
  (unless recursive_triggers is on), so its old words stay findable; the store never writes one. A row edited by hand in the sqlite3
  shell keeps its index too: there is no function of ours in it.
- PostgreSQL: `salesflow_short_grams(text)`, an IMMUTABLE SQL function giving the key's characters
  (`string_to_array(k, NULL)`) and pairs as a text[], and a GIN index `<table>_search_short` on it.
  The query reads it only when a walk along the list has not filled the page (queries._limits).

The tables are named as they are at this revision.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-09 10:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

SEARCHED = ("leads", "accounts", "contacts", "opportunities", "quotes", "orders", "invoices", "users")

#: SQLite: the tokens of key `k` of row `t` (a recursive count over its characters: no function of ours).
SQLITE_GRAMS = (
    "(WITH RECURSIVE i(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM i WHERE n < length(t.search_key)) "
    "SELECT group_concat('x' || hex(substr(t.search_key, n, 1)) || ' x' || hex(substr(t.search_key, n, 2)), ' ') "
    "FROM i)"
)


POSTGRES_GRAMS = """
CREATE FUNCTION salesflow_short_grams(k text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT string_to_array(k, NULL) || array(SELECT substr(k, i, 2) FROM generate_series(1, length(k) - 1) AS i)
$$
"""


def _sqlite(table: str) -> list[str]:
    fts, view = f"{table}_search_short", f"{table}_search_short_grams"
    take_out = f"INSERT INTO {fts}({fts}, rowid, grams) SELECT 'delete', id, grams FROM {view} WHERE id = old.id;"
    put_in = f"INSERT INTO {fts}(rowid, grams) SELECT id, grams FROM {view} WHERE id = new.id;"
    return [
        f"CREATE VIEW {view} AS SELECT t.id AS id, {SQLITE_GRAMS} AS grams FROM {table} AS t",
        f"CREATE VIRTUAL TABLE {fts} USING fts5(grams, content='{view}', content_rowid='id', "
        "tokenize='ascii', detail=none)",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN {put_in} END",
        f"CREATE TRIGGER {fts}_delete BEFORE DELETE ON {table} BEGIN {take_out} END",
        f"CREATE TRIGGER {fts}_update_out BEFORE UPDATE OF search_key, id ON {table} BEGIN {take_out} END",
        f"CREATE TRIGGER {fts}_update_in AFTER UPDATE OF search_key, id ON {table} BEGIN {put_in} END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def _sqlite_trigram(table: str) -> list[str]:
    """Revision 0018's trigram index, kept through the same hand edit: a row given another id."""
    fts = f"{table}_search"
    delete = f"INSERT INTO {fts}({fts}, rowid, search_key) VALUES ('delete', old.id, old.search_key);"
    insert = f"INSERT INTO {fts}(rowid, search_key) VALUES (new.id, new.search_key);"
    return [
        f"DROP TRIGGER {fts}_update",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF search_key, id ON {table} BEGIN {delete} {insert} END",
    ]


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.execute(POSTGRES_GRAMS)
        for table in SEARCHED:
            op.execute(f"CREATE INDEX {table}_search_short ON {table} USING gin (salesflow_short_grams(search_key))")
        return
    for table in SEARCHED:
        for statement in (*_sqlite(table), *_sqlite_trigram(table)):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        for table in SEARCHED:
            op.execute(f"DROP INDEX {table}_search_short")
        op.execute("DROP FUNCTION salesflow_short_grams(text)")
        return
    for table in SEARCHED:
        fts = f"{table}_search_short"
        for trigger in ("insert", "delete", "update_out", "update_in"):
            op.execute(f"DROP TRIGGER {fts}_{trigger}")
        op.execute(f"DROP TABLE {fts}")
        op.execute(f"DROP VIEW {fts}_grams")
        trigram = f"{table}_search"
        op.execute(f"DROP TRIGGER {trigram}_update")
        op.execute(
            f"CREATE TRIGGER {trigram}_update AFTER UPDATE OF search_key ON {table} BEGIN "
            f"INSERT INTO {trigram}({trigram}, rowid, search_key) VALUES ('delete', old.id, old.search_key); "
            f"INSERT INTO {trigram}(rowid, search_key) VALUES (new.id, new.search_key); END"
        )
