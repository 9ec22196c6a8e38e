"""Which table holds which domain class, derived from the dataclass fields and the table columns.

The domain classes stay plain: rows become instances through their own constructors, and the
unit of work (uow.py) writes back only what changed. The field and column names are the same by
design; `check()` proves it at import.
"""
from __future__ import annotations

from dataclasses import dataclass, fields
from functools import cached_property
from operator import attrgetter

from sqlalchemy import Table, bindparam, select

from ...domain.activity import Activity
from ...domain.invoice import Invoice, InvoiceLine, Payment, PaymentReversal
from ...domain.lead import Lead
from ...domain.opportunity import Opportunity, Stage
from ...domain.outbox import OutboxEntry
from ...domain.sync import RejectedPayment, SyncCursor, SyncJob
from ...domain.order import Delivery, DeliveryLine, Order, OrderLine
from ...domain.parties import Account, ApiToken, Contact, User
from ...domain.quote import Quote, QuoteLine
from . import tables as t


@dataclass(frozen=True)
class Mapping:
    cls: type
    table: Table
    lines: Mapping | None = None  # the child lines a document owns
    parent_key: str | None = None  # on a line mapping: the column pointing at its document
    order_by: str = "id"
    natural_key: str | None = None  # on a line mapping: unique within its document, in practice


    @cached_property
    def columns(self) -> tuple[str, ...]:
        return tuple(self.table.c.keys())

    @cached_property
    def versioned(self) -> bool:
        return "version" in self.table.c

    @cached_property
    def version_at(self) -> int | None:
        """Where the version sits in a row tuple."""
        return self.columns.index("version") if self.versioned else None

    @cached_property
    def values(self):
        """obj -> the tuple of its column values, in column order (what a snapshot is compared with)."""
        return attrgetter(*self.columns)

    def by_id(self, lock: bool):
        """SELECT one row by id (FOR UPDATE when locking; SQLite ignores it, its writers are serialised)."""
        query = select(self.table).where(self.table.c.id == bindparam("id"))
        return query.with_for_update() if lock else query

    def lines_of(self):
        """SELECT the lines of a set of documents, in their order."""
        lines = self.lines
        key = lines.table.c[lines.parent_key]
        return (select(lines.table).where(key.in_(bindparam("parents", expanding=True)))
                .order_by(key, lines.table.c[lines.order_by], lines.table.c.id))

    def check(self) -> None:
        names = {f.name for f in fields(self.cls)} - {"lines"}
        if names != set(self.columns):
            raise TypeError(f"{self.cls.__name__} fields and {self.table.name} columns differ: "
                            f"{sorted(names ^ set(self.columns))}")


def _document(cls, table, line_cls, line_table, parent_key, order_by="sequence", natural_key="sequence") -> Mapping:
    return Mapping(cls, table, lines=Mapping(line_cls, line_table, parent_key=parent_key, order_by=order_by,
                                             natural_key=natural_key))


MAPPINGS: dict[type, Mapping] = {m.cls: m for m in (
    Mapping(User, t.users),
    Mapping(Account, t.accounts),
    Mapping(Contact, t.contacts),
    Mapping(Stage, t.stages),
    Mapping(Lead, t.leads),
    Mapping(Opportunity, t.opportunities),
    _document(Quote, t.quotes, QuoteLine, t.quote_lines, "quote_id"),
    _document(Order, t.orders, OrderLine, t.order_lines, "order_id"),
    _document(Delivery, t.deliveries, DeliveryLine, t.delivery_lines, "delivery_id", order_by="id",
              natural_key="order_line_id"),
    _document(Invoice, t.invoices, InvoiceLine, t.invoice_lines, "invoice_id"),
    Mapping(Payment, t.payments),
    Mapping(PaymentReversal, t.payment_reversals),
    Mapping(Activity, t.activities),
    Mapping(ApiToken, t.api_tokens),
    Mapping(OutboxEntry, t.outbox),
    Mapping(SyncJob, t.sync_jobs),
    Mapping(SyncCursor, t.sync_cursors),
    Mapping(RejectedPayment, t.rejected_payments),
)}
for _m in MAPPINGS.values():
    _m.check()
    if _m.lines:
        _m.lines.check()
