"""The ports adapters implement: repositories, number series and the unit of work."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any, Generic, Protocol, TypeVar

from .activity import Activity
from .company import Company
from .documents import Blob, Rendition, SigningKey, Snapshot
from .idempotency import IdempotencyStore
from .invoice import Invoice, Payment, PaymentReversal
from .lead import Lead
from .mail import Mail
from .numbering import Calendar, Series
from .opportunity import Opportunity, Stage
from .order import Delivery, Order
from .outbox import OutboxEntry
from .parties import Account, ApiToken, Contact, User
from .query import Filter, PageSpec
from .quote import Quote
from .reads import Read
from .sync import RejectedPayment, SyncCursor, SyncJob

T = TypeVar("T")


class Repository(Protocol, Generic[T]):
    def get(self, ident: int, *, lock: bool = False) -> T | None:
        """The record, or None; lock=True holds a row lock until the transaction ends."""

    def add(self, obj: T) -> T:
        """Stage a new record; it has an id once the unit of work flushes."""

    def find(self, *, order_by: str | None = None, lock: bool = False, **equals: Any) -> list[T]:
        """Records whose attributes equal the given values (locked for this transaction if `lock`)."""

    def find_in(
        self,
        attribute: str,
        values: Iterable[Any],
        *,
        per_value: int | None = None,
        after: int | None = None,
        **equals: Any,
    ) -> list[T]:
        """Records whose attribute is one of the values (and whose other attributes equal `equals`),
        by id; with `per_value`, only the first that many for each value, and with `after`, only ids
        above it (a bounded list inside a document, read on from a position)."""

    def find_any(self, **equals: Any) -> list[T]:
        """Records where at least one of the attributes equals its value (None values are skipped)."""

    def page(self, spec: PageSpec) -> tuple[list[T], bool]:
        """One keyset page of records matching the filter, and whether more follow."""

    def count(self, spec: PageSpec) -> int:
        """How many records match the filter of spec (its position and limit ignored)."""

    def totals(self, flt: Filter, group_by: tuple[str, ...], sum_of: str) -> list[tuple]:
        """Rows of (*group values, count, exact sum of `sum_of`) over the records matching flt."""


class ActivityLog(Repository[Activity], Protocol):
    def committed_after(
        self, position: tuple[int, int], limit: int, types: tuple[str, ...] = ()
    ) -> list[tuple[tuple[int, int], Activity]]:
        """Activities in commit order after a position, each with its position: a feed that a reader
        can stop and resume without missing or repeating a row."""


class OutboxLog(Repository[OutboxEntry], Protocol):
    def committed_after(self, position: tuple[int, int], limit: int) -> list[tuple[tuple[int, int], OutboxEntry]]:
        """Entries in commit order after a position, each with its position: a reader that moves
        its position over them never misses an entry whose transaction commits later."""


class TokenRepository(Repository[ApiToken], Protocol):
    def lookup(self, token_hash: str) -> tuple[ApiToken, User] | None:
        """The token with this hash and its user, in one indexed read (what every request costs)."""

    def touch(self, token_id: int, now: datetime, cutoff: datetime) -> bool:
        """Stamp last_used_at = now unless it is already at or after cutoff; True if it wrote."""


class NumberSeries(Protocol):
    def next(self, code: str, on: date) -> str:
        """The next number of a series for a document dated `on`, taken inside the current transaction.

        The series' calendar decides the year (domain/numbering.py). Gapless: the counter moves only
        if the transaction commits, and the series' calendar cannot change until it does.
        """

    def get(self, code: str, *, lock: bool = False) -> Series:
        """The installed series (NOT_FOUND if none); lock=True holds off every number of it until
        the transaction ends."""

    def find(self) -> list[Series]:
        """Every installed series, by code."""

    def taken(self, code: str, calendar: Calendar, year: int) -> int:
        """How many numbers the series has given out in that year of that calendar."""

    def set_calendar(self, code: str, calendar: Calendar) -> None:
        """Count the series' years in another calendar from now on (statemachine/numbering.py decides when)."""


class UnitOfWork(Protocol):
    """One transaction: `with uow:` begins, `commit()` makes it durable, leaving rolls back."""

    users: Repository[User]
    accounts: Repository[Account]
    company: Repository[Company]  # one row, domain.company.COMPANY_ID
    contacts: Repository[Contact]
    leads: Repository[Lead]
    stages: Repository[Stage]
    opportunities: Repository[Opportunity]
    quotes: Repository[Quote]
    orders: Repository[Order]
    deliveries: Repository[Delivery]
    invoices: Repository[Invoice]
    payments: Repository[Payment]
    payment_reversals: Repository[PaymentReversal]
    activities: ActivityLog
    tokens: TokenRepository
    outbox: OutboxLog
    sync_jobs: Repository[SyncJob]
    sync_cursors: Repository[SyncCursor]
    rejected_payments: Repository[RejectedPayment]
    blobs: Repository[Blob]
    snapshots: Repository[Snapshot]
    renditions: Repository[Rendition]
    signing_keys: Repository[SigningKey]
    mails: Repository[Mail]
    numbers: NumberSeries
    idempotency: IdempotencyStore

    def __enter__(self) -> UnitOfWork: ...

    def __exit__(self, *exc: object) -> None: ...

    def flush(self) -> None:
        """Send pending changes so new records get their ids; still inside the transaction."""

    def answer(self, read: Read) -> str | None:
        """The JSON text answering a read tree (domain/reads.py), built by the store in one statement
        (in this unit of work's transaction, or on its own outside one)."""

    def counted(self, text: str | None) -> str | None:
        """An answer read by other means (beside a token's lookup), counted as `answer` counts its own:
        RESPONSE_TOO_LARGE past the read budget."""

    def commit(self) -> None: ...

    def rollback(self) -> None: ...
