"""Opportunities move through the sales stages and are won or lost; quotes are sent, revised and accepted."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone
from decimal import Decimal

import pytest
from support import expect, history, reload

from salesflow.domain.errors import DomainError, ErrorCode
from salesflow.statemachine import available_actions, records
from salesflow.statemachine import opportunity as opportunities
from salesflow.statemachine import order as orders
from salesflow.statemachine import quote as quotes
from salesflow.statemachine.engine import Context


@pytest.fixture
def database_url(reused_database_url):
    return reused_database_url


def at(day, hour=12) -> datetime:
    """A clock reading on the given date (UTC)."""
    return datetime.combine(day, time(hour), tzinfo=UTC)


def stages(uow):
    with uow:
        found = uow.stages.find(active=True, order_by="sequence")
        uow.commit()
    return found


# --- opportunities --------------------------------------------------------------------------------


def test_a_new_opportunity_is_open_on_the_first_stage_with_its_probability(story, uow):
    opp = story.opportunity()
    first = stages(uow)[0]
    stored = reload(uow, "opportunities", opp.id)
    assert (stored.status, stored.stage_id, stored.probability, stored.currency) == (
        "open",
        first.id,
        first.probability,
        "EUR",
    )
    assert history(uow, "opportunity", opp.id) == [("create", None, "open", None)]


def test_moving_an_opportunity_through_the_stages_makes_the_probability_follow_the_stage(story, uow, actor):
    opp = story.opportunity()
    process = stages(uow)
    assert [s.probability for s in process] == [Decimal(p) for p in (10, 20, 40, 60, 80)]
    for stage in process[1:]:
        moved = opportunities.move_opportunity_stage(uow, opp.id, stage.id, actor=actor)
        assert (moved.stage_id, moved.probability, moved.status) == (stage.id, stage.probability, "open")
    stored = reload(uow, "opportunities", opp.id)
    assert (stored.stage_id, stored.probability) == (process[-1].id, Decimal(80))
    moves = [h for h in history(uow, "opportunity", opp.id) if h[0] == "move_stage"]
    assert [(t, f, to) for t, f, to, _ in moves] == [("move_stage", "open", "open")] * (len(process) - 1)


def test_a_stage_with_its_own_probability_can_be_added_to_the_process(story, uow, actor):
    stage = records.create_stage(uow, "Legal review", "90", actor=actor)
    assert stage.sequence > stages(uow)[-2].sequence
    opp = story.opportunity()
    moved = opportunities.move_opportunity_stage(uow, opp.id, stage.id, actor=actor)
    assert moved.probability == Decimal(90)


def test_an_archived_stage_cannot_be_chosen(story, uow, actor, store_snapshot):
    opp = story.opportunity()
    demo = stages(uow)[2]
    records.update_stage(uow, demo.id, active=False, actor=actor)
    before = store_snapshot()
    with expect(ErrorCode.VALIDATION, ("stageId",)):
        opportunities.move_opportunity_stage(uow, opp.id, demo.id, actor=actor)
    with expect(ErrorCode.NOT_FOUND, ("stageId",)):
        opportunities.move_opportunity_stage(uow, opp.id, 99_999, actor=actor)
    assert store_snapshot() == before
    assert reload(uow, "opportunities", opp.id).version == opp.version


def test_winning_an_opportunity_makes_its_probability_100(story, uow, actor):
    opp = story.opportunity()
    won = opportunities.win_opportunity(uow, opp.id, actor=actor)
    assert (won.status, won.probability) == ("won", Decimal(100))
    assert history(uow, "opportunity", opp.id)[-1][:3] == ("win", "open", "won")


def test_a_won_opportunity_no_longer_moves_through_the_stages(story, uow, actor):
    opp = story.opportunity()
    opportunities.win_opportunity(uow, opp.id, actor=actor)
    with expect(ErrorCode.INVALID_TRANSITION) as err:
        opportunities.move_opportunity_stage(uow, opp.id, stages(uow)[1].id, actor=actor)
    assert "won" in err.value.message
    assert reload(uow, "opportunities", opp.id).probability == Decimal(100)


@pytest.mark.parametrize("reason", [None, "", "  "])
def test_losing_an_opportunity_needs_a_reason(story, uow, actor, store_snapshot, reason):
    opp = story.opportunity()
    before = store_snapshot()
    with expect(ErrorCode.VALIDATION, ("reason",)):
        opportunities.lose_opportunity(uow, opp.id, reason, actor=actor)
    assert store_snapshot() == before
    assert reload(uow, "opportunities", opp.id).status == "open"


def test_a_lost_opportunity_has_probability_0_and_reopens_at_its_stage(story, uow, actor):
    opp = story.opportunity()
    demo = stages(uow)[2]
    opportunities.move_opportunity_stage(uow, opp.id, demo.id, actor=actor)
    lost = opportunities.lose_opportunity(uow, opp.id, "went with a competitor", actor=actor)
    assert (lost.status, lost.probability, lost.lost_reason) == ("lost", Decimal(0), "went with a competitor")

    reopened = opportunities.reopen_opportunity(uow, opp.id, actor=actor)
    assert (reopened.status, reopened.probability, reopened.lost_reason) == ("open", demo.probability, None)
    assert [h[:3] for h in history(uow, "opportunity", opp.id)[-2:]] == [
        ("lose", "open", "lost"),
        ("reopen", "lost", "open"),
    ]
    assert history(uow, "opportunity", opp.id)[-2][3] == "went with a competitor"


def test_an_open_opportunity_cannot_be_reopened(story, uow, actor):
    opp = story.opportunity()
    with expect(ErrorCode.INVALID_TRANSITION):
        opportunities.reopen_opportunity(uow, opp.id, actor=actor)


def test_a_won_opportunity_without_orders_can_be_reopened(story, uow, actor):
    opp = story.opportunity()
    opportunities.win_opportunity(uow, opp.id, actor=actor)
    reopened = opportunities.reopen_opportunity(uow, opp.id, actor=actor)
    assert (reopened.status, reopened.probability) == ("open", stages(uow)[0].probability)


def test_a_won_opportunity_stays_won_while_a_live_order_exists_and_reopens_once_it_is_canceled(
    story, uow, actor, store_snapshot
):
    opp = story.opportunity()
    order = story.order(opp=opp)
    assert reload(uow, "opportunities", opp.id).status == "won"
    before = store_snapshot()
    with expect(ErrorCode.INVALID_TRANSITION, ("opportunityId",)) as err:
        opportunities.reopen_opportunity(uow, opp.id, actor=actor)
    assert "live order" in err.value.message
    assert store_snapshot() == before

    orders.cancel_order(uow, order.id, "customer changed their mind", actor=actor)
    reopened = opportunities.reopen_opportunity(uow, opp.id, actor=actor)
    assert (reopened.status, reopened.amount) == ("open", Decimal("0.00"))


def test_a_lost_opportunity_takes_neither_quote_nor_order(story, uow, actor, store_snapshot):
    opp = story.opportunity()
    opportunities.lose_opportunity(uow, opp.id, "no budget", actor=actor)
    before = store_snapshot()
    with expect(ErrorCode.INVALID_TRANSITION, ("opportunityId",)):
        quotes.convert_opportunity_to_quote(uow, opp.id, "proforma", lines=story.lines(), actor=actor)
    with expect(ErrorCode.INVALID_TRANSITION, ("opportunityId",)):
        orders.create_order(uow, opp.id, "EUR", story.lines(), actor=actor)
    assert store_snapshot() == before


# --- quotes: creating and editing -----------------------------------------------------------------


def test_a_quote_from_an_opportunity_inherits_its_currency_and_is_priced(story, uow, actor, today, next_month):
    opp = story.opportunity("EUR")
    quote = quotes.convert_opportunity_to_quote(
        uow, opp.id, "proforma", valid_until=next_month, lines=story.lines(("10", "19.99", "0", "19")), actor=actor
    )
    stored = reload(uow, "quotes", quote.id)
    assert (stored.currency, stored.status, stored.kind, stored.revision, stored.is_latest) == (
        "EUR",
        "draft",
        "proforma",
        0,
        True,
    )
    assert stored.number == f"Q/{today.year}/00001"
    assert (stored.subtotal, stored.discount_total, stored.tax_total, stored.total) == (
        Decimal("199.90"),
        Decimal("0.00"),
        Decimal("37.98"),
        Decimal("237.88"),
    )
    assert [(ln.description, ln.quantity, ln.unit_price, ln.total) for ln in stored.lines] == [
        ("item 0", Decimal(10), Decimal("19.99"), Decimal("237.88"))
    ]
    assert history(uow, "quote", quote.id) == [("create", None, "draft", None)]


def test_quotes_take_consecutive_numbers(story, uow, today):
    first, second = story.draft_quote(), story.draft_quote()
    assert (first.number, second.number) == (f"Q/{today.year}/00001", f"Q/{today.year}/00002")


def test_a_quote_in_a_given_currency_fixes_the_currency_of_an_opportunity_that_had_none(story, uow, actor):
    opp = opportunities.create_opportunity(uow, "Chairs", actor=actor)
    assert opp.currency is None
    quote = quotes.convert_opportunity_to_quote(
        uow, opp.id, "proforma", currency="usd", lines=story.lines(), actor=actor
    )
    assert quote.currency == "USD"
    assert reload(uow, "opportunities", opp.id).currency == "USD"


def test_a_quote_in_another_currency_than_its_opportunity_is_a_currency_mismatch(story, uow, actor, store_snapshot):
    opp = story.opportunity("EUR")
    before = store_snapshot()
    with expect(ErrorCode.CURRENCY_MISMATCH, ("currency",)):
        quotes.convert_opportunity_to_quote(uow, opp.id, "proforma", currency="USD", lines=story.lines(), actor=actor)
    assert store_snapshot() == before


@pytest.mark.parametrize("opp_currency", ["EUR", None])
def test_a_quote_in_an_unknown_currency_is_refused(story, uow, actor, store_snapshot, opp_currency):
    opp = opportunities.create_opportunity(uow, "Chairs", currency=opp_currency, actor=actor)
    before = store_snapshot()
    with expect(ErrorCode.UNKNOWN_CURRENCY, ("currency",)):
        quotes.convert_opportunity_to_quote(uow, opp.id, "proforma", currency="ZZZ", lines=story.lines(), actor=actor)
    assert store_snapshot() == before
    assert reload(uow, "opportunities", opp.id).currency == opp_currency


def test_a_quote_needs_a_currency_when_its_opportunity_has_none(story, uow, actor):
    opp = opportunities.create_opportunity(uow, "Chairs", actor=actor)
    with expect(ErrorCode.VALIDATION, ("currency",)):
        quotes.convert_opportunity_to_quote(uow, opp.id, "proforma", lines=story.lines(), actor=actor)


def test_an_unknown_quote_kind_is_refused(story, uow, actor):
    opp = story.opportunity()
    with expect(ErrorCode.VALIDATION, ("kind",)):
        quotes.convert_opportunity_to_quote(uow, opp.id, "barter", lines=story.lines(), actor=actor)


def test_a_draft_quote_can_be_edited_and_is_repriced(story, uow, actor, next_month):
    quote = story.draft_quote()
    edited = quotes.update_quote(
        uow,
        quote.id,
        lines=story.lines(("3", "100", "10", "20"), ("1", "5.5")),
        valid_until=next_month + timedelta(days=5),
        terms="net 30",
        expected_version=quote.version,
        actor=actor,
    )
    stored = reload(uow, "quotes", quote.id)
    assert stored.version == quote.version + 1 and edited.terms == "net 30"
    assert [(ln.sequence, ln.quantity, ln.net_amount) for ln in stored.lines] == [
        (10, Decimal(3), Decimal("270.00")),
        (20, Decimal(1), Decimal("5.50")),
    ]
    assert (stored.subtotal, stored.discount_total, stored.tax_total, stored.total) == (
        Decimal("305.50"),
        Decimal("30.00"),
        Decimal("54.00"),
        Decimal("329.50"),
    )
    assert stored.valid_until == next_month + timedelta(days=5)


@pytest.mark.parametrize("state", ["sent", "rejected", "canceled", "superseded", "accepted"])
def test_only_a_draft_quote_can_be_edited(story, uow, actor, store_snapshot, state):
    quote = story.sent_quote()
    if state == "rejected":
        quotes.reject_quote(uow, quote.id, actor=actor)
    elif state == "canceled":
        quotes.cancel_quote(uow, quote.id, actor=actor)
    elif state == "superseded":
        quotes.revise_quote(uow, quote.id, actor=actor)
    elif state == "accepted":
        orders.convert_quote_to_order(uow, quote.id, actor=actor)
    assert reload(uow, "quotes", quote.id).status == state
    before = store_snapshot()
    with expect(ErrorCode.INVALID_TRANSITION, ("quoteId",)) as err:
        quotes.update_quote(uow, quote.id, lines=story.lines(("1", "1")), terms="changed", actor=actor)
    assert state in err.value.message
    assert store_snapshot() == before
    stored = reload(uow, "quotes", quote.id)
    assert stored.terms is None and [ln.quantity for ln in stored.lines] == [Decimal(10)]


# --- quotes: sending ------------------------------------------------------------------------------


def test_sending_a_draft_quote_moves_it_to_sent(story, uow, actor):
    quote = story.draft_quote()
    sent = quotes.send_quote(uow, quote.id, actor=actor)
    assert sent.status == "sent"
    assert history(uow, "quote", quote.id)[-1][:3] == ("send", "draft", "sent")


def test_sending_a_quote_needs_at_least_one_line(story, uow, actor, store_snapshot, next_month):
    opp = story.opportunity()
    quote = quotes.convert_opportunity_to_quote(uow, opp.id, "proforma", valid_until=next_month, actor=actor)
    assert quote.lines == []
    before = store_snapshot()
    with expect(ErrorCode.VALIDATION, ("lines",)):
        quotes.send_quote(uow, quote.id, actor=actor)
    assert store_snapshot() == before
    assert reload(uow, "quotes", quote.id).status == "draft"


def test_sending_a_quote_needs_a_valid_until_date(story, uow, actor):
    opp = story.opportunity()
    quote = quotes.convert_opportunity_to_quote(uow, opp.id, "proforma", lines=story.lines(), actor=actor)
    with expect(ErrorCode.VALIDATION, ("validUntil",)):
        quotes.send_quote(uow, quote.id, actor=actor)


def test_sending_a_quote_whose_validity_has_passed_is_refused(story, uow, actor, next_month):
    quote = story.draft_quote()
    with expect(ErrorCode.VALIDATION, ("validUntil",)):
        quotes.send_quote(uow, quote.id, actor=actor, now=at(next_month + timedelta(days=1)))
    assert reload(uow, "quotes", quote.id).status == "draft"
    # on its last valid day it can still go out
    assert quotes.send_quote(uow, quote.id, actor=actor, now=at(next_month, 23)).status == "sent"


def test_a_contract_quote_needs_start_and_end_dates_before_it_is_sent(story, uow, actor, today, next_month):
    quote = story.draft_quote(kind="contract")
    assert quote.kind == "contract"
    with expect(ErrorCode.VALIDATION, ("startDate",)):
        quotes.send_quote(uow, quote.id, actor=actor)
    with expect(ErrorCode.VALIDATION, ("endDate",)):
        quotes.update_quote(uow, quote.id, start_date=today + timedelta(days=60), end_date=today, actor=actor)
    quotes.update_quote(
        uow,
        quote.id,
        start_date=today,
        end_date=today + timedelta(days=365),
        terms="12 months of chair maintenance",
        actor=actor,
    )
    sent = quotes.send_quote(uow, quote.id, actor=actor)
    assert (sent.status, sent.start_date, sent.end_date) == ("sent", today, today + timedelta(days=365))


def test_a_contract_quote_with_its_end_before_its_start_is_refused_at_creation(
    story, uow, actor, today, store_snapshot
):
    opp = story.opportunity()
    before = store_snapshot()
    with expect(ErrorCode.VALIDATION, ("endDate",)):
        quotes.convert_opportunity_to_quote(
            uow,
            opp.id,
            "contract",
            start_date=today,
            end_date=today - timedelta(days=1),
            lines=story.lines(),
            actor=actor,
        )
    assert store_snapshot() == before


# --- quotes: revising -----------------------------------------------------------------------------


def test_quote_revision_supersedes_the_sent_quote(story, uow, actor):
    old = story.sent_quote(("10", "19.99", "0", "19"), ("2", "350", "5", "19"))
    new, previous = quotes.revise_quote(uow, old.id, actor=actor)

    stored_old, stored_new = reload(uow, "quotes", old.id), reload(uow, "quotes", new.id)
    assert (stored_old.status, stored_old.is_latest) == ("superseded", False)
    assert previous.id == old.id
    assert (
        stored_new.status,
        stored_new.number,
        stored_new.revision,
        stored_new.is_latest,
        stored_new.previous_revision_id,
    ) == ("draft", old.number, 1, True, old.id)
    terms = lambda q: [
        (
            ln.sequence,
            ln.description,
            ln.quantity,
            ln.unit_price,
            ln.discount_percent,  # noqa: E731
            ln.tax_rate,
            ln.total,
        )
        for ln in q.lines
    ]
    assert terms(stored_new) == terms(stored_old)
    assert {ln.id for ln in stored_new.lines}.isdisjoint({ln.id for ln in stored_old.lines})
    assert (stored_new.total, stored_new.currency, stored_new.valid_until) == (
        stored_old.total,
        stored_old.currency,
        stored_old.valid_until,
    )
    assert history(uow, "quote", old.id)[-1][:3] == ("revise", "sent", "superseded")
    assert history(uow, "quote", new.id) == [("create", None, "draft", None)]


@pytest.mark.parametrize("state", ["draft", "rejected"])
def test_a_draft_or_rejected_quote_can_be_revised_too(story, uow, actor, state):
    quote = story.draft_quote() if state == "draft" else story.sent_quote()
    if state == "rejected":
        quotes.reject_quote(uow, quote.id, actor=actor)
    new, old = quotes.revise_quote(uow, quote.id, actor=actor)
    assert (old.status, new.status, new.revision) == ("superseded", "draft", 1)
    assert history(uow, "quote", quote.id)[-1][:3] == ("revise", state, "superseded")


def test_negotiation_keeps_one_number_and_exactly_one_latest_revision(story, uow, actor):
    quote = story.sent_quote()
    r1, _ = quotes.revise_quote(uow, quote.id, actor=actor)
    quotes.update_quote(uow, r1.id, lines=story.lines(("10", "18.50", "0", "19")), actor=actor)
    quotes.send_quote(uow, r1.id, actor=actor)
    r2, _ = quotes.revise_quote(uow, r1.id, actor=actor)
    with uow:
        family = uow.quotes.find(number=quote.number, order_by="revision")
        rows = [(q.revision, q.status, q.is_latest) for q in family]
        uow.commit()
    assert rows == [(0, "superseded", False), (1, "superseded", False), (2, "draft", True)]
    assert reload(uow, "quotes", r2.id).lines[0].unit_price == Decimal("18.50")


def test_a_superseded_revision_cannot_be_accepted(story, uow, actor, store_snapshot):
    old = story.sent_quote()
    new, _ = quotes.revise_quote(uow, old.id, actor=actor)
    quotes.send_quote(uow, new.id, actor=actor)
    before = store_snapshot()
    with expect(ErrorCode.NOT_LATEST_REVISION, ("quoteId",)):
        orders.convert_quote_to_order(uow, old.id, actor=actor)
    assert store_snapshot() == before
    assert orders.convert_quote_to_order(uow, new.id, actor=actor).quote.status == "accepted"


def test_a_superseded_revision_cannot_be_revised_again(story, uow, actor):
    old = story.sent_quote()
    quotes.revise_quote(uow, old.id, actor=actor)
    with expect(ErrorCode.NOT_LATEST_REVISION, ("quoteId",)):
        quotes.revise_quote(uow, old.id, actor=actor)


def test_revising_a_superseded_revision_is_refused_and_changes_nothing(story, uow, actor, store_snapshot):
    old = story.sent_quote()
    quotes.revise_quote(uow, old.id, actor=actor)
    before = store_snapshot()
    with pytest.raises(DomainError) as err:
        quotes.revise_quote(uow, old.id, actor=actor)
    assert err.value.code in (ErrorCode.NOT_LATEST_REVISION, ErrorCode.INVALID_TRANSITION)
    assert store_snapshot() == before


# --- quotes: expiry, rejection, cancellation ------------------------------------------------------


def test_an_expired_quote_cannot_be_accepted(story, uow, actor, store_snapshot, next_month):
    quote = story.sent_quote()
    before = store_snapshot()
    with expect(ErrorCode.QUOTE_EXPIRED, ("quoteId",)):
        orders.convert_quote_to_order(uow, quote.id, actor=actor, now=at(next_month + timedelta(days=1), 0))
    assert store_snapshot() == before
    assert reload(uow, "quotes", quote.id).status == "sent"
    assert reload(uow, "opportunities", quote.opportunity_id).status == "open"


def test_a_quote_can_be_accepted_on_its_last_valid_day(story, uow, actor, next_month):
    quote = story.sent_quote()
    accepted = orders.convert_quote_to_order(uow, quote.id, actor=actor, now=at(next_month, 23))
    assert accepted.quote.status == "accepted"


def test_a_quote_lapses_at_midnight_utc_whatever_the_time_zone_of_the_clock(story, uow, actor, next_month):
    # validUntil is a UTC day: 10:00 on the next day in Auckland (UTC+13) is still that day in UTC,
    # 20:00 on that very day in Honolulu (UTC-10) is already the next day in UTC.
    auckland, honolulu = timezone(timedelta(hours=13)), timezone(timedelta(hours=-10))
    still = datetime.combine(next_month + timedelta(days=1), time(10), tzinfo=auckland)
    lapsed = datetime.combine(next_month, time(20), tzinfo=honolulu)
    quote = story.sent_quote()
    with uow:
        assert not uow.quotes.get(quote.id).lapsed(Context(uow, actor, still).today)
        assert uow.quotes.get(quote.id).lapsed(Context(uow, actor, lapsed).today)
    with expect(ErrorCode.QUOTE_EXPIRED, ("quoteId",)):
        orders.convert_quote_to_order(uow, quote.id, actor=actor, now=lapsed)
    assert orders.convert_quote_to_order(uow, quote.id, actor=actor, now=still).quote.status == "accepted"


def test_expire_quotes_sweeps_only_the_sent_quotes_whose_validity_has_passed(story, uow, actor, today):
    opp = story.opportunity()

    def quote(days, send=True):
        q = quotes.convert_opportunity_to_quote(
            uow, opp.id, "proforma", valid_until=today + timedelta(days=days), lines=story.lines(), actor=actor
        )
        return quotes.send_quote(uow, q.id, actor=actor) if send else q

    lapsing, lasting, draft = quote(5), quote(30), quote(5, send=False)
    swept = quotes.expire_quotes(uow, actor=actor, now=at(today + timedelta(days=10)))

    assert [q.id for q in swept] == [lapsing.id]
    assert [reload(uow, "quotes", q.id).status for q in (lapsing, lasting, draft)] == ["expired", "sent", "draft"]
    assert history(uow, "quote", lapsing.id)[-1][:3] == ("expire", "sent", "expired")
    assert quotes.expire_quotes(uow, actor=actor, now=at(today + timedelta(days=10))) == []
    with expect(ErrorCode.QUOTE_EXPIRED, ("quoteId",)):
        orders.convert_quote_to_order(uow, lapsing.id, actor=actor)


def test_a_quote_that_is_still_valid_cannot_be_expired(story, uow, actor):
    quote = story.sent_quote()
    with expect(ErrorCode.VALIDATION, ("quoteId",)):
        quotes.expire_quote(uow, quote.id, actor=actor)
    assert reload(uow, "quotes", quote.id).status == "sent"


def test_a_sent_quote_can_be_rejected_but_a_draft_cannot(story, uow, actor):
    draft, sent = story.draft_quote(), story.sent_quote()
    with expect(ErrorCode.INVALID_TRANSITION, None):
        quotes.reject_quote(uow, draft.id, actor=actor)
    rejected = quotes.reject_quote(uow, sent.id, "too expensive", actor=actor)
    assert rejected.status == "rejected"
    assert history(uow, "quote", sent.id)[-1] == ("reject", "sent", "rejected", "too expensive")
    with expect(ErrorCode.INVALID_TRANSITION):
        orders.convert_quote_to_order(uow, sent.id, actor=actor)


@pytest.mark.parametrize("state", ["draft", "sent"])
def test_a_draft_or_sent_quote_can_be_canceled(story, uow, actor, state):
    quote = story.draft_quote() if state == "draft" else story.sent_quote()
    assert quotes.cancel_quote(uow, quote.id, actor=actor).status == "canceled"
    assert history(uow, "quote", quote.id)[-1][:3] == ("cancel", state, "canceled")


def test_an_accepted_quote_cannot_be_canceled(story, uow, actor):
    quote = story.sent_quote()
    orders.convert_quote_to_order(uow, quote.id, actor=actor)
    with expect(ErrorCode.INVALID_TRANSITION):
        quotes.cancel_quote(uow, quote.id, actor=actor)


# --- quotes: accepting (= converting into an order) -----------------------------------------------


def test_accepting_a_quote_converts_it_into_an_order_and_wins_the_opportunity(story, uow, actor, today):
    quote = story.sent_quote(("10", "19.99", "0", "19"), ("2", "350", "5", "19"))
    accepted = orders.convert_quote_to_order(uow, quote.id, invoicing_policy="MANUAL", actor=actor)

    order = reload(uow, "orders", accepted.order.id)
    assert (order.status, order.quote_id, order.opportunity_id, order.currency, order.invoicing_policy) == (
        "open",
        quote.id,
        quote.opportunity_id,
        "EUR",
        "manual",
    )
    assert order.number == f"SO/{today.year}/00001"
    assert [
        (
            ln.description,
            ln.quantity,
            ln.unit_price,
            ln.discount_percent,
            ln.total,
            ln.delivered_quantity,
            ln.invoiced_quantity,
        )
        for ln in order.lines
    ] == [(ln.description, ln.quantity, ln.unit_price, ln.discount_percent, ln.total, 0, 0) for ln in quote.lines]
    assert order.total == quote.total
    assert reload(uow, "quotes", quote.id).status == "accepted"

    opp = reload(uow, "opportunities", quote.opportunity_id)
    assert (opp.status, opp.probability, opp.amount) == ("won", Decimal(100), order.total)
    assert [h[:3] for h in history(uow, "opportunity", opp.id)][-1] == ("win", "open", "won")
    assert history(uow, "order", order.id) == [("create", None, "open", None)]


def test_the_opportunity_is_worth_the_sum_of_its_live_orders(story, uow, actor):
    quote = story.sent_quote(("10", "19.99", "0", "19"))
    first = orders.convert_quote_to_order(uow, quote.id, actor=actor).order
    opp_id = quote.opportunity_id
    second = orders.create_order(uow, opp_id, "EUR", story.lines(("1", "1000", "0", "19")), actor=actor)
    assert reload(uow, "opportunities", opp_id).amount == first.total + second.total == Decimal("1427.88")

    orders.cancel_order(uow, first.id, actor=actor)
    opp = reload(uow, "opportunities", opp_id)
    assert (opp.status, opp.amount) == ("won", second.total)


def test_accepting_a_quote_twice_is_already_converted(story, uow, actor, store_snapshot):
    quote = story.sent_quote()
    orders.convert_quote_to_order(uow, quote.id, actor=actor)
    before = store_snapshot()
    with expect(ErrorCode.ALREADY_CONVERTED, ("quoteId",)):
        orders.convert_quote_to_order(uow, quote.id, actor=actor)
    assert store_snapshot() == before
    with uow:
        assert len(uow.orders.find(quote_id=quote.id)) == 1


def test_a_draft_quote_cannot_be_accepted(story, uow, actor, store_snapshot):
    quote = story.draft_quote()
    before = store_snapshot()
    with expect(ErrorCode.INVALID_TRANSITION):
        orders.convert_quote_to_order(uow, quote.id, actor=actor)
    assert store_snapshot() == before


def test_a_quote_of_a_lost_opportunity_cannot_be_accepted(story, uow, actor, store_snapshot):
    quote = story.sent_quote()
    opportunities.lose_opportunity(uow, quote.opportunity_id, "budget frozen", actor=actor)
    before = store_snapshot()
    with expect(ErrorCode.INVALID_TRANSITION, ("quoteId",)):
        orders.convert_quote_to_order(uow, quote.id, actor=actor)
    assert store_snapshot() == before
    assert reload(uow, "quotes", quote.id).status == "sent"


def test_an_unknown_invoicing_policy_is_refused(story, uow, actor, store_snapshot):
    quote = story.sent_quote()
    before = store_snapshot()
    with expect(ErrorCode.VALIDATION, ("invoicingPolicy",)):
        orders.convert_quote_to_order(uow, quote.id, invoicing_policy="weekly", actor=actor)
    assert store_snapshot() == before


def test_the_available_actions_of_a_quote_follow_its_state_and_guards(story, uow, actor, next_month):
    draft = story.draft_quote()
    sent = story.sent_quote()
    with uow:
        ctx = Context(uow, actor)
        assert sorted(available_actions(ctx, uow.quotes.get(draft.id))) == ["cancel", "revise", "send"]
        assert sorted(available_actions(ctx, uow.quotes.get(sent.id))) == ["accept", "cancel", "reject", "revise"]
        later = Context(uow, actor, at(next_month + timedelta(days=1)))
        assert sorted(available_actions(later, uow.quotes.get(sent.id))) == ["cancel", "expire", "reject", "revise"]
        assert sorted(available_actions(later, uow.quotes.get(draft.id))) == ["cancel", "revise"]
