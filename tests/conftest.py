"""Stores for the tests: a fresh SQLite file per test, and PostgreSQL when SALESFLOW_TEST_POSTGRES_URL is set.

Store tests take the `engine` (or `uow`) fixture and so run once per backend.
"""
from __future__ import annotations

import os
import uuid
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from salesflow.adapters.sql import SqlUnitOfWork, create_engine, install
from salesflow.domain.parties import User

POSTGRES_URL = os.environ.get("SALESFLOW_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", pytest.param("postgres", marks=[
    pytest.mark.postgres,
    pytest.mark.skipif(not POSTGRES_URL, reason="SALESFLOW_TEST_POSTGRES_URL is not set")])]
_TEMPLATE = f"salesflow_tpl_{os.getpid()}"


def _admin_engine():
    return create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")


@pytest.fixture(scope="session")
def postgres_template():
    """A migrated database, copied for each test (CREATE DATABASE … TEMPLATE is fast)."""
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{_TEMPLATE}"'))
        conn.execute(text(f'CREATE DATABASE "{_TEMPLATE}"'))
    url = make_url(POSTGRES_URL).set(database=_TEMPLATE).render_as_string(hide_password=False)
    install(url).dispose()
    yield _TEMPLATE
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{_TEMPLATE}" WITH (FORCE)'))
    admin.dispose()


def _postgres_database(request) -> tuple[str, callable]:
    template = request.getfixturevalue("postgres_template")
    name = f"salesflow_t_{uuid.uuid4().hex[:12]}"
    admin = _admin_engine()
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(params=BACKENDS)
def database_url(request, tmp_path):
    """A fresh, migrated database with the data files loaded, on each backend."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'salesflow.db'}"
        install(url).dispose()
        yield url
    else:
        url, drop = _postgres_database(request)
        yield url
        drop()


@pytest.fixture
def engine(database_url):
    eng = create_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def uow(engine):
    return SqlUnitOfWork(engine)


@pytest.fixture
def actor(uow) -> User:
    """A sales manager who performs the operations."""
    now = datetime.now(timezone.utc)
    with uow:
        user = uow.users.add(User(name="maryam", role="sales_manager", created_at=now, updated_at=now))
        uow.commit()
    return user


@pytest.fixture
def today() -> date:
    return datetime.now(timezone.utc).date()


@pytest.fixture
def next_month(today) -> date:
    return today + timedelta(days=30)


class Story:
    """Shortcuts that bring a document to a given point of the seed story."""

    def __init__(self, uow, actor, valid_until):
        self.uow, self.actor, self.valid_until = uow, actor, valid_until

    def lead(self, **fields):
        from salesflow.statemachine import lead
        fields.setdefault("company_name", f"Acme {uuid.uuid4().hex[:6]}")
        fields.setdefault("contact_name", "Sara Ahmadi")
        return lead.create_lead(self.uow, fields.pop("title", "New office chairs"), actor=self.actor, **fields)

    def opportunity(self, currency="EUR", **fields):
        from salesflow.statemachine import opportunity
        return opportunity.create_opportunity(self.uow, fields.pop("title", "Chairs for HQ"), currency=currency,
                                              actor=self.actor, **fields)

    @staticmethod
    def lines(*specs):
        """specs: (quantity, unit_price[, discount%, tax%]) as strings."""
        specs = specs or (("10", "19.99", "0", "19"),)
        out = []
        for i, spec in enumerate(specs):
            qty, price, disc, tax = (list(spec) + ["0", "0"])[:4]
            out.append(dict(description=f"item {i}", quantity=qty, unit_price=price,
                            discount_percent=disc, tax_rate=tax))
        return out

    def draft_quote(self, *specs, currency="EUR", kind="proforma", opp=None):
        from salesflow.statemachine import quote
        opp = opp or self.opportunity(currency)
        return quote.convert_opportunity_to_quote(self.uow, opp.id, kind, valid_until=self.valid_until,
                                                  lines=self.lines(*specs), actor=self.actor)

    def sent_quote(self, *specs, **kw):
        from salesflow.statemachine import quote
        return quote.send_quote(self.uow, self.draft_quote(*specs, **kw).id, actor=self.actor)

    def order(self, *specs, currency="EUR", policy="per_delivery", opp=None):
        from salesflow.statemachine import order
        opp = opp or self.opportunity(currency)
        return order.create_order(self.uow, opp.id, currency, self.lines(*specs), invoicing_policy=policy,
                                  actor=self.actor)

    def deliver(self, order_doc, quantities: dict | None = None):
        """Deliver the given {line index: quantity}, or everything that remains."""
        from salesflow.statemachine import order
        lines = [dict(order_line_id=order_doc.lines[i].id, quantity=str(q)) for i, q in quantities.items()] \
            if quantities else [dict(order_line_id=ln.id, quantity=str(ln.remaining_quantity))
                                for ln in order_doc.lines if ln.remaining_quantity > 0]
        return order.record_delivery(self.uow, order_doc.id, lines, actor=self.actor)

    def issued_invoice(self, *specs, currency="EUR"):
        from salesflow.statemachine import invoice
        result = self.deliver(self.order(*specs, currency=currency))
        return invoice.issue_invoice(self.uow, result.invoice.id, actor=self.actor)


@pytest.fixture
def story(uow, actor, next_month) -> Story:
    return Story(uow, actor, next_month)
