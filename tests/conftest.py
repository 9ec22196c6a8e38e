"""Stores for the tests: a fresh SQLite file per test, and PostgreSQL when SALESFLOW_TEST_POSTGRES_URL is set.

Store tests take the `engine` (or `uow`) fixture and so run once per backend.
"""

from __future__ import annotations

import os
import re
import sys
import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from salesflow.adapters.sql import SqlUnitOfWork, create_engine, install
from salesflow.domain.parties import User

sys.path.insert(0, os.path.dirname(__file__))  # for `from support import …` in the tests
from support import BACKENDS, POSTGRES_URL, Inbox, free_port, postgres_copy  # noqa: E402

# --- The clock, moved ---------------------------------------------------------------------------
# No test may depend on the real date. SALESFLOW_TEST_CLOCK_SHIFT=+7y (or -2y, +400d, +7y30d) moves
# the whole test process that far from now before any test module is imported, and lets it tick
# (time-machine). Processes the tests start (the e2e servers, the CLI in a subprocess) keep the real
# clock, so the e2e tests are skipped in a shifted run.
CLOCK_SHIFT_VARIABLE = "SALESFLOW_TEST_CLOCK_SHIFT"
_SHIFT = re.compile(r"([+-])((?:\d+[yd])+)")


def shifted(now: datetime, shift: str) -> datetime:
    """`now` moved by a shift such as +7y, -2y, +400d or +7y30d (a year keeps the calendar date)."""
    found = _SHIFT.fullmatch(shift.strip())
    if not found:
        raise pytest.UsageError(f"{CLOCK_SHIFT_VARIABLE}={shift!r}: expected e.g. +7y, -2y, +400d or +7y30d")
    sign = 1 if found.group(1) == "+" else -1
    for amount, unit in re.findall(r"(\d+)([yd])", found.group(2)):
        if unit == "y":
            year = now.year + sign * int(amount)
            now = (
                now.replace(year=year, day=min(now.day, 28))
                if (now.month, now.day) == (2, 29)
                else now.replace(year=year)
            )
        else:
            now += sign * timedelta(days=int(amount))
    return now


def _move_the_clock():
    """Start the shifted clock, if asked: here, as this conftest is imported, before any test module or
    nested conftest computes something from the date (pytest imports those after this one)."""
    shift = os.environ.get(CLOCK_SHIFT_VARIABLE)
    if not shift:
        return None
    import time_machine

    traveller = time_machine.travel(shifted(datetime.now(UTC), shift), tick=True)
    traveller.start()
    return traveller


_CLOCK = _move_the_clock()


def pytest_unconfigure(config):
    if _CLOCK is not None:
        _CLOCK.stop()


def pytest_report_header(config):
    shift = os.environ.get(CLOCK_SHIFT_VARIABLE)
    if shift:
        return f"clock: moved {shift} ({CLOCK_SHIFT_VARIABLE}): now is {datetime.now(UTC):%Y-%m-%d %H:%M} UTC"


def pytest_collection_modifyitems(config, items):
    if os.environ.get(CLOCK_SHIFT_VARIABLE):
        real_clock = pytest.mark.skip(reason=f"{CLOCK_SHIFT_VARIABLE}: servers in subprocesses keep the real clock")
        for item in items:
            if "e2e" in item.path.parts:
                item.add_marker(real_clock)


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
    return postgres_copy(request.getfixturevalue("postgres_template"))


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
    now = datetime.now(UTC)
    with uow:
        user = uow.users.add(User(name="maryam", role="sales_manager", created_at=now, updated_at=now))
        uow.commit()
    return user


@pytest.fixture
def today() -> date:
    return datetime.now(UTC).date()


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

        return opportunity.create_opportunity(
            self.uow, fields.pop("title", "Chairs for HQ"), currency=currency, actor=self.actor, **fields
        )

    @staticmethod
    def lines(*specs):
        """specs: (quantity, unit_price[, discount%, tax%]) as strings."""
        specs = specs or (("10", "19.99", "0", "19"),)
        out = []
        for i, spec in enumerate(specs):
            qty, price, disc, tax = (list(spec) + ["0", "0"])[:4]
            out.append(
                dict(description=f"item {i}", quantity=qty, unit_price=price, discount_percent=disc, tax_rate=tax)
            )
        return out

    def draft_quote(self, *specs, currency="EUR", kind="proforma", opp=None):
        from salesflow.statemachine import quote

        opp = opp or self.opportunity(currency)
        return quote.convert_opportunity_to_quote(
            self.uow, opp.id, kind, valid_until=self.valid_until, lines=self.lines(*specs), actor=self.actor
        )

    def sent_quote(self, *specs, **kw):
        from salesflow.statemachine import quote

        return quote.send_quote(self.uow, self.draft_quote(*specs, **kw).id, actor=self.actor)

    def order(self, *specs, currency="EUR", policy="per_delivery", opp=None):
        from salesflow.statemachine import order

        opp = opp or self.opportunity(currency)
        return order.create_order(
            self.uow, opp.id, currency, self.lines(*specs), invoicing_policy=policy, actor=self.actor
        )

    def deliver(self, order_doc, quantities: dict | None = None):
        """Deliver the given {line index: quantity}, or everything that remains."""
        from salesflow.statemachine import order

        lines = (
            [dict(order_line_id=order_doc.lines[i].id, quantity=str(q)) for i, q in quantities.items()]
            if quantities
            else [
                dict(order_line_id=ln.id, quantity=str(ln.remaining_quantity))
                for ln in order_doc.lines
                if ln.remaining_quantity > 0
            ]
        )
        return order.record_delivery(self.uow, order_doc.id, lines, actor=self.actor)

    def issued_invoice(self, *specs, currency="EUR"):
        from salesflow.statemachine import invoice

        result = self.deliver(self.order(*specs, currency=currency))
        return invoice.issue_invoice(self.uow, result.invoice.id, actor=self.actor)


@pytest.fixture
def story(uow, actor, next_month) -> Story:
    return Story(uow, actor, next_month)


# --- Reused stores ------------------------------------------------------------------------------
# `database_url` builds a database per test (migrations on SQLite, CREATE DATABASE on PostgreSQL),
# about half a second each. Modules with many scenarios opt in to `reused_database_url` instead,
# by overriding `database_url` with it: the same fresh, migrated store with the data files loaded,
# made by copying a migrated SQLite file, or by emptying one per-session PostgreSQL database.


def _reset_postgres(eng) -> None:
    """Empty every table (triggers off, so issued invoices go too), restart ids, reload the data."""
    from salesflow.adapters.sql.data_loader import LOADERS, ROOT, load_file, manifest
    from salesflow.adapters.sql.tables import metadata

    deletes = "; ".join(f'DELETE FROM "{t.name}"' for t in reversed(metadata.sorted_tables))
    with eng.begin() as conn:
        conn.exec_driver_sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid(); "
            "SET LOCAL lock_timeout = '10s'; SET LOCAL session_replication_role = replica; "
            f"{deletes}; "
            "SELECT setval((quote_ident(schemaname) || '.' || quote_ident(sequencename))::regclass, 1, false) "
            "FROM pg_sequences WHERE schemaname = 'public'"
        )
        conn.exec_driver_sql("SET LOCAL session_replication_role = origin")
        now = datetime.now(UTC)
        for name in manifest()["data"]:
            if (ROOT / name).name in LOADERS:
                load_file(conn, ROOT / name, now)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """A migrated SQLite file with the data files loaded, copied for each test."""
    path = tmp_path_factory.mktemp("sqlite_template") / "salesflow.db"
    install(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture(scope="session")
def reusable_postgres(request):
    """One PostgreSQL database per session (and an engine on it), emptied before each test that uses it."""
    url, drop = _postgres_database(request)
    eng = create_engine(url)
    yield url, eng
    eng.dispose()
    drop()


@pytest.fixture(params=BACKENDS)
def reused_database_url(request, tmp_path):
    """Like `database_url`, a fresh store per test on each backend, but without a database per test."""
    if request.param == "sqlite":
        import shutil

        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "salesflow.db"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
    else:
        url, eng = request.getfixturevalue("reusable_postgres")
        _reset_postgres(eng)
        yield url


@pytest.fixture
def store_snapshot(engine):
    """A function returning the row count of every table and the number-series counters.

    Taken before and after a refused operation, the two must be equal.
    """
    from sqlalchemy import func, select

    from salesflow.adapters.sql.tables import metadata, number_sequences

    counts = select(
        *(select(func.count()).select_from(t).scalar_subquery().label(t.name) for t in metadata.sorted_tables)
    )

    def take() -> dict:
        with engine.connect().execution_options(sqlite_begin="DEFERRED") as conn:
            snapshot = dict(conn.execute(counts).one()._mapping)
            snapshot["number_sequences (values)"] = sorted(tuple(row) for row in conn.execute(select(number_sequences)))
        return snapshot

    return take


@pytest.fixture
def gateway(database_url):
    """The GraphQL app in-process over a fresh database (each backend)."""
    from gql import Gateway

    gw = Gateway(database_url)
    yield gw
    gw.close()


@pytest.fixture
def admin(gateway):
    return gateway.client("root", "admin")


# --- Node packages for the JavaScript client tests -------------------------------------------------


@pytest.fixture(scope="session")
def node_modules() -> str:
    """tests/js/node_modules, installed by `npm ci` from the committed lock when missing or older than the lock
    (jsclients.install: one xdist worker installs, the others wait)."""
    import jsclients

    jsclients.install()
    return str(jsclients.JS / "node_modules")


@pytest.fixture
def smtp():
    """A real SMTP server (aiosmtpd) on a free loopback port, and what it received (support.Inbox)."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    inbox.port = controller.port
    yield inbox
    controller.stop()
