"""Bad input is refused with a coded error naming the field, and leaves the store exactly as it was.

Each test sets up one small world and then throws a family of bad inputs at one operation. After
every refusal the row count of every table, the number-series counters, and the version and status
of the document concerned are compared with what they were before the first one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC
from decimal import Decimal
from functools import cached_property

import pytest

from salesflow.domain.errors import DomainError, ErrorCode
from salesflow.statemachine import invoice as invoices
from salesflow.statemachine import lead as leads
from salesflow.statemachine import opportunity as opportunities
from salesflow.statemachine import order as orders
from salesflow.statemachine import quote as quotes
from salesflow.statemachine import records

V, NF, CONFLICT, BAD_MOVE = (
    ErrorCode.VALIDATION,
    ErrorCode.NOT_FOUND,
    ErrorCode.CONFLICT,
    ErrorCode.INVALID_TRANSITION,
)
MISSING = 987_654


@pytest.fixture
def database_url(reused_database_url):
    return reused_database_url


class World:
    """The documents the bad inputs are aimed at, each made on first use."""

    def __init__(self, story, uow, actor):
        self.story, self.uow, self.actor = story, uow, actor

    @cached_property
    def lead(self):
        return self.story.lead()

    @cached_property
    def opportunity(self):
        return self.story.opportunity("EUR")

    @cached_property
    def draft_quote(self):
        return self.story.draft_quote(opp=self.opportunity)

    @cached_property
    def sent_quote(self):
        return self.story.sent_quote(opp=self.opportunity)

    @cached_property
    def order(self):
        order = self.story.order(("10", "20"), ("5", "3.5"), policy="manual", opp=self.opportunity)
        return self.story.deliver(order, {0: "4"}).order

    @cached_property
    def issued_invoice(self):
        return self.story.issued_invoice(("10", "19.99", "0", "19"))

    @cached_property
    def draft_invoice(self):
        return self.story.deliver(self.story.order(("1", "10"))).invoice

    REPOS = {
        "lead": "leads",
        "opportunity": "opportunities",
        "draft_quote": "quotes",
        "sent_quote": "quotes",
        "order": "orders",
        "issued_invoice": "invoices",
        "draft_invoice": "invoices",
    }

    def state_of(self, name: str) -> tuple:
        """(version, status) of a document as stored now."""
        with self.uow:
            doc = getattr(self.uow, self.REPOS[name]).get(getattr(self, name).id)
            state = (doc.version, doc.status)
            self.uow.commit()
        return state


@pytest.fixture
def world(story, uow, actor) -> World:
    return World(story, uow, actor)


@dataclass
class Case:
    what: str
    call: Callable[[World], object]
    code: ErrorCode
    field: tuple[str, ...] | None

    def __str__(self):
        return self.what


def refuse_all(world: World, store_snapshot, document: str, cases: list[Case]) -> None:
    """Run every case; each must raise its code and field and change nothing. Report all misses at once."""
    getattr(world, document)  # build the target before the snapshot
    before, doc_before = store_snapshot(), world.state_of(document)
    misses = []
    for case in cases:
        try:
            case.call(world)
        except DomainError as err:
            if err.code != case.code or (case.field is not None and err.field != case.field):
                misses.append(f"{case}: got {err!r}, wanted {case.code.value} on {case.field}")
        except Exception as err:  # noqa: BLE001 - any other exception is a miss too
            misses.append(f"{case}: raised {type(err).__name__}: {err}")
        else:
            misses.append(f"{case}: was accepted")
        if store_snapshot() != before:
            misses.append(f"{case}: the store changed")
            before = store_snapshot()
        if world.state_of(document) != doc_before:
            misses.append(f"{case}: {document} went from {doc_before} to {world.state_of(document)}")
            doc_before = world.state_of(document)
    assert misses == []


def line(**override) -> dict:
    base = dict(description="chair", quantity="10", unit_price="19.99", discount_percent="0", tax_rate="19")
    base.update(override)
    return base


#: (what, line override, code, field under lines.<i>) — the line input every priced document takes.
BAD_LINES = [
    ("negative quantity", dict(quantity="-1"), V, "quantity"),
    ("zero quantity", dict(quantity="0"), V, "quantity"),
    ("negative Decimal quantity", dict(quantity=Decimal("-0.5")), V, "quantity"),
    ("seven decimals of quantity", dict(quantity="1.0000001"), V, "quantity"),
    ("float quantity", dict(quantity=1.5), V, "quantity"),
    ("non-numeric quantity", dict(quantity="ten"), V, "quantity"),
    ("empty quantity", dict(quantity=""), V, "quantity"),
    ("missing quantity", dict(quantity=None), V, "quantity"),
    ("NaN quantity", dict(quantity="NaN"), V, "quantity"),
    ("infinite quantity", dict(quantity="Infinity"), V, "quantity"),
    ("boolean quantity", dict(quantity=True), V, "quantity"),
    ("negative price", dict(unit_price="-0.01"), V, "unitPrice"),
    ("float price", dict(unit_price=19.99), V, "unitPrice"),
    ("seven decimals of price", dict(unit_price="19.9999999"), V, "unitPrice"),
    ("comma as decimal point", dict(unit_price="19,99"), V, "unitPrice"),
    ("negative discount", dict(discount_percent="-1"), V, "discountPercent"),
    ("discount over 100", dict(discount_percent="100.01"), V, "discountPercent"),
    ("float discount", dict(discount_percent=5.0), V, "discountPercent"),
    ("seven decimals of discount", dict(discount_percent="10.0000001"), V, "discountPercent"),
    ("negative tax rate", dict(tax_rate="-19"), V, "taxRate"),
    ("float tax rate", dict(tax_rate=19.0), V, "taxRate"),
    ("non-numeric tax rate", dict(tax_rate="19%"), V, "taxRate"),
    ("blank description", dict(description="  "), V, "description"),
]


def line_cases(make: Callable[[World, list], object]) -> list[Case]:
    cases = [
        Case(what, (lambda w, o=override: make(w, [line(**o)])), code, ("lines", "0", leaf))
        for what, override, code, leaf in BAD_LINES
    ]
    cases.append(
        Case("a bad second line", lambda w: make(w, [line(), line(quantity="-2")]), V, ("lines", "1", "quantity"))
    )
    return cases


def test_bad_lines_for_a_new_quote_are_refused_and_nothing_is_written(world, store_snapshot):
    def quote_with(w, lines, **kw):
        return quotes.convert_opportunity_to_quote(
            w.uow, w.opportunity.id, "proforma", lines=lines, actor=w.actor, **kw
        )

    cases = line_cases(quote_with) + [
        Case(
            "unknown currency",
            lambda w: quote_with(w, [line()], currency="ZZZ"),
            ErrorCode.UNKNOWN_CURRENCY,
            ("currency",),
        ),
        Case(
            "not a currency code",
            lambda w: quote_with(w, [line()], currency="EURO"),
            ErrorCode.UNKNOWN_CURRENCY,
            ("currency",),
        ),
        Case(
            "currency mismatch",
            lambda w: quote_with(w, [line()], currency="USD"),
            ErrorCode.CURRENCY_MISMATCH,
            ("currency",),
        ),
        Case(
            "unknown kind",
            lambda w: quotes.convert_opportunity_to_quote(
                w.uow, w.opportunity.id, "barter", lines=[line()], actor=w.actor
            ),
            V,
            ("kind",),
        ),
    ]
    refuse_all(world, store_snapshot, "opportunity", cases)


def test_bad_lines_for_a_draft_quote_are_refused_and_the_quote_is_untouched(world, store_snapshot):
    def edit(w, lines, **kw):
        return quotes.update_quote(w.uow, w.draft_quote.id, lines=lines, actor=w.actor, **kw)

    cases = line_cases(edit) + [
        Case(
            "stale expected version",
            lambda w: edit(w, [line()], expected_version=w.draft_quote.version - 1),
            CONFLICT,
            ("expectedVersion",),
        ),
        Case(
            "version from the future",
            lambda w: edit(w, [line()], expected_version=w.draft_quote.version + 1),
            CONFLICT,
            ("expectedVersion",),
        ),
    ]
    refuse_all(world, store_snapshot, "draft_quote", cases)
    with world.uow:
        assert [ln.quantity for ln in world.uow.quotes.get(world.draft_quote.id).lines] == [Decimal(10)]


def test_bad_lines_for_a_new_order_are_refused_and_nothing_is_written(world, store_snapshot):
    def order_with(w, lines, currency="EUR"):
        return orders.create_order(w.uow, w.opportunity.id, currency, lines, actor=w.actor)

    cases = line_cases(order_with) + [
        Case("unknown currency", lambda w: order_with(w, [line()], "ZZZ"), ErrorCode.UNKNOWN_CURRENCY, ("currency",)),
        Case("currency mismatch", lambda w: order_with(w, [line()], "JPY"), ErrorCode.CURRENCY_MISMATCH, ("currency",)),
        Case("no lines", lambda w: order_with(w, []), V, ("lines",)),
        Case(
            "unknown invoicing policy",
            lambda w: orders.create_order(
                w.uow, w.opportunity.id, "EUR", [line()], invoicing_policy="yearly", actor=w.actor
            ),
            V,
            ("invoicingPolicy",),
        ),
    ]
    refuse_all(world, store_snapshot, "opportunity", cases)


def test_bad_delivery_quantities_are_refused_and_the_order_is_untouched(world, store_snapshot):
    def deliver(w, quantity, line_index=0, **kw):
        return orders.record_delivery(
            w.uow,
            w.order.id,
            [dict(order_line_id=w.order.lines[line_index].id, quantity=quantity)],
            actor=w.actor,
            **kw,
        )

    q = ("lines", "0", "quantity")
    cases = [
        Case("negative quantity", lambda w: deliver(w, "-1"), V, q),
        Case("zero quantity", lambda w: deliver(w, "0"), V, q),
        Case("seven decimals", lambda w: deliver(w, "1.0000001"), V, q),
        Case("float quantity", lambda w: deliver(w, 1.5), V, q),
        Case("non-numeric quantity", lambda w: deliver(w, "some"), V, q),
        Case("more than remains", lambda w: deliver(w, "6.5"), ErrorCode.OVER_DELIVERY, q),
        Case("more than ordered", lambda w: deliver(w, "5.000001", line_index=1), ErrorCode.OVER_DELIVERY, q),
        Case(
            "unknown order line",
            lambda w: orders.record_delivery(
                w.uow, w.order.id, [dict(order_line_id=MISSING, quantity="1")], actor=w.actor
            ),
            NF,
            ("lines", "0", "orderLineId"),
        ),
        Case(
            "stale expected version",
            lambda w: deliver(w, "1", expected_version=w.order.version - 1),
            CONFLICT,
            ("expectedVersion",),
        ),
        Case(
            "missing order",
            lambda w: orders.record_delivery(w.uow, MISSING, [dict(order_line_id=1, quantity="1")], actor=w.actor),
            NF,
            ("orderId",),
        ),
    ]
    refuse_all(world, store_snapshot, "order", cases)


def test_bad_payments_are_refused_and_the_invoice_is_untouched(world, store_snapshot):
    def pay(w, amount, **kw):
        return invoices.record_payment(w.uow, w.issued_invoice.id, amount, actor=w.actor, **kw)

    a = ("amount",)
    cases = [
        Case("negative amount", lambda w: pay(w, "-5.00"), V, a),
        Case("zero amount", lambda w: pay(w, "0"), V, a),
        Case("more decimals than the currency", lambda w: pay(w, "1.001"), V, a),
        Case("float amount", lambda w: pay(w, 10.0), V, a),
        Case("non-numeric amount", lambda w: pay(w, "ten euros"), V, a),
        Case("more than is due", lambda w: pay(w, "237.89"), ErrorCode.OVER_PAYMENT, a),
        Case("unknown currency", lambda w: pay(w, "10.00", currency="ZZZ"), ErrorCode.UNKNOWN_CURRENCY, ("currency",)),
        Case(
            "currency mismatch", lambda w: pay(w, "10.00", currency="USD"), ErrorCode.CURRENCY_MISMATCH, ("currency",)
        ),
        Case(
            "missing invoice",
            lambda w: invoices.record_payment(w.uow, MISSING, "1.00", actor=w.actor),
            NF,
            ("invoiceId",),
        ),
    ]
    refuse_all(world, store_snapshot, "issued_invoice", cases)


STALE = [
    ("lead", lambda w, v: leads.update_lead(w.uow, w.lead.id, notes="x", expected_version=v, actor=w.actor)),
    ("lead", lambda w, v: leads.disqualify_lead(w.uow, w.lead.id, "why", expected_version=v, actor=w.actor)),
    (
        "opportunity",
        lambda w, v: opportunities.win_opportunity(w.uow, w.opportunity.id, expected_version=v, actor=w.actor),
    ),
    (
        "opportunity",
        lambda w, v: opportunities.update_opportunity(
            w.uow, w.opportunity.id, title="x", expected_version=v, actor=w.actor
        ),
    ),
    ("draft_quote", lambda w, v: quotes.send_quote(w.uow, w.draft_quote.id, expected_version=v, actor=w.actor)),
    ("draft_quote", lambda w, v: quotes.revise_quote(w.uow, w.draft_quote.id, expected_version=v, actor=w.actor)),
    (
        "sent_quote",
        lambda w, v: orders.convert_quote_to_order(w.uow, w.sent_quote.id, expected_version=v, actor=w.actor),
    ),
    ("order", lambda w, v: orders.cancel_order(w.uow, w.order.id, expected_version=v, actor=w.actor)),
    (
        "draft_invoice",
        lambda w, v: invoices.issue_invoice(w.uow, w.draft_invoice.id, expected_version=v, actor=w.actor),
    ),
    (
        "issued_invoice",
        lambda w, v: invoices.void_invoice(w.uow, w.issued_invoice.id, "why", expected_version=v, actor=w.actor),
    ),
]


@pytest.mark.parametrize("document", sorted(set(d for d, _ in STALE)))
def test_a_stale_expected_version_is_a_conflict_on_the_expected_version_field(world, store_snapshot, document):
    doc = getattr(world, document)
    cases = [
        Case(
            f"{document} operation {i} at version {v}", (lambda w, c=call, v=v: c(w, v)), CONFLICT, ("expectedVersion",)
        )
        for i, (d, call) in enumerate(STALE)
        if d == document
        for v in (doc.version - 1, doc.version + 5)
    ]
    refuse_all(world, store_snapshot, document, cases)


def test_operations_on_missing_documents_are_not_found_naming_the_id_field(world, store_snapshot):
    world.opportunity  # noqa: B018 - made before the snapshot, some cases aim at it
    u = lambda w: dict(actor=w.actor)  # noqa: E731
    cases = [
        Case("update a missing lead", lambda w: leads.update_lead(w.uow, MISSING, notes="x", **u(w)), NF, ("leadId",)),
        Case("work a missing lead", lambda w: leads.mark_lead_contacted(w.uow, MISSING, **u(w)), NF, ("leadId",)),
        Case("convert a missing lead", lambda w: leads.convert_lead(w.uow, MISSING, **u(w)), NF, ("leadId",)),
        Case(
            "convert into a missing account",
            lambda w: leads.convert_lead(w.uow, w.lead.id, account_id=MISSING, **u(w)),
            NF,
            ("accountId",),
        ),
        Case(
            "convert into a missing contact",
            lambda w: leads.convert_lead(w.uow, w.lead.id, contact_id=MISSING, **u(w)),
            NF,
            ("contactId",),
        ),
        Case(
            "win a missing opportunity",
            lambda w: opportunities.win_opportunity(w.uow, MISSING, **u(w)),
            NF,
            ("opportunityId",),
        ),
        Case(
            "opportunity for a missing account",
            lambda w: opportunities.create_opportunity(w.uow, "x", account_id=MISSING, **u(w)),
            NF,
            ("accountId",),
        ),
        Case(
            "move to a missing stage",
            lambda w: opportunities.move_opportunity_stage(w.uow, w.opportunity.id, MISSING, **u(w)),
            NF,
            ("stageId",),
        ),
        Case(
            "quote a missing opportunity",
            lambda w: quotes.convert_opportunity_to_quote(w.uow, MISSING, "proforma", lines=[line()], **u(w)),
            NF,
            ("opportunityId",),
        ),
        Case(
            "order for a missing opportunity",
            lambda w: orders.create_order(w.uow, MISSING, "EUR", [line()], **u(w)),
            NF,
            ("opportunityId",),
        ),
        Case("send a missing quote", lambda w: quotes.send_quote(w.uow, MISSING, **u(w)), NF, ("quoteId",)),
        Case(
            "edit a missing quote", lambda w: quotes.update_quote(w.uow, MISSING, terms="x", **u(w)), NF, ("quoteId",)
        ),
        Case("revise a missing quote", lambda w: quotes.revise_quote(w.uow, MISSING, **u(w)), NF, ("quoteId",)),
        Case(
            "accept a missing quote", lambda w: orders.convert_quote_to_order(w.uow, MISSING, **u(w)), NF, ("quoteId",)
        ),
        Case(
            "invoice a missing order",
            lambda w: orders.convert_order_to_invoice(w.uow, MISSING, **u(w)),
            NF,
            ("orderId",),
        ),
        Case("cancel a missing order", lambda w: orders.cancel_order(w.uow, MISSING, **u(w)), NF, ("orderId",)),
        Case("issue a missing invoice", lambda w: invoices.issue_invoice(w.uow, MISSING, **u(w)), NF, ("invoiceId",)),
        Case(
            "void a missing invoice", lambda w: invoices.void_invoice(w.uow, MISSING, "why", **u(w)), NF, ("invoiceId",)
        ),
        Case(
            "update a missing account",
            lambda w: records.update_account(w.uow, MISSING, name="x", **u(w)),
            NF,
            ("accountId",),
        ),
        Case(
            "update a missing stage", lambda w: records.update_stage(w.uow, MISSING, name="x", **u(w)), NF, ("stageId",)
        ),
    ]
    refuse_all(world, store_snapshot, "lead", cases)


WRONG_STATE = [
    ("lead", "mark a working lead contacted", lambda w: leads.mark_lead_contacted(w.uow, w.lead.id, actor=w.actor)),
    ("lead", "reactivate a working lead", lambda w: leads.reactivate_lead(w.uow, w.lead.id, actor=w.actor)),
    (
        "opportunity",
        "reopen an open opportunity",
        lambda w: opportunities.reopen_opportunity(w.uow, w.opportunity.id, actor=w.actor),
    ),
    ("sent_quote", "send a sent quote", lambda w: quotes.send_quote(w.uow, w.sent_quote.id, actor=w.actor)),
    (
        "sent_quote",
        "edit a sent quote",
        lambda w: quotes.update_quote(w.uow, w.sent_quote.id, terms="x", actor=w.actor),
    ),
    ("draft_quote", "reject a draft", lambda w: quotes.reject_quote(w.uow, w.draft_quote.id, actor=w.actor)),
    ("draft_quote", "expire a draft", lambda w: quotes.expire_quote(w.uow, w.draft_quote.id, actor=w.actor)),
    ("draft_quote", "accept a draft", lambda w: orders.convert_quote_to_order(w.uow, w.draft_quote.id, actor=w.actor)),
    ("order", "cancel a partially delivered order", lambda w: orders.cancel_order(w.uow, w.order.id, actor=w.actor)),
    (
        "issued_invoice",
        "issue an issued invoice",
        lambda w: invoices.issue_invoice(w.uow, w.issued_invoice.id, actor=w.actor),
    ),
    (
        "draft_invoice",
        "void a draft invoice",
        lambda w: invoices.void_invoice(w.uow, w.draft_invoice.id, "why", actor=w.actor),
    ),
    (
        "draft_invoice",
        "pay a draft invoice",
        lambda w: invoices.record_payment(w.uow, w.draft_invoice.id, "1.00", actor=w.actor),
    ),
]


@pytest.mark.parametrize("document", sorted(set(d for d, _, _ in WRONG_STATE)))
def test_a_transition_from_the_wrong_state_is_refused_and_changes_nothing(world, store_snapshot, document):
    if document == "lead":
        leads.mark_lead_contacted(world.uow, world.lead.id, actor=world.actor)
    cases = [Case(what, call, BAD_MOVE, None) for d, what, call in WRONG_STATE if d == document]
    refuse_all(world, store_snapshot, document, cases)


def test_bad_values_for_records_are_refused_naming_the_field(world, store_snapshot):
    cases = [
        Case(
            "opportunity amount with three decimals",
            lambda w: opportunities.create_opportunity(w.uow, "x", currency="EUR", amount="10.001", actor=w.actor),
            V,
            ("amount",),
        ),
        Case(
            "opportunity amount as a float",
            lambda w: opportunities.create_opportunity(w.uow, "x", currency="EUR", amount=10.5, actor=w.actor),
            V,
            ("amount",),
        ),
        Case(
            "opportunity amount without a currency",
            lambda w: opportunities.create_opportunity(w.uow, "x", amount="10", actor=w.actor),
            V,
            ("currency",),
        ),
        Case(
            "opportunity in an unknown currency",
            lambda w: opportunities.create_opportunity(w.uow, "x", currency="ZZZ", actor=w.actor),
            ErrorCode.UNKNOWN_CURRENCY,
            ("currency",),
        ),
        Case(
            "opportunity without a title",
            lambda w: opportunities.create_opportunity(w.uow, " ", actor=w.actor),
            V,
            ("title",),
        ),
        Case(
            "yen amount with decimals",
            lambda w: opportunities.create_opportunity(w.uow, "x", currency="JPY", amount="100.5", actor=w.actor),
            V,
            ("amount",),
        ),
        Case(
            "stage probability over 100",
            lambda w: records.create_stage(w.uow, "Dream", "120", actor=w.actor),
            V,
            ("probability",),
        ),
        Case(
            "negative stage probability",
            lambda w: records.create_stage(w.uow, "Doom", "-1", actor=w.actor),
            V,
            ("probability",),
        ),
        Case("account without a name", lambda w: records.create_account(w.uow, "", actor=w.actor), V, ("name",)),
        Case(
            "lead with an unknown field",
            lambda w: leads.create_lead(w.uow, "x", budget="1", actor=w.actor),
            V,
            ("budget",),
        ),
        Case(
            "stages reordered with one missing",
            lambda w: records.reorder_stages(w.uow, [1, 2], actor=w.actor),
            V,
            ("stageIds",),
        ),
    ]
    refuse_all(world, store_snapshot, "opportunity", cases)


def test_a_quantity_too_large_to_store_is_refused_as_validation_on_every_backend(world, store_snapshot):
    def order_with(w, lines):
        return orders.create_order(w.uow, w.opportunity.id, "EUR", lines, actor=w.actor)

    refuse_all(
        world,
        store_snapshot,
        "opportunity",
        [
            Case(
                "a hundred trillion chairs",
                lambda w: order_with(w, [line(quantity="100000000000000")]),
                V,
                ("lines", "0", "quantity"),
            ),
        ],
    )


def test_text_longer_than_its_column_is_refused_naming_the_field_on_every_backend(world, store_snapshot):
    refuse_all(
        world,
        store_snapshot,
        "opportunity",
        [
            Case(
                "a 300-character lead title",
                lambda w: leads.create_lead(w.uow, "x" * 300, actor=w.actor),
                V,
                ("title",),
            ),
            Case(
                "a 100-character product code",
                lambda w: orders.create_order(
                    w.uow, w.opportunity.id, "EUR", [line(product_code="p" * 100)], actor=w.actor
                ),
                V,
                ("lines", "0", "productCode"),
            ),
        ],
    )


def test_a_delivery_time_without_a_timezone_is_refused_or_read_as_utc(world, store_snapshot):
    from datetime import datetime

    order = world.order
    before = store_snapshot()
    naive = datetime(2030, 1, 15, 10, 30)
    try:
        result = orders.record_delivery(
            world.uow,
            order.id,
            [dict(order_line_id=order.lines[0].id, quantity="1")],
            delivered_at=naive,
            actor=world.actor,
        )
    except DomainError as err:
        assert (err.code, err.field) == (V, ("deliveredAt",))
        assert store_snapshot() == before
    else:
        assert result.delivery.delivered_at == naive.replace(tzinfo=UTC)
