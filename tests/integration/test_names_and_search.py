"""The seed markets' names in the store: duplicates found when a lead is converted, and lists searched,
whichever way a Persian or Turkish name was typed; the same answers on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from support import expect, reload

from salesflow.domain.errors import ErrorCode
from salesflow.domain.query import Filter, PageSpec
from salesflow.statemachine import invoice as invoices
from salesflow.statemachine import lead as leads
from salesflow.statemachine import records, users


@pytest.fixture
def database_url(reused_database_url):
    return reused_database_url


def search(uow, repo: str, text: str, attribute: str) -> list:
    """What a list filtered by `search: text` holds, oldest first."""
    with uow:
        rows, _more = getattr(uow, repo).page(PageSpec(filter=Filter(search=text), limit=100))
        uow.commit()
    return sorted(getattr(r, attribute) for r in rows)


def duplicates(uow, actor, lead) -> list[tuple[str, str]]:
    plan = leads.convert_lead(uow, lead.id, dry_run=True, actor=actor)
    return [(d.kind, d.matched_on) for d in plan.duplicates]


# --- duplicates when a lead is converted ---------------------------------------------------------


@pytest.mark.parametrize(
    "existing, typed",
    [
        ("شرکت بازرگانی پارسیان", "شرکت بازرگانی پارسیان"),
        ("شرکت بازرگانی پارسیان", "شركت بازرگاني پارسيان"),
        ("شرکت بازرگانی پارسیان", "بازرگانی پارسیان (سهامی خاص)"),
        ("Yılmaz Ticaret A.Ş.", "YILMAZ TİCARET A.Ş."),
        ("Yılmaz Ticaret A.Ş.", "Yilmaz Ticaret Anonim Sirketi"),
        ("Anadolu Gıda Ltd. Şti.", "ANADOLU GIDA"),
    ],
    ids=[
        "identical-persian",
        "arabic-keyboard",
        "persian-legal-form",
        "turkish-upper-case",
        "turkish-ascii",
        "turkish-ltd-sti",
    ],
)
def test_a_lead_from_a_company_we_know_finds_its_account(story, uow, actor, existing, typed):
    account = records.create_account(uow, existing, actor=actor)
    lead = story.lead(company_name=typed, contact_name="Ali Rezaei")
    plan = leads.convert_lead(uow, lead.id, dry_run=True, actor=actor)
    assert [(d.kind, d.id, d.name, d.matched_on) for d in plan.duplicates] == [
        ("account", account.id, existing, "company_name")
    ]


def test_converting_a_persian_lead_into_a_second_account_is_refused_until_it_is_linked(
    story, uow, actor, store_snapshot
):
    pars = records.create_account(uow, "شرکت بازرگانی پارسیان", actor=actor)
    lead = story.lead(company_name="شركت بازرگاني پارسيان", contact_name="علی رضایی")
    before = store_snapshot()
    with expect(ErrorCode.DUPLICATE, ("accountId",)):
        leads.convert_lead(uow, lead.id, actor=actor)
    assert store_snapshot() == before
    result = leads.convert_lead(uow, lead.id, account_id=pars.id, actor=actor)
    assert result.account.id == pars.id and result.contact.account_id == pars.id


@pytest.mark.parametrize(
    "existing, typed",
    [
        ("+98 912 345 6789", "۰۹۱۲ ۳۴۵ ۶۷۸۹"),
        ("0912 345 6789", "0098 912 345 6789"),
        ("021 8888 1234", "+98 21 8888 1234"),
        ("0532 123 45 67", "+90 (532) 123-45-67"),
        ("+90 532 123 45 67", "0090 532 123 4567"),
    ],
    ids=["iran-persian-digits", "iran-0098", "tehran-landline", "turkey-local", "turkey-0090"],
)
def test_a_lead_with_a_known_phone_number_written_otherwise_finds_the_contact(story, uow, actor, existing, typed):
    contact = records.create_contact(uow, "Someone", phone=existing, actor=actor)
    lead = story.lead(company_name="Unrelated", contact_name="Someone else", phone=typed)
    assert duplicates(uow, actor, lead) == [("contact", "phone")]
    assert reload(uow, "contacts", contact.id).phone_key == reload(uow, "leads", lead.id).phone_key


def test_another_open_lead_of_the_same_persian_company_is_a_duplicate(story, uow, actor):
    story.lead(title="Chairs", company_name="پارس‌تک")
    lead = story.lead(title="Desks", company_name="شرکت پارس تک با مسئولیت محدود")
    assert duplicates(uow, actor, lead) == [("lead", "company_name")]


def test_companies_that_only_look_alike_are_not_duplicates(story, uow, actor):
    records.create_account(uow, "شرکت بازرگانی پارس", actor=actor)
    records.create_account(uow, "Yılmaz İnşaat A.Ş.", actor=actor)
    records.create_contact(uow, "Somebody", phone="0532 123 45 68", actor=actor)
    lead = story.lead(company_name="Yılmaz Ticaret A.Ş.", phone="0532 123 45 67")
    other = story.lead(company_name="شرکت بازرگانی پارسیان")
    assert duplicates(uow, actor, lead) == [] and duplicates(uow, actor, other) == []


# --- searching the lists -------------------------------------------------------------------------


@pytest.fixture
def seeded(story, uow, actor):
    """Leads written as people in Tehran and Istanbul write them."""
    story.lead(
        title="İstanbul Halı siparişi",
        company_name="Yılmaz Ticaret A.Ş.",
        contact_name="Şükrü Öztürk",
        phone="+90 532 123 45 67",
    )
    story.lead(title="ISPARTA GÜL YAĞI", company_name="YILMAZ TİCARET A.Ş.", contact_name="İbrahim Çelik")
    story.lead(
        title="صندلی اداری", company_name="شرکت بازرگانی پارسیان", contact_name="علی رضایی", phone="۰۹۱۲ ۳۴۵ ۶۷۸۹"
    )
    story.lead(title="میز جلسه", company_name="شركت پارس‌تک", contact_name="محمد‌رضا كاظمي")
    story.lead(
        title="Office chairs", company_name="Müller GmbH", contact_name="Jürgen Weiß", email="jw@mueller.example"
    )


@pytest.mark.parametrize(
    "typed, found",
    [
        ("istanbul", ["İstanbul Halı siparişi"]),
        ("İSTANBUL", ["İstanbul Halı siparişi"]),
        ("hali", ["İstanbul Halı siparişi"]),
        ("yilmaz", ["ISPARTA GÜL YAĞI", "İstanbul Halı siparişi"]),
        ("Yılmaz ticaret", ["ISPARTA GÜL YAĞI", "İstanbul Halı siparişi"]),
        ("sukru", ["İstanbul Halı siparişi"]),
        ("ibrahim celik", ["ISPARTA GÜL YAĞI"]),
        ("gul yagi", ["ISPARTA GÜL YAĞI"]),
        ("علي", ["صندلی اداری"]),
        ("رضائي", ["صندلی اداری"]),
        ("شرکت", ["صندلی اداری", "میز جلسه"]),
        ("پارستک", ["میز جلسه"]),
        ("محمدرضا", ["میز جلسه"]),
        ("كاظمی", ["میز جلسه"]),
        ("0912", ["صندلی اداری"]),
        ("۵۳۲ ۱۲۳", ["İstanbul Halı siparişi"]),
        ("پارس تک", ["میز جلسه"]),
        ("+98 912 345", ["صندلی اداری"]),
        ("0098 912 345", ["صندلی اداری"]),
        ("0532 123 45", ["İstanbul Halı siparişi"]),
        ("0090 532 123", ["İstanbul Halı siparişi"]),
        ("weiss", ["Office chairs"]),
        ("MULLER", ["Office chairs"]),
        ("nobody", []),
    ],
)
def test_a_lead_is_found_however_its_names_are_typed(seeded, uow, typed, found):
    assert search(uow, "leads", typed, "title") == sorted(found)


def test_accounts_and_contacts_are_searched_by_their_folded_names(uow, actor):
    records.create_account(uow, "Öztürk Nakliyat Koll. Şti.", actor=actor)
    records.create_account(uow, "موسسه فرهنگی آفتاب", actor=actor)
    records.create_contact(uow, "فاطمة أحمدي", phone="0912 000 1122", actor=actor)
    records.create_contact(uow, "Işıl Şahin", actor=actor)
    assert search(uow, "accounts", "ozturk nakliyat", "name") == ["Öztürk Nakliyat Koll. Şti."]
    assert search(uow, "accounts", "مؤسسه فرهنگي افتاب", "name") == ["موسسه فرهنگی آفتاب"]
    assert search(uow, "contacts", "فاطمه احمدی", "name") == ["فاطمة أحمدي"]
    assert search(uow, "contacts", "ISIL SAHIN", "name") == ["Işıl Şahin"]


@pytest.mark.parametrize("typed", ["پارس\u200cتک", "پارس تک", "پارستک"], ids=["half-space", "space", "joined"])
def test_a_persian_company_is_found_however_its_half_space_was_typed(uow, actor, typed):
    """As duplicate detection treats them: the name stored with a half-space, a space or neither."""
    for name in ("پارس\u200cتک", "شرکت پارس تک", "پارستک (سهامی خاص)"):
        records.create_account(uow, name, actor=actor)
    records.create_account(uow, "پارس", website="تک.example", actor=actor)  # the words, but in two texts
    assert search(uow, "accounts", typed, "name") == sorted(["پارس\u200cتک", "شرکت پارس تک", "پارستک (سهامی خاص)"])


@pytest.mark.parametrize(
    "typed",
    ["+98 912 345", "+98912345", "0098 912 345", "0912 345", "۰۹۱۲۳۴۵", "912 345 67"],
)
def test_a_contact_is_found_by_its_iranian_number_written_any_way(uow, actor, typed):
    records.create_contact(uow, "مریم", phone="0912 345 6789", actor=actor)
    records.create_contact(uow, "Maryam", phone="+98 (912) 345-6789", actor=actor)
    records.create_contact(uow, "Mert", phone="0532 912 34 56", actor=actor)
    assert search(uow, "contacts", typed, "name") == sorted(["مریم", "Maryam"])


@pytest.mark.parametrize("typed", ["+90 532 123", "0090 532 123", "0532 123", "532 123 45 67"])
def test_a_contact_is_found_by_its_turkish_number_written_any_way(uow, actor, typed):
    records.create_contact(uow, "Şükrü Öztürk", phone="0532 123 45 67", actor=actor)
    records.create_contact(uow, "علی", phone="0912 532 1234", actor=actor)
    assert search(uow, "contacts", typed, "name") == ["Şükrü Öztürk"]


def test_a_search_by_number_also_finds_it_in_a_title(story, uow):
    story.lead(title="Call back 0912 345 6789")
    story.lead(title="Order 2026-01 chairs")
    assert search(uow, "leads", "0912 345", "title") == ["Call back 0912 345 6789"]
    assert search(uow, "leads", "2026-01", "title") == ["Order 2026-01 chairs"]


def test_a_quote_is_found_by_the_digits_of_its_number(story, uow):
    """Zero-padded sequence numbers read like a number dialled with 00: they are still found by their digits."""
    first, second = story.draft_quote(), story.draft_quote()
    assert search(uow, "quotes", second.number[-5:], "number") == [second.number]
    assert search(uow, "quotes", first.number.split("/", 1)[1], "number") == [first.number]


def test_a_renamed_account_is_found_by_its_new_name_only(uow, actor):
    account = records.create_account(uow, "Yılmaz Ticaret A.Ş.", actor=actor)
    records.update_account(uow, account.id, name="Demir Çelik A.Ş.", actor=actor)
    assert search(uow, "accounts", "yilmaz", "name") == []
    assert search(uow, "accounts", "DEMİR çelik", "name") == ["Demir Çelik A.Ş."]


def test_an_invoice_is_found_by_its_number_once_it_has_one(story, uow, actor):
    order = story.order()
    draft = story.deliver(order).invoice
    assert search(uow, "invoices", "inv/", "id") == []
    issued = invoices.issue_invoice(uow, draft.id, actor=actor)
    assert search(uow, "invoices", issued.number.lower(), "number") == [issued.number]
    assert search(uow, "orders", order.number.lower(), "number") == [order.number]


def test_a_search_for_a_like_wildcard_looks_for_the_character(story, uow):
    story.lead(title="100% cotton")
    story.lead(title="1000 cotton")
    assert search(uow, "leads", "100%", "title") == ["100% cotton"]
    assert search(uow, "leads", "_", "title") == []


@pytest.mark.parametrize("name", ["root\x00", "two\nlines", "u" * 201])
def test_a_user_name_is_one_line_of_bounded_text(uow, store_snapshot, name):
    before = store_snapshot()
    with expect(ErrorCode.VALIDATION, ("user",)):
        users.create_token(uow, name, "admin")
    assert store_snapshot() == before
