"""The SQL unit of work: one Session, one transaction, repositories over the mapped domain."""
from __future__ import annotations

from typing import Any, Generic, Iterable, TypeVar

from sqlalchemy import select
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


REPOSITORIES = {
    "users": User, "accounts": Account, "contacts": Contact, "leads": Lead, "stages": Stage,
    "opportunities": Opportunity, "quotes": Quote, "orders": Order, "deliveries": Delivery,
    "invoices": Invoice, "payments": Payment, "activities": Activity,
}


class SqlUnitOfWork:
    """`with uow:` opens a session and a transaction; commit() or leaving the block ends it."""

    def __init__(self, engine: Engine):
        map_domain()
        self.engine = engine
        self.session_factory = sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)
        self.session: Session | None = None

    def __enter__(self) -> SqlUnitOfWork:
        if self.session is not None:
            raise RuntimeError("this unit of work is already in a transaction")
        self.session = self.session_factory()
        self.session.begin()
        for name, cls in REPOSITORIES.items():
            setattr(self, name, SqlRepository(self.session, cls))
        self.numbers = SqlNumberSeries(self.session)
        return self

    def __exit__(self, *exc) -> None:
        try:
            self.rollback()
        finally:
            self.session.close()
            self.session = None

    def flush(self) -> None:
        self._translate(self.session.flush)

    def commit(self) -> None:
        self._translate(self.session.commit)

    def rollback(self) -> None:
        if self.session.in_transaction():
            self.session.rollback()

    @staticmethod
    def _translate(action) -> None:
        try:
            action()
        except StaleDataError:
            raise DomainError(ErrorCode.CONFLICT, "the document was changed by someone else: reload it") from None
        except IntegrityError as exc:
            message = str(exc.orig).lower()
            if "immutable" in message:
                raise DomainError(ErrorCode.INVALID_TRANSITION, "issued invoices are immutable") from None
            raise
