"""Leads: the first contact, worked, disqualified or converted into account, contact and opportunity."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from support import expect, history, reload

from salesflow.domain.errors import ErrorCode
from salesflow.statemachine import lead as leads
from salesflow.statemachine import records


@pytest.fixture
def database_url(reused_database_url):
    return reused_database_url


def activities(uow, kind, doc_id):
    with uow:
        return [
            (a.trigger, a.from_state, a.to_state) for a in uow.activities.find(document_type=kind, document_id=doc_id)
        ]


# --- working a lead -------------------------------------------------------------------------------


def test_a_new_lead_is_kept_as_new_with_its_creation_in_the_history(story, uow, actor):
    lead = story.lead(
        title="Sticky note: chairs",
        contact_name="Sara Ahmadi",
        company_name="Acme GmbH",
        email="sara@acme.example",
        phone="+49 30 1234567",
        source="fair",
    )
    stored = reload(uow, "leads", lead.id)
    assert stored.status == "new"
    assert (stored.title, stored.company_name, stored.email, stored.source) == (
        "Sticky note: chairs",
        "Acme GmbH",
        "sara@acme.example",
        "fair",
    )
    assert stored.owner_id == actor.id and stored.version == 1
    assert activities(uow, "lead", lead.id) == [("create", None, "new")]


def test_a_lead_needs_a_title(uow, actor, store_snapshot):
    before = store_snapshot()
    with expect(ErrorCode.VALIDATION, ("title",)):
        leads.create_lead(uow, "   ", actor=actor)
    assert store_snapshot() == before


def test_marking_a_lead_contacted_moves_it_from_new_to_working(story, uow, actor):
    lead = story.lead()
    worked = leads.mark_lead_contacted(uow, lead.id, actor=actor)
    assert worked.status == "working"
    assert reload(uow, "leads", lead.id).status == "working"
    with uow:
        last = uow.activities.find(document_type="lead", document_id=lead.id)[-1]
        uow.commit()
    assert (last.trigger, last.from_state, last.to_state, last.actor_id) == (
        "mark_contacted",
        "new",
        "working",
        actor.id,
    )


def test_a_working_lead_cannot_be_marked_contacted_again(story, uow, actor):
    lead = story.lead()
    leads.mark_lead_contacted(uow, lead.id, actor=actor)
    with expect(ErrorCode.INVALID_TRANSITION) as err:
        leads.mark_lead_contacted(uow, lead.id, actor=actor)
    assert "working" in err.value.message


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_disqualifying_a_lead_needs_a_reason(story, uow, actor, store_snapshot, reason):
    lead = story.lead()
    before = store_snapshot()
    with expect(ErrorCode.VALIDATION, ("reason",)):
        leads.disqualify_lead(uow, lead.id, reason, actor=actor)
    assert store_snapshot() == before
    stored = reload(uow, "leads", lead.id)
    assert (stored.status, stored.version) == ("new", lead.version)


def test_a_disqualified_lead_keeps_its_reason_and_can_be_reactivated_to_working(story, uow, actor):
    lead = story.lead()
    leads.disqualify_lead(uow, lead.id, "  no budget this year ", actor=actor)
    stored = reload(uow, "leads", lead.id)
    assert (stored.status, stored.disqualify_reason) == ("disqualified", "no budget this year")

    back = leads.reactivate_lead(uow, lead.id, actor=actor)
    assert back.status == "working"
    assert activities(uow, "lead", lead.id)[-2:] == [
        ("disqualify", "new", "disqualified"),
        ("reactivate", "disqualified", "working"),
    ]


def test_a_reactivated_lead_forgets_why_it_was_disqualified_and_its_history_remembers(story, uow, actor):
    lead = story.lead()
    leads.disqualify_lead(uow, lead.id, "no budget this year", actor=actor)
    leads.reactivate_lead(uow, lead.id, actor=actor)
    stored = reload(uow, "leads", lead.id)
    assert (stored.status, stored.disqualify_reason) == ("working", None)
    assert history(uow, "lead", lead.id)[-2:] == [
        ("disqualify", "new", "disqualified", "no budget this year"),
        ("reactivate", "disqualified", "working", None),
    ]


def test_only_a_disqualified_lead_can_be_reactivated(story, uow, actor):
    lead = story.lead()
    with expect(ErrorCode.INVALID_TRANSITION):
        leads.reactivate_lead(uow, lead.id, actor=actor)


def test_a_disqualified_lead_cannot_be_converted_until_reactivated(story, uow, actor):
    lead = story.lead()
    leads.disqualify_lead(uow, lead.id, "wrong country", actor=actor)
    with expect(ErrorCode.INVALID_TRANSITION) as err:
        leads.convert_lead(uow, lead.id, actor=actor)
    assert "disqualified" in err.value.message
    leads.reactivate_lead(uow, lead.id, actor=actor)
    assert leads.convert_lead(uow, lead.id, actor=actor).lead.status == "converted"


def test_updating_an_open_lead_changes_its_fields_and_its_version(story, uow, actor):
    lead = story.lead()
    updated = leads.update_lead(
        uow, lead.id, email="sara@acme.example", notes="call after 3pm", expected_version=lead.version, actor=actor
    )
    assert (updated.email, updated.notes) == ("sara@acme.example", "call after 3pm")
    assert reload(uow, "leads", lead.id).version == lead.version + 1


# --- converting -----------------------------------------------------------------------------------


def test_converting_a_lead_creates_account_contact_and_opportunity_atomically(story, uow, actor, store_snapshot):
    lead = story.lead(
        title="New office chairs",
        company_name="Acme GmbH",
        contact_name="Sara Ahmadi",
        email="sara@acme.example",
        phone="+49 30 1234567",
    )
    before = store_snapshot()
    result = leads.convert_lead(uow, lead.id, actor=actor)
    after = store_snapshot()

    for table in ("accounts", "contacts", "opportunities"):
        assert after[table] == before[table] + 1, table
    account, contact, opp = result.account, result.contact, result.opportunity
    assert account.name == "Acme GmbH" and account.name_key == "acme"
    assert (contact.name, contact.email, contact.phone, contact.account_id) == (
        "Sara Ahmadi",
        "sara@acme.example",
        "+49 30 1234567",
        account.id,
    )
    assert (opp.title, opp.status, opp.account_id, opp.contact_id, opp.lead_id) == (
        "New office chairs",
        "open",
        account.id,
        contact.id,
        lead.id,
    )
    with uow:
        first_stage = uow.stages.find(active=True, order_by="sequence")[0]
        uow.commit()
    assert (opp.stage_id, opp.probability) == (first_stage.id, first_stage.probability)

    stored = reload(uow, "leads", lead.id)
    assert stored.status == "converted" and stored.converted_at is not None
    assert (stored.converted_account_id, stored.converted_contact_id, stored.converted_opportunity_id) == (
        account.id,
        contact.id,
        opp.id,
    )
    assert activities(uow, "lead", lead.id)[-1] == ("convert", "new", "converted")
    assert activities(uow, "opportunity", opp.id) == [("create", None, "open")]


@pytest.mark.parametrize("contact_mode", ["create", "link", "none"])
@pytest.mark.parametrize("account_mode", ["create", "link", "none"])
def test_converting_creates_links_or_leaves_out_account_and_contact(
    story, uow, actor, store_snapshot, account_mode, contact_mode
):
    lead = story.lead(company_name="Initech AG", contact_name="Peter Gibbons", email="peter@initech.example")
    kw = {}
    existing_account = existing_contact = None
    if account_mode == "link":
        existing_account = records.create_account(uow, "Initrode Holdings", actor=actor)
        kw["account_id"] = existing_account.id
    elif account_mode == "none":
        kw["create_account"] = False
    if contact_mode == "link":
        existing_contact = records.create_contact(uow, "Bill Lumbergh", email="bill@initrode.example", actor=actor)
        kw["contact_id"] = existing_contact.id
    elif contact_mode == "none":
        kw["create_contact"] = False
    before = store_snapshot()

    result = leads.convert_lead(uow, lead.id, actor=actor, **kw)

    after = store_snapshot()
    assert after["accounts"] - before["accounts"] == (account_mode == "create")
    assert after["contacts"] - before["contacts"] == (contact_mode == "create")
    assert after["opportunities"] - before["opportunities"] == 1
    if account_mode == "create":
        assert result.account.id is not None and result.account.name == "Initech AG"
    elif account_mode == "link":
        assert result.account.id == existing_account.id
    else:
        assert result.account is None
    if contact_mode == "create":
        assert result.contact.name == "Peter Gibbons"
        assert result.contact.account_id == (result.account.id if result.account else None)
    elif contact_mode == "link":
        assert result.contact.id == existing_contact.id
    else:
        assert result.contact is None

    stored = reload(uow, "leads", lead.id)
    opp = reload(uow, "opportunities", result.opportunity.id)
    account_id = result.account.id if result.account else None
    contact_id = result.contact.id if result.contact else None
    assert (
        stored.status,
        stored.converted_account_id,
        stored.converted_contact_id,
        stored.converted_opportunity_id,
    ) == ("converted", account_id, contact_id, opp.id)
    assert (opp.account_id, opp.contact_id, opp.lead_id) == (account_id, contact_id, lead.id)


def test_converting_without_an_opportunity_creates_only_account_and_contact(story, uow, actor, store_snapshot):
    lead = story.lead()
    before = store_snapshot()
    result = leads.convert_lead(uow, lead.id, create_opportunity=False, actor=actor)
    after = store_snapshot()
    assert result.opportunity is None
    assert after["opportunities"] == before["opportunities"]
    assert (after["accounts"], after["contacts"]) == (before["accounts"] + 1, before["contacts"] + 1)
    stored = reload(uow, "leads", lead.id)
    assert stored.status == "converted" and stored.converted_opportunity_id is None


def test_the_opportunity_of_a_conversion_takes_the_given_title_and_currency(story, uow, actor):
    lead = story.lead()
    result = leads.convert_lead(uow, lead.id, opportunity_title="120 chairs for HQ", currency="eur", actor=actor)
    opp = reload(uow, "opportunities", result.opportunity.id)
    assert (opp.title, opp.currency) == ("120 chairs for HQ", "EUR")


def test_a_conversion_must_create_or_link_something(story, uow, actor, store_snapshot):
    lead = story.lead()
    before = store_snapshot()
    with expect(ErrorCode.VALIDATION, ("leadId",)):
        leads.convert_lead(
            uow, lead.id, create_account=False, create_contact=False, create_opportunity=False, actor=actor
        )
    assert store_snapshot() == before
    assert reload(uow, "leads", lead.id).status == "new"


def test_a_person_only_lead_converts_without_an_account(story, uow, actor, store_snapshot):
    lead = story.lead(company_name=None, contact_name="Reza Karimi", email="reza@example.org")
    before = store_snapshot()
    result = leads.convert_lead(uow, lead.id, actor=actor)
    assert result.account is None
    assert store_snapshot()["accounts"] == before["accounts"]
    assert result.contact.name == "Reza Karimi" and result.contact.account_id is None
    assert result.opportunity.account_id is None and result.opportunity.contact_id == result.contact.id
    assert reload(uow, "leads", lead.id).converted_account_id is None


def test_a_converted_lead_is_read_only_and_points_at_what_it_became(story, uow, actor, store_snapshot):
    lead = story.lead()
    result = leads.convert_lead(uow, lead.id, actor=actor)
    before = store_snapshot()
    with expect(ErrorCode.ALREADY_CONVERTED, ("leadId",)):
        leads.update_lead(uow, lead.id, notes="changed my mind", actor=actor)
    with expect(ErrorCode.INVALID_TRANSITION):
        leads.disqualify_lead(uow, lead.id, "too late", actor=actor)
    with expect(ErrorCode.INVALID_TRANSITION):
        leads.mark_lead_contacted(uow, lead.id, actor=actor)
    assert store_snapshot() == before
    stored = reload(uow, "leads", lead.id)
    assert stored.notes is None
    assert stored.converted_opportunity_id == result.opportunity.id


def test_converting_a_lead_twice_is_already_converted(story, uow, actor, store_snapshot):
    lead = story.lead()
    leads.convert_lead(uow, lead.id, actor=actor)
    before = store_snapshot()
    with expect(ErrorCode.ALREADY_CONVERTED, ("leadId",)):
        leads.convert_lead(uow, lead.id, actor=actor)
    with expect(ErrorCode.ALREADY_CONVERTED, ("leadId",)):
        leads.convert_lead(uow, lead.id, dry_run=True, actor=actor)
    assert store_snapshot() == before


# --- duplicates -----------------------------------------------------------------------------------


def _existing_contact_with_email(uow, actor):
    return "contact", records.create_contact(uow, "Sara Ahmadi", email="sara.ahmadi@acme.example", actor=actor)


def _existing_contact_with_phone(uow, actor):
    return "contact", records.create_contact(uow, "Sara A.", phone="+49 30 123", actor=actor)


def _existing_account_by_name(uow, actor):
    return "account", records.create_account(uow, "Acme GmbH", actor=actor)


@pytest.mark.parametrize(
    "existing, lead_fields, matched_on",
    [
        pytest.param(
            _existing_contact_with_email,
            dict(email="  Sara.Ahmadi@ACME.example ", company_name="Unrelated One"),
            "email",
            id="email-case-and-whitespace",
        ),
        pytest.param(
            _existing_contact_with_phone,
            dict(phone="004930123", company_name="Unrelated Two"),
            "phone",
            id="phone-formatting",
        ),
        pytest.param(_existing_account_by_name, dict(company_name="ACME"), "company_name", id="company-legal-form"),
    ],
)
def test_a_dry_run_shows_normalised_duplicates_and_writes_nothing(
    story, uow, actor, store_snapshot, existing, lead_fields, matched_on
):
    kind, record = existing(uow, actor)
    lead = story.lead(contact_name="Sara Ahmadi", **lead_fields)
    before = store_snapshot()

    plan = leads.convert_lead(uow, lead.id, dry_run=True, actor=actor)

    assert store_snapshot() == before
    stored = reload(uow, "leads", lead.id)
    assert (stored.status, stored.version) == ("new", lead.version)
    assert plan.dry_run
    assert [(d.kind, d.id, d.matched_on) for d in plan.duplicates] == [(kind, record.id, matched_on)]
    assert plan.opportunity is not None and plan.opportunity.id is None
    assert plan.contact is not None and plan.contact.id is None


def test_a_dry_run_also_shows_other_open_leads_but_not_closed_ones(story, uow, actor):
    open_twin = story.lead(title="Chairs again", email="sara@acme.example", company_name="Twin A")
    dropped = story.lead(title="Old chairs", email="sara@acme.example", company_name="Twin B")
    leads.disqualify_lead(uow, dropped.id, "duplicate", actor=actor)
    lead = story.lead(email="SARA@acme.example", company_name="Twin C")
    plan = leads.convert_lead(uow, lead.id, dry_run=True, actor=actor)
    assert [(d.kind, d.id, d.matched_on) for d in plan.duplicates] == [("lead", open_twin.id, "email")]


def test_a_lead_with_nothing_in_common_has_no_duplicates(story, uow, actor):
    records.create_account(uow, "Globex Corporation", actor=actor)
    records.create_contact(uow, "Hank Scorpio", email="hank@globex.example", phone="+1 555 0100 200", actor=actor)
    lead = story.lead(company_name="Acme GmbH", email="sara@acme.example", phone="+49 30 1234567")
    assert leads.convert_lead(uow, lead.id, dry_run=True, actor=actor).duplicates == []


def test_converting_into_a_duplicate_account_is_refused_unless_it_is_linked(story, uow, actor, store_snapshot):
    acme = records.create_account(uow, "Acme GmbH", actor=actor)
    lead = story.lead(company_name="ACME Inc.", contact_name="Sara Ahmadi")
    before = store_snapshot()
    with expect(ErrorCode.DUPLICATE, ("accountId",)) as err:
        leads.convert_lead(uow, lead.id, actor=actor)
    assert str(acme.id) in err.value.message
    assert store_snapshot() == before
    assert reload(uow, "leads", lead.id).status == "new"

    result = leads.convert_lead(uow, lead.id, account_id=acme.id, actor=actor)
    assert result.account.id == acme.id
    assert store_snapshot()["accounts"] == before["accounts"]
    assert result.contact.account_id == acme.id


def test_a_duplicate_account_is_created_anyway_when_duplicates_are_allowed(story, uow, actor, store_snapshot):
    acme = records.create_account(uow, "Acme GmbH", actor=actor)
    lead = story.lead(company_name="acme", contact_name="Sara Ahmadi")
    before = store_snapshot()
    result = leads.convert_lead(uow, lead.id, allow_duplicates=True, actor=actor)
    assert result.account.id != acme.id and result.account.name_key == acme.name_key
    assert store_snapshot()["accounts"] == before["accounts"] + 1


def test_converting_into_a_duplicate_contact_is_refused_naming_the_contact_field(story, uow, actor, store_snapshot):
    sara = records.create_contact(uow, "Sara Ahmadi", email="sara@acme.example", actor=actor)
    lead = story.lead(company_name="Brand New Ltd", email="Sara@Acme.example")
    before = store_snapshot()
    with expect(ErrorCode.DUPLICATE, ("contactId",)):
        leads.convert_lead(uow, lead.id, actor=actor)
    assert store_snapshot() == before
    result = leads.convert_lead(uow, lead.id, contact_id=sara.id, actor=actor)
    assert result.contact.id == sara.id


def test_every_lead_transition_writes_an_activity_row_with_who_when_and_why(story, uow, actor):
    t0 = datetime(2030, 3, 1, 9, 0, tzinfo=UTC)
    lead = story.lead()
    leads.mark_lead_contacted(uow, lead.id, actor=actor, now=t0)
    leads.disqualify_lead(uow, lead.id, "no budget", actor=actor, now=t0 + timedelta(days=1))
    leads.reactivate_lead(uow, lead.id, actor=actor, now=t0 + timedelta(days=2))
    result = leads.convert_lead(uow, lead.id, actor=actor, now=t0 + timedelta(days=3))

    with uow:
        rows = uow.activities.find(document_type="lead", document_id=lead.id)
        uow.commit()
    assert [(a.trigger, a.from_state, a.to_state, a.reason) for a in rows] == [
        ("create", None, "new", None),
        ("mark_contacted", "new", "working", None),
        ("disqualify", "working", "disqualified", "no budget"),
        ("reactivate", "disqualified", "working", None),
        ("convert", "working", "converted", None),
    ]
    assert {a.actor_id for a in rows} == {actor.id}
    assert [a.at for a in rows[1:]] == [t0 + timedelta(days=d) for d in range(4)]
    assert activities(uow, "opportunity", result.opportunity.id) == [("create", None, "open")]
