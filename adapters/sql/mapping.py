"""Which table holds which domain class, derived from the dataclass fields and the table columns.

The domain classes stay plain: rows become instances through their own constructors, and the
unit of work (uow.py) writes back only what changed. The field and column names are the same by
design; `check()` proves it at import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import cached_property, partial
from operator import attrgetter

from sqlalchemy import Table, bindparam, select

from ...domain.activity import Activity
from ...domain.company import Company
from ...domain.documents import Blob, Rendition, SigningKey, Snapshot
from ...domain.invoice import Invoice, InvoiceLine, Payment, PaymentReversal
from ...domain.lead import Lead
from ...domain.mail import Mail
from ...domain.normalize import search_key
from ...domain.opportunity import Opportunity, Stage
from ...domain.order import Delivery, DeliveryLine, Order, OrderLine
from ...domain.outbox import OutboxEntry
from ...domain.parties import Account, ApiToken, Contact, User
from ...domain.quote import Quote, QuoteLine
from ...domain.sync import RejectedPayment, SyncCursor, SyncJob
from . import tables as t


@dataclass(frozen=True)
class Mapping:
    cls: type
    table: Table
    lines: Mapping | None = None  # the child lines a document owns
    parent_key: str | None = None  # on a line mapping: the column pointing at its document
    order_by: str = "id"
    natural_key: str | None = None  # on a line mapping: unique within its document, in practice
    #: The columns a text search looks in. The store keeps them folded in one `search_key` column,
    #: written whenever one of them is: it belongs to the row, not to the domain object.
    searched: tuple[str, ...] = ()

    @cached_property
    def columns(self) -> tuple[str, ...]:
        """The columns that are the domain object's fields, in table order."""
        return tuple(c for c in self.table.c.keys() if c != SEARCH_KEY)

    @cached_property
    def selected(self) -> tuple:
        """What a SELECT of whole objects reads: their columns (not the search key)."""
        return tuple(self.table.c[c] for c in self.columns)

    def search_key(self, obj) -> dict:
        """{search_key: …} for a searched table's object, else nothing."""
        return {SEARCH_KEY: search_key_of(self.searched, partial(getattr, obj))} if self.searched else {}

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
        query = select(*self.selected).where(self.table.c.id == bindparam("id"))
        return query.with_for_update() if lock else query

    def lines_of(self):
        """SELECT the lines of a set of documents, in their order."""
        lines = self.lines
        key = lines.table.c[lines.parent_key]
        return (
            select(lines.table)
            .where(key.in_(bindparam("parents", expanding=True)))
            .order_by(key, lines.table.c[lines.order_by], lines.table.c.id)
        )

    def check(self) -> None:
        names = {f.name for f in fields(self.cls)} - {"lines"}
        if names != set(self.columns):
            raise TypeError(
                f"{self.cls.__name__} fields and {self.table.name} columns differ: {sorted(names ^ set(self.columns))}"
            )
        if bool(self.searched) != (SEARCH_KEY in self.table.c) or not set(self.searched) <= names:
            raise TypeError(f"{self.table.name}: searched columns {self.searched} and its {SEARCH_KEY} disagree")


SEARCH_KEY = "search_key"

#: Which columns a text search looks in, per table (`filter: {search: …}` on every list).
SEARCHED = {
    "leads": ("title", "contact_name", "company_name", "email", "phone"),
    "accounts": ("name", "email", "phone", "website"),
    "contacts": ("name", "email", "phone"),
    "opportunities": ("title",),
    "quotes": ("number",),
    "orders": ("number",),
    "invoices": ("number",),
    "users": ("name",),
}
#: The searched columns that hold a phone number: also found by it in E.164 and in national digits.
PHONES = frozenset({"phone"})


def search_key_of(searched: tuple[str, ...], value: Callable[[str], str | None], phones=PHONES) -> str:
    """The search key of a row or object whose searched column c holds value(c); `phones` are those
    holding a phone number."""
    return search_key(
        (value(c) for c in searched if c not in phones),
        (value(c) for c in searched if c in phones),
    )


def _document(cls, table, line_cls, line_table, parent_key, order_by="sequence", natural_key="sequence") -> Mapping:
    return Mapping(
        cls,
        table,
        lines=Mapping(line_cls, line_table, parent_key=parent_key, order_by=order_by, natural_key=natural_key),
        searched=SEARCHED.get(table.name, ()),
    )


MAPPINGS: dict[type, Mapping] = {
    m.cls: m
    for m in (
        Mapping(User, t.users, searched=SEARCHED["users"]),
        Mapping(Account, t.accounts, searched=SEARCHED["accounts"]),
        Mapping(Company, t.company),
        Mapping(Contact, t.contacts, searched=SEARCHED["contacts"]),
        Mapping(Stage, t.stages),
        Mapping(Lead, t.leads, searched=SEARCHED["leads"]),
        Mapping(Opportunity, t.opportunities, searched=SEARCHED["opportunities"]),
        _document(Quote, t.quotes, QuoteLine, t.quote_lines, "quote_id"),
        _document(Order, t.orders, OrderLine, t.order_lines, "order_id"),
        _document(
            Delivery,
            t.deliveries,
            DeliveryLine,
            t.delivery_lines,
            "delivery_id",
            order_by="id",
            natural_key="order_line_id",
        ),
        _document(Invoice, t.invoices, InvoiceLine, t.invoice_lines, "invoice_id"),
        Mapping(Payment, t.payments),
        Mapping(PaymentReversal, t.payment_reversals),
        Mapping(Activity, t.activities),
        Mapping(ApiToken, t.api_tokens),
        Mapping(OutboxEntry, t.outbox),
        Mapping(SyncJob, t.sync_jobs),
        Mapping(SyncCursor, t.sync_cursors),
        Mapping(RejectedPayment, t.rejected_payments),
        Mapping(Blob, t.blobs),
        Mapping(Snapshot, t.snapshots),
        Mapping(Rendition, t.renditions),
        Mapping(SigningKey, t.signing_keys),
        Mapping(Mail, t.mails),
    )
}
for _m in MAPPINGS.values():
    _m.check()
    if _m.lines:
        _m.lines.check()
