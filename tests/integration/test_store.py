"""The SQL unit of work as a data mapper: identity map, change tracking, lines, versions."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import func, select
from support import reload

from salesflow.adapters.sql import SqlUnitOfWork
from salesflow.adapters.sql import tables as t
from salesflow.domain.activity import Activity
from salesflow.domain.errors import DomainError, ErrorCode
from salesflow.domain.quote import QuoteLine
from salesflow.statemachine.engine import utcnow


@pytest.fixture
def database_url(reused_database_url):
    return reused_database_url


def count(engine, table, **where):
    with engine.connect() as conn:
        query = select(func.count()).select_from(table).where(*(table.c[k] == v for k, v in where.items()))
        return conn.execute(query).scalar_one()


def test_one_row_is_one_object_within_a_transaction(story, uow):
    quote = story.draft_quote()
    with uow:
        first = uow.quotes.get(quote.id)
        assert uow.quotes.find(number=quote.number)[0] is first
        assert uow.quotes.get(quote.id, lock=True) is first


def test_reading_without_changing_writes_nothing(story, uow):
    quote = story.draft_quote()
    with uow:
        uow.quotes.get(quote.id)
        uow.commit()
    assert reload(uow, "quotes", quote.id).version == quote.version


def test_lines_added_changed_and_removed_are_written_with_their_document(story, uow, engine):
    quote = story.draft_quote(("1", "10"), ("2", "20"))
    with uow:
        loaded = uow.quotes.get(quote.id)
        kept, dropped = loaded.lines
        kept.description = "renamed"
        loaded.lines.remove(dropped)
        loaded.lines.append(QuoteLine(sequence=30, description="new", quantity=Decimal(3), unit_price=Decimal(1)))
        uow.commit()
    stored = reload(uow, "quotes", quote.id)
    assert [ln.description for ln in stored.lines] == ["renamed", "new"]
    assert stored.version == quote.version + 1  # the lines changed, so the document did
    assert count(engine, t.quote_lines, quote_id=quote.id) == 2


def test_a_document_read_earlier_is_written_back_against_the_version_it_was_read_at(story, uow):
    quote = story.draft_quote()
    with uow:
        earlier = uow.quotes.get(quote.id)
        uow.commit()
    with uow:
        uow.quotes.add(earlier)  # attach: nothing changed, nothing written
        uow.commit()
    earlier.terms = "net 30"
    with uow:
        uow.quotes.add(earlier)
        uow.commit()
    assert reload(uow, "quotes", quote.id).terms == "net 30"
    stale = reload(uow, "quotes", quote.id)
    stale.version -= 1  # as if read before the last write
    stale.terms = "net 60"
    with pytest.raises(DomainError) as err, uow:
        uow.quotes.add(stale)
        uow.commit()
    assert err.value.code == ErrorCode.CONFLICT
    assert reload(uow, "quotes", quote.id).terms == "net 30"


def test_several_writes_in_one_transaction_move_the_version_once(story, uow):
    opp = story.opportunity()
    with uow:
        loaded = uow.opportunities.get(opp.id)
        loaded.title = "first"
        uow.flush()
        loaded.title = "second"
        uow.commit()
    stored = reload(uow, "opportunities", opp.id)
    assert (stored.title, stored.version) == ("second", opp.version + 1)


def test_activities_added_in_a_transaction_are_visible_to_its_own_queries(story, uow):
    opp = story.opportunity()
    with uow:
        uow.activities.add(
            Activity(
                document_type="opportunity",
                document_id=opp.id,
                trigger="note",
                from_state="open",
                to_state="open",
                at=utcnow(),
            )
        )
        assert [a.trigger for a in uow.activities.find(document_type="opportunity", document_id=opp.id)] == [
            "create",
            "note",
        ]


def test_find_any_matches_any_given_attribute_and_ignores_missing_ones(story, uow):
    a = story.lead(email="a@example.com", phone=None)
    b = story.lead(email=None, phone="+49 30 1234567")
    story.lead(email="c@example.com", phone="+1 555 0100 999")
    with uow:
        found = uow.leads.find_any(email_key=a.email_key, phone_key=b.phone_key, company_key=None)
        assert sorted(lead.id for lead in found) == sorted([a.id, b.id])
        assert uow.leads.find_any(email_key=None) == []


def test_leaving_without_commit_writes_nothing(story, uow):
    opp = story.opportunity()
    with uow:
        uow.opportunities.get(opp.id).title = "never saved"
        uow.flush()  # written inside the transaction …
    assert reload(uow, "opportunities", opp.id).title == opp.title  # … and rolled back with it


def test_each_transaction_starts_from_what_is_stored(story, engine):
    opp = story.opportunity()
    first, second = SqlUnitOfWork(engine), SqlUnitOfWork(engine)
    with first:
        first.opportunities.get(opp.id).title = "from the first"
        first.commit()
    with second:
        assert second.opportunities.get(opp.id).title == "from the first"


def test_finding_by_a_missing_value_matches_rows_where_it_is_missing(story, uow):
    with_phone = story.lead(phone="+49 30 1234567")
    without = story.lead(phone=None)
    with uow:
        found = {lead.id for lead in uow.leads.find(phone_key=None)}
    assert without.id in found and with_phone.id not in found
