"""Helpers the scenario tests share (importable because conftest.py puts this folder on sys.path)."""

from __future__ import annotations

import os
import shutil
import socket
import threading
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

import httpx
import pytest

from salesflow.domain.errors import DomainError

#: The stores every store test runs on: SQLite always, PostgreSQL when SALESFLOW_TEST_POSTGRES_URL is set.
POSTGRES_URL = os.environ.get("SALESFLOW_TEST_POSTGRES_URL")
BACKENDS = [
    "sqlite",
    pytest.param(
        "postgres",
        marks=[
            pytest.mark.postgres,
            pytest.mark.skipif(not POSTGRES_URL, reason="SALESFLOW_TEST_POSTGRES_URL is not set"),
        ],
    ),
]


def sent_quotes(url: str, valid_for_days) -> list:
    """Quotes sent 30 days ago on the store at url (migrated if it is not), each valid for the given days from then."""
    from salesflow.adapters.sql import SqlUnitOfWork, install
    from salesflow.statemachine import opportunity, quote

    long_ago = datetime.now(UTC) - timedelta(days=30)
    engine = install(url)
    try:
        opp = opportunity.create_opportunity(SqlUnitOfWork(engine), "Chairs", currency="EUR", now=long_ago)
        sent = []
        for days in valid_for_days:
            draft = quote.convert_opportunity_to_quote(
                SqlUnitOfWork(engine),
                opp.id,
                "proforma",
                valid_until=long_ago.date() + timedelta(days=days),
                lines=[{"description": "Chair", "quantity": "1", "unit_price": "100"}],
                now=long_ago,
            )
            sent.append(quote.send_quote(SqlUnitOfWork(engine), draft.id, now=long_ago))
        return sent
    finally:
        engine.dispose()


def reload(uow, repo, ident):
    """A fresh copy of a stored record, read in its own transaction."""
    with uow:
        obj = getattr(uow, repo).get(ident)
        uow.commit()
    return obj


def find(uow, repo, **equals):
    with uow:
        found = getattr(uow, repo).find(**equals)
        uow.commit()
    return found


def history(uow, kind, doc_id):
    """(trigger, from, to, reason) of every activity of one document, oldest first."""
    with uow:
        rows = [
            (a.trigger, a.from_state, a.to_state, a.reason)
            for a in uow.activities.find(document_type=kind, document_id=doc_id)
        ]
        uow.commit()
    return rows


class expect:
    """`with expect(code, field):` the block raises a DomainError with this code (and field, when given)."""

    def __init__(self, code, field=None):
        self.code, self.field = code, field

    def __enter__(self):
        self._raises = pytest.raises(DomainError)
        self.info = self._raises.__enter__()
        return self.info

    def __exit__(self, *exc_info):
        handled = self._raises.__exit__(*exc_info)
        assert self.info.value.code == self.code, repr(self.info.value)
        if self.field is not None:
            assert self.info.value.field == self.field, repr(self.info.value)
        return handled


def issue_invoices(uow, actor, n: int) -> list:
    """n invoices issued through the real operations, one order each (two lines at 21% and 6%:
    53.68 EUR each); for the sync worker's fault runs."""
    from salesflow.statemachine import invoice, opportunity, order

    issued = []
    lines = [
        dict(description="Widget", quantity="2", unit_price="19.99", tax_rate="21"),
        dict(description="Manual", quantity="1", unit_price="5.00", tax_rate="6"),
    ]
    for i in range(n):
        opp = opportunity.create_opportunity(uow, f"Sync run {i}", currency="EUR", actor=actor)
        doc = order.create_order(uow, opp.id, "EUR", lines, invoicing_policy="per_delivery", actor=actor)
        delivered = order.record_delivery(
            uow, doc.id, [dict(order_line_id=ln.id, quantity=str(ln.quantity)) for ln in doc.lines], actor=actor
        )
        issued.append(invoice.issue_invoice(uow, delivered.invoice.id, actor=actor))
    return issued


def job_statuses(engine) -> dict[str, int]:
    """How many sync jobs are in each status."""
    from salesflow.adapters.sql import SqlUnitOfWork

    uow = SqlUnitOfWork(engine)
    with uow:
        counts: dict[str, int] = {}
        for job in uow.sync_jobs.find():
            counts[job.status] = counts.get(job.status, 0) + 1
        return counts


# --- documents made over GraphQL, by any client with `mutate(name, query, variables)` (e2e) ---------

CREATE_LEAD = """mutation($i: CreateLeadInput!) { createLead(input: $i) {
  lead { id status } errors { code field message } } }"""
CREATE_OPPORTUNITY = """mutation($i: CreateOpportunityInput!) { createOpportunity(input: $i) {
  opportunity { id } errors { code field message } } }"""
CREATE_QUOTE = """mutation($i: ConvertOpportunityToQuoteInput!) { convertOpportunityToQuote(input: $i) {
  quote { id status } errors { code field message } } }"""
SEND_QUOTE = """mutation($i: SendQuoteInput!) { sendQuote(input: $i) {
  quote { id status } errors { code field message } } }"""
LINES = [{"description": "Desk", "quantity": "2", "unitPrice": "310.00", "taxRate": "19"}]


def valid_until() -> str:
    return (date.today() + timedelta(days=30)).isoformat()


def unique(title: str) -> str:
    return f"{title} {uuid.uuid4().hex[:10]}"


def new_lead(client) -> str:
    return client.mutate("createLead", CREATE_LEAD, {"i": {"title": unique("Lead")}})["lead"]["id"]


def new_opportunity(client) -> str:
    return client.mutate("createOpportunity", CREATE_OPPORTUNITY, {"i": {"title": unique("Desks"), "currency": "EUR"}})[
        "opportunity"
    ]["id"]


def new_quote(client, opportunity_id: str, lines=LINES) -> str:
    return client.mutate(
        "convertOpportunityToQuote",
        CREATE_QUOTE,
        {
            "i": {
                "opportunityId": opportunity_id,
                "kind": "PROFORMA",
                "validUntil": valid_until(),
                **({"lines": lines} if lines else {}),
            }
        },
    )["quote"]["id"]


# --- the event loop stays free (e2e) ----------------------------------------------------------------


def healthz_while(url: str, work) -> tuple[object, list[float]]:
    """work() while the server at url is asked `/healthz` every 50 ms from another thread; its result and the latencies."""
    latencies: list[float] = []
    ready, done = threading.Event(), threading.Event()

    def probe():
        with httpx.Client(base_url=url, timeout=10, trust_env=False) as http:
            http.get("/healthz")  # the connection is open before the work starts
            ready.set()
            while not done.is_set():
                started = time.monotonic()
                assert http.get("/healthz").status_code == 200
                latencies.append(time.monotonic() - started)
                done.wait(0.05)

    prober = threading.Thread(target=probe)
    prober.start()
    ready.wait(10)
    try:
        return work(), latencies
    finally:
        done.set()
        prober.join()


def assert_prompt(latencies: list[float]) -> None:
    """Nine in ten answers within 100 ms, none near a second: a probe can be descheduled on a shared
    machine, but a server whose event loop waited for the work would miss every one of them."""
    slow = [round(x, 3) for x in latencies if x >= 0.1]
    assert len(latencies) >= 5 and len(slow) <= len(latencies) // 10 and max(latencies) < 0.5, (
        f"{len(slow)} of {len(latencies)} /healthz answers took 100 ms or more: {slow}"
    )


def free_port() -> int:
    """A loopback port nothing listens on (yet)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Inbox:
    """aiosmtpd's handler, a real SMTP server's mailbox: every envelope it accepted; with `refuse` set, it
    answers DATA with that reply instead."""

    def __init__(self):
        self.envelopes = []
        self.refuse: str | None = None
        self.port: int | None = None

    async def handle_DATA(self, server, session, envelope):
        if self.refuse:
            return self.refuse
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    @property
    def messages(self) -> list[tuple[list[str], EmailMessage]]:
        """(recipients, parsed message) of each accepted mail."""
        return [(e.rcpt_tos, message_from_bytes(e.content, policy=policy.default)) for e in self.envelopes]


#: poppler's pdftotext and pdftoppm read rendered PDFs back (a system package: .ci/run installs it);
#: without them the tests that read PDFs skip and say so.
POPPLER = bool(shutil.which("pdftotext") and shutil.which("pdftoppm"))
POPPLER_MISSING = "poppler-utils (pdftotext, pdftoppm) is not installed"
needs_poppler = pytest.mark.skipif(not POPPLER, reason=POPPLER_MISSING)


def postgres_copy(template: str, prefix: str = "salesflow_t_"):
    """(url, drop): a new PostgreSQL database copied from the migrated template (CREATE DATABASE …
    TEMPLATE is fast), and how to drop it."""
    from sqlalchemy import text
    from sqlalchemy.engine import make_url

    from salesflow.adapters.sql import create_engine

    name = f"{prefix}{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))

    def drop():
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False), drop
