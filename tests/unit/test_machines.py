"""The lifecycles, tested from their own data: every route fires, every other (trigger, state) is refused.

The documents are plain in-memory dataclasses. The guard that looks something up
(`opportunity_not_lost`) gets a small fake unit of work; everything else is real:
the module-level `transitions` machines, the guards and the Context that writes the activity.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
import transitions

import salesflow
from salesflow.adapters.sql import tables
from salesflow.domain.company import Company
from salesflow.domain.errors import DomainError, ErrorCode
from salesflow.domain.invoice import Invoice, InvoiceLine
from salesflow.domain.lead import Lead
from salesflow.domain.opportunity import Opportunity
from salesflow.domain.order import Order, OrderLine
from salesflow.domain.quote import Quote, QuoteLine
from salesflow.domain.status import STATUSES, OpportunityStatus, QuoteKind
from salesflow.statemachine import LIFECYCLES, available_actions
from salesflow.statemachine import invoice as invoice_module
from salesflow.statemachine import lead as lead_module
from salesflow.statemachine import opportunity as opportunity_module
from salesflow.statemachine import order as order_module
from salesflow.statemachine import quote as quote_module
from salesflow.statemachine.diagrams import lifecycle_markdown, with_diagrams
from salesflow.statemachine.engine import Context

NOW = datetime(2030, 6, 15, 12, 0, tzinfo=UTC)
TODAY = NOW.date()


# --- fakes for the two guards that read the store -------------------------------------------------


class FakeRepo:
    def __init__(self, rows=()):
        self.rows = list(rows)
        self.added = []

    def get(self, ident, *, lock=False):
        return next((r for r in self.rows if r.id == ident), None)

    def find(self, *, order_by=None, **equals):
        return [r for r in self.rows if all(getattr(r, k) == v for k, v in equals.items())]

    def add(self, obj):
        self.added.append(obj)
        return obj


class FakeUow:
    """Just enough of a unit of work: the opportunity a quote belongs to, and what a document sent or
    issued freezes its facts from (the company; no account, contact or order)."""

    def __init__(self, opportunity_status=OpportunityStatus.OPEN.value):
        self.opportunities = FakeRepo([Opportunity(id=1, title="chairs", status=opportunity_status)])
        self.activities = FakeRepo()
        self.company = FakeRepo([Company(id=1, legal_name="Parsian Trading")])
        self.snapshots, self.blobs, self.accounts, self.contacts, self.orders = (FakeRepo() for _ in range(5))

    def flush(self):
        pass


def context(**uow_kw) -> Context:
    return Context(FakeUow(**uow_kw), actor=None, now=NOW)


# --- plain documents, one per type, with every guard satisfiable ----------------------------------


def make_document(kind: str, status: str):
    if kind == "lead":
        return Lead(id=1, title="New office chairs", status=status)
    if kind == "opportunity":
        return Opportunity(id=1, title="Chairs for HQ", status=status)
    if kind == "quote":
        return Quote(
            id=1,
            number="Q/2030/00007",
            opportunity_id=1,
            status=status,
            valid_until=TODAY + timedelta(days=10),
            lines=[QuoteLine(description="chair", quantity=Decimal(2), unit_price=Decimal("10"))],
        )
    if kind == "order":
        return Order(
            id=1,
            number="SO/2030/00007",
            opportunity_id=1,
            status=status,
            lines=[OrderLine(description="chair", quantity=Decimal(10), unit_price=Decimal("10"))],
        )
    if kind == "invoice":
        return Invoice(
            id=1,
            number="INV/2030/00007",
            order_id=1,
            status=status,
            total=Decimal("100.00"),
            lines=[InvoiceLine(description="chair", quantity=Decimal(10), unit_price=Decimal("10"))],
        )
    raise AssertionError(kind)


def _deliver(doc, fraction):
    for line in doc.lines:
        line.delivered_quantity = line.quantity * fraction


# guard name -> (make it pass, make it fail). A new guard must be added here: the tests are
# generated from the lifecycle data, and fail loudly on a guard they do not know.
GUARDS = {
    "has_lines": (lambda d, u: None, lambda d, u: d.lines.clear()),
    "still_valid": (
        lambda d, u: setattr(d, "valid_until", TODAY),
        lambda d, u: setattr(d, "valid_until", TODAY - timedelta(days=1)),
    ),
    "unexpired": (
        lambda d, u: setattr(d, "valid_until", TODAY),
        lambda d, u: setattr(d, "valid_until", TODAY - timedelta(days=1)),
    ),
    "lapsed": (
        lambda d, u: setattr(d, "valid_until", TODAY - timedelta(days=1)),
        lambda d, u: setattr(d, "valid_until", TODAY),
    ),
    "contract_dated": (
        lambda d, u: None,
        lambda d, u: (setattr(d, "kind", QuoteKind.CONTRACT.value), setattr(d, "start_date", None)),
    ),
    "latest": (lambda d, u: setattr(d, "is_latest", True), lambda d, u: setattr(d, "is_latest", False)),
    "opportunity_not_lost": (
        lambda d, u: None,
        lambda d, u: setattr(u.opportunities.rows[0], "status", OpportunityStatus.LOST.value),
    ),
    "fully_delivered": (lambda d, u: _deliver(d, 1), lambda d, u: _deliver(d, Decimal("0.5"))),
    "partly_delivered": (lambda d, u: _deliver(d, Decimal("0.5")), lambda d, u: _deliver(d, 1)),
    "nothing_delivered": (lambda d, u: _deliver(d, 0), lambda d, u: _deliver(d, Decimal("0.1"))),
    "settled": (lambda d, u: setattr(d, "amount_paid", d.total), lambda d, u: setattr(d, "amount_paid", Decimal(1))),
    "unsettled": (lambda d, u: setattr(d, "amount_paid", Decimal(1)), lambda d, u: setattr(d, "amount_paid", d.total)),
    "some_paid": (
        lambda d, u: setattr(d, "amount_paid", Decimal(1)),
        lambda d, u: setattr(d, "amount_paid", Decimal(0)),
    ),
    "nothing_paid": (
        lambda d, u: setattr(d, "amount_paid", Decimal(0)),
        lambda d, u: setattr(d, "amount_paid", Decimal(1)),
    ),
    "no_payments": (
        lambda d, u: setattr(d, "amount_paid", Decimal(0)),
        lambda d, u: setattr(d, "amount_paid", Decimal(1)),
    ),
    "no_live_order": (lambda d, u: setattr(d, "live_orders", 0), lambda d, u: setattr(d, "live_orders", 1)),
}


def route_table(lifecycle) -> dict[tuple[str, str], list]:
    table: dict[tuple[str, str], list] = {}
    for r in lifecycle.routes:
        for source in r.source:
            table.setdefault((r.trigger, source), []).append(r)
    return table


ROUTES = [
    pytest.param(name, r, source, id=f"{name}-{r.trigger}-{source}-to-{r.dest}")
    for name, life in LIFECYCLES.items()
    for r in life.routes
    for source in r.source
]

NON_ROUTES = [
    pytest.param(name, trigger, state, id=f"{name}-{trigger}-from-{state}")
    for name, life in LIFECYCLES.items()
    for trigger in life.triggers
    for state in life.states
    if (trigger, state) not in route_table(life)
]

BLOCKABLE = [
    pytest.param(name, r, source, g.name, id=f"{name}-{r.trigger}-{source}-{g.name}")
    for name, life in LIFECYCLES.items()
    for r in life.routes
    for source in r.source
    for g in r.guards
    if len(route_table(life)[(r.trigger, source)]) == 1
]


def test_every_guard_of_every_lifecycle_is_known_to_these_tests():
    used = {g.name for life in LIFECYCLES.values() for r in life.routes for g in r.guards}
    assert used <= set(GUARDS), f"add pass/fail recipes for {sorted(used - set(GUARDS))}"


@pytest.mark.parametrize("name, route, source", ROUTES)
def test_every_route_moves_the_document_to_its_destination(name, route, source):
    life = LIFECYCLES[name]
    ctx = context()
    doc = make_document(name, source)
    for guard in route.guards:
        GUARDS[guard.name][0](doc, ctx.uow)
    assert all(g.check(doc, ctx) for g in route.guards)
    assert route.trigger in life.allowed(doc, ctx)
    assert route.trigger in available_actions(ctx, doc)

    assert life.fire(doc, route.trigger, ctx, reason="because") == route.dest

    assert doc.status == route.dest
    [activity] = ctx.uow.activities.added
    assert (
        activity.document_type,
        activity.document_id,
        activity.trigger,
        activity.from_state,
        activity.to_state,
        activity.reason,
        activity.at,
    ) == (name, 1, route.trigger, source, route.dest, "because", NOW)
    assert doc.updated_at == NOW


@pytest.mark.parametrize("name, trigger, state", NON_ROUTES)
def test_a_trigger_outside_the_routes_is_an_invalid_transition_naming_document_state_and_action(name, trigger, state):
    life = LIFECYCLES[name]
    ctx = context()
    doc = make_document(name, state)
    assert trigger not in life.allowed(doc, ctx)
    assert not life.may(doc, trigger, ctx)

    with pytest.raises(DomainError) as err:
        life.fire(doc, trigger, ctx)

    assert err.value.code == ErrorCode.INVALID_TRANSITION
    message = err.value.message
    assert str(doc) in message and name in message  # the document ("quote Q/2030/00007")
    assert re.search(rf"\b{re.escape(state)}\b", message)  # the state it is in
    assert trigger.replace("_", " ") in message  # the action that was refused
    assert doc.status == state
    assert ctx.uow.activities.added == []


@pytest.mark.parametrize("name", LIFECYCLES)
def test_an_unknown_trigger_is_an_invalid_transition(name):
    life = LIFECYCLES[name]
    doc = make_document(name, life.initial)
    with pytest.raises(DomainError) as err:
        life.fire(doc, "teleport", context())
    assert err.value.code == ErrorCode.INVALID_TRANSITION
    assert "teleport" in err.value.message and life.initial in err.value.message


@pytest.mark.parametrize("name, route, source, guard_name", BLOCKABLE)
def test_a_blocking_guard_refuses_with_its_own_code_and_field(name, route, source, guard_name):
    life = LIFECYCLES[name]
    ctx = context()
    doc = make_document(name, source)
    for guard in route.guards:
        GUARDS[guard.name][0](doc, ctx.uow)
    GUARDS[guard_name][1](doc, ctx.uow)
    guard = next(g for g in route.guards if g.name == guard_name)
    assert not guard.check(doc, ctx)
    assert route.trigger not in life.allowed(doc, ctx)

    with pytest.raises(DomainError) as err:
        life.fire(doc, route.trigger, ctx)

    assert err.value.code == guard.code
    assert err.value.field == (tuple(guard.field.split(".")) if guard.field else None)
    assert str(doc) in err.value.message
    assert doc.status == source
    assert ctx.uow.activities.added == []


@pytest.mark.parametrize("name", LIFECYCLES)
def test_machine_states_are_the_domain_status_enum(name):
    life = LIFECYCLES[name]
    enum_values = [s.value for s in STATUSES[name]]
    assert life.states == enum_values
    assert list(life.machine.states) == enum_values
    assert life.machine.initial == life.initial == enum_values[0]
    assert set(LIFECYCLES) == set(STATUSES)


@pytest.mark.parametrize("name", LIFECYCLES)
def test_the_machine_holds_exactly_the_routes_of_the_lifecycle_data(name):
    life = LIFECYCLES[name]
    machine = life.machine
    assert machine.auto_transitions is False
    assert machine.model_attribute == "status"
    assert set(machine.events) == set(life.triggers)
    built = sorted(
        (t, src, tr.dest, tuple(c.func.name for c in tr.conditions))
        for t, event in machine.events.items()
        for src, trs in event.transitions.items()
        for tr in trs
    )
    declared = sorted((r.trigger, s, r.dest, tuple(g.name for g in r.guards)) for r in life.routes for s in r.source)
    assert built == declared


TABLES = {
    "lead": tables.leads,
    "opportunity": tables.opportunities,
    "quote": tables.quotes,
    "order": tables.orders,
    "invoice": tables.invoices,
}


@pytest.mark.parametrize("name", LIFECYCLES)
def test_the_status_check_constraint_lists_the_machine_states(name):
    table = TABLES[name]
    [check] = [c for c in table.constraints if c.name == f"ck_{table.name}_status"]
    assert set(re.findall(r"'([a-z_]+)'", str(check.sqltext))) == set(LIFECYCLES[name].states)


def test_the_lifecycle_diagrams_in_the_docs_are_not_stale():
    committed = (Path(salesflow.__file__).resolve().parent / "docs" / "lifecycle.md").read_text(encoding="utf-8")
    assert committed == lifecycle_markdown(), "run `salesflow diagrams` and commit docs/lifecycle.md"


def test_the_readme_shows_the_current_diagrams():
    readme = (Path(salesflow.__file__).resolve().parent / "README.md").read_text(encoding="utf-8")
    assert readme.count("```mermaid") == len(LIFECYCLES)
    assert readme == with_diagrams(readme), "run `salesflow diagrams` and commit README.md"


def test_machines_are_module_level_singletons_and_never_keep_a_document(monkeypatch):
    modules = {
        "lead": lead_module,
        "opportunity": opportunity_module,
        "quote": quote_module,
        "order": order_module,
        "invoice": invoice_module,
    }
    for name, module in modules.items():
        assert LIFECYCLES[name] is module.LIFECYCLE
    machines = {name: life.machine for name, life in LIFECYCLES.items()}

    built = []
    original_init = transitions.Machine.__init__

    def counting_init(self, *args, **kwargs):
        built.append(type(self))
        original_init(self, *args, **kwargs)

    monkeypatch.setattr(transitions.Machine, "__init__", counting_init)

    fired = []
    for name, life in LIFECYCLES.items():
        route = next(r for r in life.routes if r.source[0] != r.dest or not r.guards)
        ctx = context()
        doc = make_document(name, route.source[0])
        for guard in route.guards:
            GUARDS[guard.name][0](doc, ctx.uow)
        life.allowed(doc, ctx)
        life.fire(doc, route.trigger, ctx)
        fired.append(doc)

    assert built == [], "no machine may be built per document or per request"
    for name, life in LIFECYCLES.items():
        assert life.machine is machines[name]
        assert life.machine.models == []
    for doc in fired:
        # a model registered on a transitions machine gets trigger methods and state predicates
        extra = set(vars(doc)) - {f.name for f in dataclasses.fields(doc)}
        assert {a for a in extra if not a.startswith("_sa_")} == set()
        assert not hasattr(doc, "trigger") and not hasattr(doc, f"may_{route.trigger}")


def test_available_actions_of_a_sent_quote_follow_its_guards():
    ctx = context()
    quote = make_document("quote", "sent")
    assert sorted(available_actions(ctx, quote)) == ["accept", "cancel", "reject", "revise"]
    quote.valid_until = TODAY - timedelta(days=1)
    assert sorted(available_actions(ctx, quote)) == ["cancel", "expire", "reject", "revise"]
    lost = context(opportunity_status=OpportunityStatus.LOST.value)
    quote.valid_until = TODAY
    assert "accept" not in available_actions(lost, quote)


def test_a_won_opportunity_may_reopen_only_without_a_live_order():
    opp = make_document("opportunity", "won")
    assert "reopen" in available_actions(context(), opp)
    opp.live_orders = 1
    assert "reopen" not in available_actions(context(), opp)


def test_a_contract_quote_needs_its_dates_before_it_can_be_sent():
    ctx = context()
    quote = make_document("quote", "draft")
    quote.kind = QuoteKind.CONTRACT.value
    assert "send" not in available_actions(ctx, quote)
    quote.start_date, quote.end_date = date(2030, 7, 1), date(2031, 6, 30)
    assert "send" in available_actions(ctx, quote)
