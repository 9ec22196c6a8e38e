"""The sweep `serve` runs: every lapsed quote at start, then again just after each midnight UTC, when
quotes lapse (a quote is valid through its validUntil day in UTC)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta, timezone

from support import reload

from salesflow.gateway import expiry
from salesflow.statemachine import quote


def test_the_next_sweep_is_just_after_the_coming_midnight_utc():
    at = datetime(2031, 12, 31, 23, 59, tzinfo=UTC)
    assert expiry.next_sweep(at) == datetime(2032, 1, 1, 0, 0, 30, tzinfo=UTC)
    assert expiry.next_sweep(datetime(2032, 1, 1, 0, 0, 10, tzinfo=UTC)) == datetime(2032, 1, 1, 0, 0, 30, tzinfo=UTC)
    assert expiry.next_sweep(datetime(2032, 1, 1, 0, 0, 30, tzinfo=UTC)) == datetime(2032, 1, 2, 0, 0, 30, tzinfo=UTC)
    tehran = datetime(2032, 1, 1, 2, 0, tzinfo=timezone(timedelta(hours=3, minutes=30)))  # 22:30 UTC on 31 Dec
    assert expiry.next_sweep(tehran) == datetime(2032, 1, 1, 0, 0, 30, tzinfo=UTC)


class _OneRound(threading.Event):
    """A stop event that ends the loop at its first wait, remembering how long it was asked to wait."""

    waited: float | None = None

    def wait(self, timeout=None):
        self.waited = timeout
        self.set()
        return True


def test_the_loop_sweeps_at_start_then_sleeps_until_the_next_sweep(story, engine, uow):
    opp = story.opportunity()
    now = datetime.now(UTC)
    long_ago = now - timedelta(days=30)
    lapsed = quote.send_quote(
        uow,
        quote.convert_opportunity_to_quote(
            uow, opp.id, "proforma", valid_until=long_ago.date() + timedelta(days=3), lines=story.lines(), now=long_ago
        ).id,
        now=long_ago,
    )
    valid = story.sent_quote()
    stop = _OneRound()
    expiry.run(engine, stop, clock=lambda: now)
    assert [reload(uow, "quotes", q.id).status for q in (lapsed, valid)] == ["expired", "sent"]
    assert stop.waited == (expiry.next_sweep(now) - now).total_seconds()
    assert 0 < stop.waited <= 24 * 3600 + 30


def test_a_sweep_that_fails_is_logged_and_the_loop_goes_on(engine, caplog, monkeypatch):
    def broken(_engine):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(expiry, "sweep", broken)
    stop = _OneRound()
    expiry.run(engine, stop, clock=lambda: datetime.now(UTC))
    assert stop.waited is not None, "the loop did not reach its wait after the failed sweep"
    assert "the quote expiry sweep failed" in caplog.text
