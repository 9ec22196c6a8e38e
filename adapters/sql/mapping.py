"""Classical (imperative) mapping of the plain domain dataclasses onto the tables."""
from __future__ import annotations

from sqlalchemy.orm import registry, relationship

from ...domain.activity import Activity
from ...domain.invoice import Invoice, InvoiceLine, Payment
from ...domain.lead import Lead
from ...domain.opportunity import Opportunity, Stage
from ...domain.order import Delivery, DeliveryLine, Order, OrderLine
from ...domain.parties import Account, Contact, User
from ...domain.quote import Quote, QuoteLine
from . import tables as t

mapper_registry = registry(metadata=t.metadata)
_mapped = False


def _owns_lines(line_cls, order_column) -> dict:
    """A document's lines: saved and deleted with it, loaded with it in one extra query."""
    return {"lines": relationship(line_cls, cascade="all, delete-orphan", order_by=order_column,
                                  lazy="selectin")}


def map_domain() -> None:
    """Map every domain class once (idempotent)."""
    global _mapped
    if _mapped:
        return
    m = mapper_registry.map_imperatively
    versioned = lambda table: dict(version_id_col=table.c.version)  # noqa: E731 - optimistic concurrency
    m(User, t.users)
    m(Account, t.accounts, **versioned(t.accounts))
    m(Contact, t.contacts, **versioned(t.contacts))
    m(Stage, t.stages)
    m(Lead, t.leads, **versioned(t.leads))
    m(Opportunity, t.opportunities, **versioned(t.opportunities))
    m(QuoteLine, t.quote_lines)
    m(Quote, t.quotes, properties=_owns_lines(QuoteLine, t.quote_lines.c.sequence), **versioned(t.quotes))
    m(OrderLine, t.order_lines)
    m(Order, t.orders, properties=_owns_lines(OrderLine, t.order_lines.c.sequence), **versioned(t.orders))
    m(DeliveryLine, t.delivery_lines)
    m(Delivery, t.deliveries, properties=_owns_lines(DeliveryLine, t.delivery_lines.c.id))
    m(InvoiceLine, t.invoice_lines)
    m(Invoice, t.invoices, properties=_owns_lines(InvoiceLine, t.invoice_lines.c.sequence), **versioned(t.invoices))
    m(Payment, t.payments)
    m(Activity, t.activities)
    _mapped = True
