"""The SQL unit of work: one Session, one transaction, repositories over the mapped domain."""
from __future__ import annotations

from dataclasses import fields
from typing import Any, Generic, Iterable, TypeVar

from sqlalchemy import insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from ...domain.activity import Activity
from ...domain.errors import DomainError, ErrorCode
from ...domain.invoice import Invoice, Payment
from ...domain.lead import Lead
from ...domain.opportunity import Opportunity, Stage
from ...domain.order import Delivery, Order
from ...domain.parties import Account, Contact, User
from ...domain.quote import Quote
from .mapping import map_domain
from .numbering import SqlNumberSeries
from .tables import activities

T = TypeVar("T")


class SqlRepository(Generic[T]):
    def __init__(self, session: Session, cls: type[T]):
        self.session, self.cls = session, cls

    def get(self, ident: int, *, lock: bool = False) -> T | None:
        if lock:
            return self.session.get(self.cls, ident, with_for_update=True, populate_existing=True)
        return self.session.get(self.cls, ident)

    def add(self, obj: T) -> T:
        self.session.add(obj)
        return obj

    def find(self, *, order_by: str | None = None, **equals: Any) -> list[T]:
        query = select(self.cls).filter_by(**equals)
        query = query.order_by(getattr(self.cls, order_by or "id"))
        return list(self.session.scalars(query))

    def find_in(self, attribute: str, values: Iterable[Any]) -> list[T]:
        query = select(self.cls).where(getattr(self.cls, attribute).in_(list(values))).order_by(self.cls.id)
        return list(self.session.scalars(query))


class SqlActivityLog(SqlRepository[Activity]):
    """Activities are only ever appended: they go in with one multi-row INSERT at commit,
    past the ORM's per-object bookkeeping."""

    def __init__(self, session: Session):
        super().__init__(session, Activity)
        self.pending: list[Activity] = []

    def add(self, obj: Activity) -> Activity:
        self.pending.append(obj)
        return obj

    def write(self) -> None:
        if self.pending:
            self.session.execute(insert(activities), [
                {f.name: getattr(a, f.name) for f in fields(Activity) if f.name != "id"} for a in self.pending])
            self.pending.clear()

    def find(self, *, order_by: str | None = None, **equals: Any) -> list[Activity]:
        self.write()
        return super().find(order_by=order_by, **equals)

    def find_in(self, attribute: str, values: Iterable[Any]) -> list[Activity]:
        self.write()
        return super().find_in(attribute, values)


REPOSITORIES = {
    "users": User, "accounts": Account, "contacts": Contact, "leads": Lead, "stages": Stage,
    "opportunities": Opportunity, "quotes": Quote, "orders": Order, "deliveries": Delivery,
    "invoices": Invoice, "payments": Payment,
}


class SqlUnitOfWork:
    """`with uow:` opens a session and a transaction; commit() or leaving the block ends it."""

    def __init__(self, engine: Engine):
        map_domain()
        self.engine = engine
        self.session_factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
        self.session: Session | None = None
        self.series_formats: dict[str, tuple[str, int]] = {}  # number series rarely change: read once

    def __enter__(self) -> SqlUnitOfWork:
        if self.session is not None:
            raise RuntimeError("this unit of work is already in a transaction")
        self.session = self.session_factory()
        self.session.begin()
        for name, cls in REPOSITORIES.items():
            setattr(self, name, SqlRepository(self.session, cls))
        self.activities = SqlActivityLog(self.session)
        self.numbers = SqlNumberSeries(self.session, self.series_formats)
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        # Closing returns the connection, which rolls back anything not committed; unlike
        # Session.rollback() it leaves what was read usable (detached, not expired).
        self.session.close()
        self.session = None
        if exc is not None:
            translated = self._domain_error(exc)
            if translated is not None:  # e.g. a stale row met by an autoflush inside a query
                raise translated from None

    def flush(self) -> None:
        self._translate(self.session.flush)

    def commit(self) -> None:
        def flush_and_commit():
            self.session.flush()
            self.activities.write()
            self.session.commit()
        self._translate(flush_and_commit)

    def rollback(self) -> None:
        if self.session.in_transaction():
            self.session.rollback()

    @classmethod
    def _translate(cls, action) -> None:
        try:
            action()
        except (StaleDataError, IntegrityError) as exc:
            translated = cls._domain_error(exc)
            if translated is None:
                raise
            raise translated from None

    @staticmethod
    def _domain_error(exc: BaseException) -> DomainError | None:
        """The domain error a database failure stands for, if it stands for one."""
        if isinstance(exc, StaleDataError):
            return DomainError(ErrorCode.CONFLICT, "the document was changed by someone else: reload it")
        if isinstance(exc, IntegrityError) and "immutable" in str(exc.orig).lower():
            return DomainError(ErrorCode.INVALID_TRANSITION, "issued invoices are immutable")
        return None
