"""Idempotency keys in their own table, reserved with INSERT … ON CONFLICT DO NOTHING.

A second transaction inserting the same (user, key) waits on the unique index until the first
one ends: if it committed, the insert does nothing and the stored result is read back; if it
rolled back, the insert goes through and this call runs for real.
"""

from __future__ import annotations

from dataclasses import fields

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from ...domain.idempotency import IdempotencyRecord
from .tables import idempotency_keys as table

_FIELDS = [f.name for f in fields(IdempotencyRecord)]


def _insert(dialect: str):
    module = postgresql if dialect == "postgresql" else sqlite
    # RETURNING tells whether the row went in (rowcount is not reliable for ON CONFLICT on every driver)
    return module.insert(table).on_conflict_do_nothing(index_elements=["user_id", "key"]).returning(table.c.key)


class SqlIdempotencyStore:
    def __init__(self, connection: Connection):
        self.connection = connection

    def claim(self, record: IdempotencyRecord) -> IdempotencyRecord | None:
        values = {n: getattr(record, n) for n in _FIELDS}
        inserted = self.connection.execute(_insert(self.connection.dialect.name), values).first()
        if inserted is not None:
            return None
        row = self.connection.execute(
            select(table).where(table.c.user_id == record.user_id, table.c.key == record.key)
        ).one()
        return IdempotencyRecord(**row._asdict())

    def complete(self, record: IdempotencyRecord) -> None:
        self.connection.execute(
            update(table)
            .where(table.c.user_id == record.user_id, table.c.key == record.key)
            .values(result=record.result)
        )
