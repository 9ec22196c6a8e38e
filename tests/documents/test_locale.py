"""How each language writes a document's values: exact amounts, Persian digits, Jalali and Turkish dates,
rials or tomans, amounts in words, and the document's labels in fa and tr."""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

import pytest
from document_samples import persian_proforma, turkish
from num2words import num2words

from salesflow.documents.locale import Style, amount, day, in_words, money, number, percent
from salesflow.documents.view import view

FA, TR, EN = Style("fa"), Style("tr"), Style("en")
TOMAN = Style("fa", irr_display="toman")


def test_persian_numbers_use_persian_digits_and_the_persian_separators():
    assert number(D("1234567.25"), FA) == "۱٬۲۳۴٬۵۶۷٫۲۵"
    assert amount(D("16440875000"), "IRR", FA) == "۱۶٬۴۴۰٬۸۷۵٬۰۰۰"
    assert percent(D("7.5"), FA) == "۷٫۵٪"


def test_turkish_and_english_amounts_follow_babel_at_the_currency_precision():
    assert money(D("89074.26"), "TRY", TR) == "₺89.074,26"
    assert money(D("20000"), "TRY", TR) == "₺20.000,00"  # TRY has 2 decimals even when the amount has none
    assert percent(D("20"), TR) == "%20"
    assert money(D("4599.95"), "EUR", EN) == "€4,599.95"
    assert money(D("1234"), "IRR", EN) == "IRR1,234"  # CLDR's English pattern for a code without a symbol


def test_an_amount_is_never_rounded_for_printing():
    assert amount(D("1480.355"), "TRY", TR) == "1.480,355"  # a unit price with more decimals than lira
    assert number(D("0.000001"), EN) == "0.000001"  # the smallest quantity a line may carry


def test_tomans_are_a_tenth_of_the_rials_with_the_last_rial_kept():
    assert money(D("1234565"), "IRR", TOMAN) == "۱۲۳٬۴۵۶٫۵\u00a0تومان"
    assert money(D("1234560"), "IRR", TOMAN) == "۱۲۳٬۴۵۶\u00a0تومان"
    assert money(D("1234565"), "IRR", FA) == "۱٬۲۳۴٬۵۶۵\u00a0ریال"


def test_dates_are_jalali_in_persian_and_day_first_in_turkish():
    assert day(date(2026, 12, 6), FA) == "۱۴۰۵/۰۹/۱۵"
    assert day(date(2026, 3, 21), FA) == "۱۴۰۵/۰۱/۰۱"  # Nowruz: the Jalali new year
    assert day(date(2026, 12, 6), TR) == "06.12.2026"
    assert day(date(2026, 12, 6), EN) == "Dec 6, 2026"


def test_amounts_in_words_name_whole_and_minor_units():
    assert in_words(D("16440875000"), "IRR", FA) == num2words(16440875000, lang="fa") + " ریال"
    assert (
        in_words(D("1234565"), "IRR", TOMAN) == f"{num2words(123456, lang='fa')} تومان و {num2words(5, lang='fa')} ریال"
    )
    assert in_words(D("89074.26"), "TRY", TR) == "seksendokuzbinyetmişdört Türk lirası yirmialtı kuruş"
    assert (
        in_words(D("4599.95"), "EUR", EN) == "four thousand, five hundred and ninety-nine euros and ninety-five cents"
    )
    assert in_words(D("12.50"), "GBP", EN) == "twelve GBP and 50/100"  # no minor unit's name: the fraction


@pytest.mark.parametrize(
    ("style", "title", "tax_office"),
    [
        (FA, "پیش‌فاکتور", "اداره مالیات"),
        (TR, "Proforma Fatura", "Vergi Dairesi"),
        (EN, "Proforma invoice", "Tax office"),
    ],
)
def test_the_labels_come_from_the_language_catalog(style, title, tax_office):
    printed = view(turkish("proforma"), style)

    assert printed["title"] == title
    assert [tax_office, "Şişli"] in printed["seller"]["rows"]


def test_a_persian_view_runs_right_to_left_and_isolates_left_to_right_values():
    printed = view(persian_proforma(), FA)

    assert printed["dir"] == "rtl"
    assert ["تلفن", "\u2066+98 21 8888 1234\u2069"] in printed["seller"]["rows"]
    assert printed["page_of"] == ["صفحه ", " از ", ""]
