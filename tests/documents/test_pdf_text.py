"""What a customer reads in each PDF, read back with pdftotext: names, dates, every amount, the words."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import as_poppler_reads, needs_poppler, numbers_in, pages, pdf_text, spaceless
from document_samples import (
    PERSIAN_BUYER,
    STORIES,
    TURKISH_BUYER,
    long_invoice,
    persian_invoice,
    persian_proforma,
    turkish,
)
from num2words import num2words

from salesflow import documents
from salesflow.domain.documents import DocumentFormat

pytestmark = needs_poppler

KINDS = ("proforma", "contract", "order_confirmation", "invoice")
TITLES = {
    "fa-IR": {
        "proforma": "پیش‌فاکتور",
        "contract": "قرارداد",
        "order_confirmation": "تأیید سفارش",
        "invoice": "صورتحساب فروش",
    },
    "tr-TR": {
        "proforma": "Proforma Fatura",
        "contract": "Sözleşme",
        "order_confirmation": "Sipariş Onayı",
        "invoice": "Fatura",
    },
    "en": {
        "proforma": "Proforma invoice",
        "contract": "Contract",
        "order_confirmation": "Order confirmation",
        "invoice": "Invoice",
    },
}
BUYERS = {"fa-IR": PERSIAN_BUYER, "tr-TR": TURKISH_BUYER, "en": "Kölner Möbelwerk GmbH"}
#: 6 December 2026, the documents' date, as each locale writes it (15 Azar 1405 in the Jalali calendar)
DATES = {"fa-IR": "۱۴۰۵/۰۹/۱۵", "tr-TR": "06.12.2026", "en": "Dec 6, 2026"}
#: The totals in words, composed here from num2words' cardinals and the units' names
WORDS = {
    "fa-IR": lambda total: f"{num2words(int(total), lang='fa')} ریال",
    "tr-TR": lambda total: (
        f"{num2words(int(total), lang='tr')} Türk lirası {num2words(int(total % 1 * 100), lang='tr')} kuruş"
    ),
    "en": lambda total: (
        f"{num2words(int(total), lang='en')} euros and {num2words(int(total % 1 * 100), lang='en')} cents"
    ),
}


def printed_amounts(facts) -> set[Decimal]:
    """Every amount of the facts that the document prints: per line, per tax rate and the totals."""
    amounts = {facts[key] for key in ("subtotal", "discount_total", "tax_total", "total")}
    for line in facts["lines"]:
        amounts |= {line[key] for key in ("quantity", "unit_price", "net_amount", "tax_amount", "total")}
    for tax in facts["taxes"]:
        amounts |= {tax["base"], tax["amount"], tax["rate"]}
    if facts["kind"] == "invoice":
        amounts |= {facts["amount_paid"], facts["amount_due"]}
    return amounts


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("locale", sorted(STORIES))
def test_each_kind_prints_its_title_buyer_date_amounts_and_words_in_each_locale(locale, kind):
    facts = STORIES[locale](kind)
    text = pdf_text(documents.render(facts, DocumentFormat.PDF, locale))

    assert as_poppler_reads(TITLES[locale][kind]) in text
    assert as_poppler_reads(BUYERS[locale]) in text
    assert DATES[locale] in text
    assert facts["number"] in text
    missing = printed_amounts(facts) - numbers_in(text, locale)
    assert not missing, f"amounts not printed exactly: {sorted(missing)}"
    assert as_poppler_reads(WORDS[locale](facts["total"])) in text
    assert not {"\u2066", "\u2069"} & set(text)  # the bidi isolates stay out of the PDF's text


def test_a_persian_proforma_reads_in_logical_order_with_persian_digits_and_the_jalali_validity():
    text = pdf_text(documents.render(persian_proforma(), DocumentFormat.PDF, "fa"))

    assert "four thousand, five hundred and ninety-nine euros and ninety-five cents" in pdf_text(
        documents.render(STORIES["en"]("invoice"), DocumentFormat.PDF, "en")
    )  # the English words, written out once by hand

    assert as_poppler_reads("شرکت بازرگانی آرین‌پارس") in text
    assert "۱۴۰۵/۱۰/۱۰" in text  # valid until 31 December 2026
    assert "۱۶٬۴۴۰٬۸۷۵٬۰۰۰ریال" in spaceless(text)  # the total, grouped with ٬
    assert "۴٬۸۵۰٬۰۰۰٬۰۰۰" in text  # a unit price in the billions
    assert "۷٫۵٪" in text  # a discount of 7.5 %, with the Persian decimal mark and percent sign
    assert "۲٫۵" in text  # a quantity of 2.5
    assert "SRV-R750" in text and "sales@sepehrdata.example" in text  # Latin text inside reads left to right
    assert "+98 21 8888 1234" in text  # a phone number is not reordered by the bidi algorithm


def test_a_persian_document_labels_the_iranian_tax_identifiers():
    text = pdf_text(documents.render(persian_proforma(), DocumentFormat.PDF, "fa"))

    for label, value in (("شناسه ملی", "14003456789"), ("کد اقتصادی", "422222222222"), ("کد پستی", "8173614111")):
        assert as_poppler_reads(label) in text
        assert value in text


def test_a_turkish_document_labels_a_ten_digit_tax_number_vkn_and_an_eleven_digit_one_tckn():
    text = pdf_text(documents.render(turkish("invoice"), DocumentFormat.PDF, "tr"))

    assert "VKN 1234567890" in text  # the seller, a company
    assert "TCKN 10000000146" in text  # the buyer's number has 11 digits: a person's
    assert "Vergi Dairesi Şişli" in text and "Vergi Dairesi İnegöl" in text


def test_an_english_document_labels_the_vat_number():
    text = pdf_text(documents.render(STORIES["en"]("invoice"), DocumentFormat.PDF, "en"))

    assert "VAT number IE6388047V" in text and "VAT number DE136695976" in text


def test_a_contract_prints_its_start_and_end_dates_and_its_terms():
    facts = STORIES["fa-IR"]("contract")
    text = pdf_text(documents.render(facts, DocumentFormat.PDF, "fa-IR"))

    assert "۱۴۰۵/۱۰/۱۱" in text  # starts 1 January 2027
    assert "۱۴۰۶/۱۰/۱۰" in text  # ends 31 December 2027
    assert spaceless(as_poppler_reads("پشتیبان متعهد است ظرف ۴ ساعت کاری پاسخ دهد")) in spaceless(text)
    assert as_poppler_reads("شرایط قرارداد") in text


def test_an_invoice_prints_its_due_date_payment_terms_paid_and_due_amounts():
    text = pdf_text(documents.render(turkish("invoice"), DocumentFormat.PDF, "tr"))

    assert "Vade tarihi 05.01.2027" in text
    assert "Fatura tarihinden itibaren 30 gün içinde ödenir." in text
    assert "Ödenen tutar" in text and "₺20.000,00" in text  # the totals' labels and values are two columns
    assert "Kalan borç" in text and "₺69.074,26" in text
    assert "Ziraat Bankası, IBAN TR33 0006 1005 1978 6457 8413 26" in text


def test_a_company_showing_tomans_prints_a_tenth_of_every_rial_amount_without_dropping_a_digit():
    facts = persian_invoice(rows=[("خدمات مشاوره", None, "1", "1234565", "0", "0")], irr_display="toman")
    facts["amount_paid"], facts["amount_due"] = Decimal(0), facts["total"]
    assert facts["total"] == Decimal("1234565")
    text = pdf_text(documents.render(facts, DocumentFormat.PDF, "fa"))

    assert "۱۲۳٬۴۵۶٫۵تومان" in spaceless(text)  # 1,234,565 rials
    assert "۱۲۳٬۴۵۶" not in text.replace("۱۲۳٬۴۵۶٫۵", "")  # never rounded or cut to whole tomans
    assert as_poppler_reads(f"{num2words(123456, lang='fa')} تومان و {num2words(5, lang='fa')} ریال") in text
    assert as_poppler_reads("مبالغ به تومان") in text


def test_a_draft_prints_clearly_as_a_draft():
    facts = turkish("invoice", number="", status="draft")
    text = pdf_text(documents.render(facts, DocumentFormat.PDF, "tr"))

    assert text.count("Taslak") >= 3  # the number, the heading's mark and the watermark
    assert "Fatura (Taslak)" in text  # the footer


def test_a_forty_line_invoice_runs_to_three_pages_repeating_the_table_header_and_numbering_the_pages():
    facts = long_invoice()
    pdf = documents.render(facts, DocumentFormat.PDF, "tr")
    text = pdf_text(pdf)

    assert pages(pdf) == 3
    assert text.count("Sıra Açıklama Miktar Birim fiyat İskonto KDV oranı Net tutar KDV Toplam") == 3
    for page in (1, 2, 3):
        assert f"Sayfa {page} / 3" in text
    assert not printed_amounts(facts) - numbers_in(text, "tr-TR")
