"""Names as the seed markets write them (Iran: Persian; Turkey: Turkish) fold to one key: company names
for finding duplicates, any text for searching, phone numbers to E.164.

Examples are real spellings: the seeds themselves write فرایند and فرآیند, صورتحساب and صورت حساب;
Persian text typed on an Arabic keyboard gives ي/ك for ی/ک; Turkish names come in upper case with
İ and I, and from keyboards without ı, ş, ğ.
"""

from __future__ import annotations

import pytest

from salesflow.domain import normalize
from salesflow.domain.normalize import (
    SEARCH_FORM_LIMIT,
    company_key,
    email_key,
    fold,
    phone_key,
    search_key,
    search_terms,
)


@pytest.fixture
def regions():
    """Set the phone regions for one test; the configured ones come back afterwards."""
    before = normalize.phone_regions()
    yield normalize.use_phone_regions
    normalize.use_phone_regions(before)


# --- company names --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "one, other",
    [
        ("شرکت بازرگانی پارسیان", "شرکت بازرگانی پارسیان"),  # the very same name
        ("شرکت بازرگانی پارسیان", "شركت بازرگاني پارسيان"),  # typed on an Arabic keyboard (ك ي)
        ("شرکت بازرگانی پارسیان", "بازرگانی پارسیان (سهامی خاص)"),  # the legal form at the other end
        ("پارس‌تک", "پارس تک"),  # half-space (ZWNJ) or a space
        ("پارس‌تک", "شرکت پارستک با مسئولیت محدود"),
        ("مؤسسه فرهنگی آفتاب", "موسسه فرهنگي افتاب"),  # hamza and madda dropped
        ("صنایع غذایی نوین", "شرکت صنايع غذائي نوين سهامی عام"),  # ئ written for ی
        ("تعاونی مصرف کارکنان بانک ملی", "شرکت تعاونی مصرف کارکنان بانک ملّی"),  # with a shadda
        ("Yılmaz Ticaret A.Ş.", "YILMAZ TİCARET A.Ş."),  # Turkish upper case
        ("Yılmaz Ticaret A.Ş.", "Yilmaz Ticaret AS"),  # a keyboard without ı and Ş
        ("Yılmaz Ticaret A.Ş.", "yılmaz ticaret anonim şirketi"),
        ("Anadolu Gıda Ltd. Şti.", "ANADOLU GIDA LİMİTED ŞİRKETİ"),
        ("Çelik Yapı Koll. Şti.", "Celik Yapi Kollektif Sirketi"),
        ("Öztürk Nakliyat Kom. Şti.", "OZTURK NAKLIYAT"),
        ("TeamGram Yazılım A.Ş.", "Teamgram Yazilim"),
        ("Acme GmbH", "ACME Inc."),
        ("Müller & Söhne GmbH & Co. KG", "Muller & Sohne"),
        ("Straße Bau AG", "STRASSE BAU"),
    ],
)
def test_one_company_written_two_ways_has_one_key(one, other):
    assert company_key(one) == company_key(other) != ""


@pytest.mark.parametrize(
    "one, other",
    [
        ("شرکت بازرگانی پارسیان", "شرکت بازرگانی پارس"),
        ("Yılmaz Ticaret A.Ş.", "Yılmaz İnşaat A.Ş."),
        ("Acme", "Acme Tools"),
        ("IBM", "IBX"),
    ],
)
def test_different_companies_keep_different_keys(one, other):
    assert company_key(one) != company_key(other)


def test_a_persian_company_name_has_a_key():
    """It used to be '' (everything that was not ASCII was dropped), so no duplicate was ever found."""
    assert company_key("شرکت بازرگانی پارسیان") == "بازرگانیپارسیان"


def test_a_name_that_is_only_a_legal_form_keeps_a_word():
    assert company_key("Limited") == "limited"
    assert company_key("شرکت سهامی خاص") == "شرکت"
    assert company_key("") == company_key(None) == ""


def test_the_legal_forms_come_from_the_data_file():
    forms, longest = normalize.legal_forms()
    assert ("a", "s") in forms and ("as",) in forms  # A.Ş. and AŞ
    assert ("سهامی", "خاص") in forms and ("ltd", "sti") in forms
    assert longest >= 3  # با مسئولیت محدود


# --- folding any text (search keys) ---------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("istanbul", "İstanbul"),
        ("ISTANBUL", "İstanbul"),
        ("yilmaz", "Yılmaz"),
        ("YILMAZ", "Yılmaz"),
        ("sukru ozturk", "Şükrü Öztürk"),
        ("ibrahim celik", "İbrahim Çelik"),
        ("علي", "علی"),  # Arabic yeh / Persian yeh
        ("علی رضائی", "علي رضايي"),  # ئ and ي for ی
        ("فاطمه", "فاطمة"),  # teh marbuta
        ("محمدرضا", "محمد‌رضا"),  # with and without ZWNJ
        ("فرایند", "فرآیند"),  # the seed's own two spellings
        ("امیر", "أمیر"),
        ("کاظم", "كاظم"),
        ("محمد", "مُحَمَّد"),  # harakat
        ("تهران", "تهـــران"),  # tatweel
        ("0912", "۰۹۱۲"),  # Persian digits
        ("0912", "٠٩١٢"),  # Arabic-Indic digits
        ("strasse", "Straße"),
    ],
)
def test_what_a_user_types_folds_like_what_is_stored(typed, stored):
    assert fold(typed) == fold(stored)


def test_folding_leaves_english_and_german_names_readable():
    assert fold("  Irving   BERLIN ") == "irving berlin"
    assert fold("Jürgen Weiß") == "jurgen weiss"
    assert fold("O'Brien & Co.") == "o'brien & co."


def found(query: str, texts=(), phones=()) -> bool:
    """Whether a search for `query` finds a record with these texts and phones (what the store's LIKE does)."""
    key = search_key(texts, phones)
    return any(term in key for term in search_terms(query))


def test_a_search_key_holds_each_searched_text_on_its_own_line():
    key = search_key(["Halı siparişi", None, "YILMAZ TİCARET A.Ş.", ""], ["0912 345 6789", "+90 532 123 45 67"])
    # each phone as written (its digits one run), in E.164 and in national digits; a form another one
    # holds is left out (+90532… holds 0532…)
    assert key == "hali siparisi\nyilmaz ticaret a.s.\n09123456789\n+989123456789\n+905321234567"
    assert found("yılmaz", ["YILMAZ TİCARET A.Ş."]) and found("TİCARET", ["YILMAZ TİCARET A.Ş."])
    assert not found("siparisi yilmaz", ["Halı siparişi", "YILMAZ TİCARET A.Ş."])  # never spans two fields


PARS_TECH = ["پارس\u200cتک", "پارس تک", "پارستک"]  # half-space (ZWNJ), space, joined


@pytest.mark.parametrize("stored", PARS_TECH, ids=["half-space", "space", "joined"])
@pytest.mark.parametrize("typed", PARS_TECH, ids=["half-space", "space", "joined"])
def test_a_persian_compound_is_found_however_either_side_spaced_it(typed, stored):
    assert found(typed, ["شرکت " + stored + " (سهامی خاص)"])


@pytest.mark.parametrize(
    "typed, stored",
    [
        ("محمدرضا کاظمی", "محمد\u200cرضا كاظمي"),
        ("محمد رضا", "محمدرضا کاظمی"),
        ("علیرضا", "علی رضا حسینی"),
        ("کتابفروشی", "کتاب‌فروشی نیک‌نام"),
        ("نیک نام", "کتاب‌فروشی نیک‌نام"),
        ("صورت حساب", "صورتحساب ۱۴۰۵"),  # the seed's own two spellings
    ],
)
def test_persian_names_are_found_whatever_their_spaces(typed, stored):
    assert found(typed, [stored])


def test_a_space_still_separates_latin_and_turkish_words():
    """Only Arabic-script letters are joined, and digits: "Lead 15" is not found as "lead15"."""
    assert found("Yılmaz ticaret", ["YILMAZ TİCARET A.Ş."])
    assert not found("yilmazticaret", ["YILMAZ TİCARET A.Ş."])
    assert not found("lead15", ["Lead 15 48 chairs"]) and not found("a.s.0912", ["A.Ş. 0912"])


@pytest.mark.parametrize("typed", ["2026-01", "2026 01", "202601", "(2026) 01"])
def test_a_number_is_found_however_its_digits_were_grouped(typed):
    assert found(typed, ["Order 2026-01 chairs"]) and not found(typed, ["Order 2026 chairs"])


def test_a_search_never_joins_two_texts_of_a_record():
    assert not found("پارس تک", ["پارس", "تک"])
    assert not found("پارستک", ["پارس"], ["تک 0912 345 6789"])
    assert not found("6789 +98", [], ["0912 345 6789"])


@pytest.mark.parametrize("stored", ["0912 345 6789", "+98 912 345 6789", "۰۹۱۲ ۳۴۵ ۶۷۸۹", "0098-912-345-6789"])
@pytest.mark.parametrize(
    "typed",
    ["+98 912 345", "+98912345", "0098 912 345", "0912 345", "09123456789", "912 345 67", "۰۹۱۲ ۳۴۵"],
)
def test_an_iranian_number_is_found_however_either_side_wrote_it(typed, stored):
    assert found(typed, phones=[stored])


@pytest.mark.parametrize("stored", ["0532 123 45 67", "+90 (532) 123-45-67", "05321234567"])
@pytest.mark.parametrize("typed", ["+90 532 123", "+90532123", "0090 532 123", "0532 123", "532 123 45 67"])
def test_a_turkish_number_is_found_however_either_side_wrote_it(typed, stored):
    assert found(typed, phones=[stored])


def test_a_number_is_not_found_under_another_country_code():
    assert not found("+90 912 345", phones=["0912 345 6789"])
    assert not found("+98 532 123", phones=["0532 123 45 67"])
    assert not found("0532 123", phones=["0912 345 6789"])


def test_a_number_no_region_reads_is_found_by_its_digits(regions):
    regions(["TR"])
    assert found("0912 345", phones=["0912 345 6789"]) and found("09123456", phones=["0912 345 6789"])


def test_a_zero_padded_document_number_is_found_by_its_digits():
    assert found("00123", ["Q/2026/00123-R1"]) and found("2026/00123", ["Q/2026/00123-R1"])
    assert not found("00123", ["Q/2026/01230"])


def test_a_number_dialled_abroad_is_read_with_each_regions_international_prefix(regions):
    """An office in the US dials Iran as 011 98 …; libphonenumber knows each region's prefix."""
    regions(["US", "IR"])
    assert found("011 98 912 345", phones=["0098 912 345 6789"])
    assert not found("011 90 912 345", phones=["0098 912 345 6789"])


def test_a_query_that_reads_as_a_phone_number_is_looked_for_as_dialled():
    assert search_terms("+98 (912) 345-67") == ("+9891234567",)
    assert search_terms("۰۹۱۲ ۳۴۵") == search_terms("(0912) 345") == ("0912345",)
    assert search_terms("+98 9") == ("+989",) and search_terms("00") == ("00",)
    assert search_terms("Lead 154") == ("lead 154",) and search_terms("( -") == ("( -",)
    assert search_terms("پارس\u200cتک") == search_terms("پارس تک") == ("پارستک",)


def test_a_number_dialled_abroad_is_also_looked_for_after_a_plus():
    assert search_terms("0098 912 34567") == ("009891234567", "+9891234567")
    assert search_terms("00123") == ("00123", "+123")  # 00123 may be a quote's number: both are looked for


def test_a_search_key_is_bounded_however_much_folding_lengthens_its_texts():
    """ﷺ is one character that folds to 18: each form is cut, so the key stays small for the column's index."""
    key = search_key(["\ufdfa" * 200] * 4, ["\ufdfa" * 64])
    assert all(len(form) <= SEARCH_FORM_LIMIT for form in key.split("\n"))
    assert len(key) <= 5 * (SEARCH_FORM_LIMIT + 1)


# --- phone numbers ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    [
        "0912 345 6789",
        "09123456789",
        "+98 912 345 6789",
        "0098 912 345 6789",
        "+98 (912) 345-6789",
        "۰۹۱۲ ۳۴۵ ۶۷۸۹",
        "٠٩١٢٣٤٥٦٧٨٩",
        "912 345 6789",
    ],
)
def test_an_iranian_mobile_number_is_one_e164_number_however_it_is_written(written):
    assert phone_key(written) == "+989123456789"


@pytest.mark.parametrize(
    "written",
    [
        "0532 123 45 67",
        "05321234567",
        "+90 532 123 45 67",
        "0090 532 123 45 67",
        "+90 (532) 123-45-67",
    ],
)
def test_a_turkish_mobile_number_is_one_e164_number_however_it_is_written(written):
    assert phone_key(written) == "+905321234567"


def test_a_tehran_landline_is_read_in_the_default_region():
    assert phone_key("021 8888 1234") == phone_key("+98 21 8888 1234") == "+982188881234"


def test_the_first_configured_region_decides_a_number_valid_in_two(regions):
    """0212 555 12 34 is Istanbul's European side, and also a valid Tehran number: the order of the
    configured regions decides, so a Turkish office puts TR first."""
    assert phone_key("0212 555 12 34") == "+982125551234"
    regions(["TR", "IR"])
    assert phone_key("0212 555 12 34") == "+902125551234"
    assert phone_key("0912 345 6789") == "+989123456789"  # not a Turkish number: Iran still reads it


def test_a_local_number_valid_in_no_configured_region_falls_back_to_its_digits(regions):
    regions(["TR"])
    assert phone_key("0912 345 6789") == "9123456789"
    assert phone_key("030 1234567") == phone_key("030-123 45 67") == "301234567"


def test_an_international_number_keeps_its_country_even_when_unknown_to_the_metadata():
    assert phone_key("+49 30 123") == phone_key("004930123") == "+4930123"


def test_numbers_with_too_few_digits_have_no_key():
    assert phone_key("12-34") is None and phone_key("") is None and phone_key(None) is None


def test_an_unknown_region_is_refused(regions):
    with pytest.raises(ValueError, match="XX"):
        regions(["IR", "XX"])
    assert normalize.phone_regions() == ("IR", "TR")


def test_an_email_key_is_the_trimmed_lower_case_address():
    assert email_key("  Sara.Ahmadi@ACME.example ") == "sara.ahmadi@acme.example"
    assert email_key("not an address") is None
