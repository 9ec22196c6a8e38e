"""Hand-built facts for the document tests and the benchmark, with amounts computed by the domain's own rules.

Four stories: an Iranian proforma and contract in rials (amounts in the billions) to
"شرکت بازرگانی آرین‌پارس"; a Turkish invoice to "İstanbul Işık Mobilya A.Ş." with KDV 20 % and 10 %
lines; an English invoice in euros; and a 40-line invoice that runs to three pages.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal as D

from salesflow.domain.documents import Facts, LineFacts, PartyFacts, TaxFacts
from salesflow.domain.money import document_totals, line_amounts

PERSIAN_BUYER = "شرکت بازرگانی آرین‌پارس"
TURKISH_BUYER = "İstanbul Işık Mobilya A.Ş."


def party(name: str, **fields) -> PartyFacts:
    base = dict.fromkeys(
        (
            "address",
            "postal_code",
            "country",
            "phone",
            "email",
            "national_id",
            "economic_code",
            "tax_number",
            "tax_office",
            "vat_number",
        )
    )
    return {"name": name, **base, **fields}


class _Line:
    def __init__(self, amounts) -> None:
        self.subtotal, self.discount_amount, self.tax_amount = amounts.gross, amounts.discount, amounts.tax


def lines_of(rows: list[tuple], currency: str) -> list[LineFacts]:
    """(description, code, quantity, unit price, discount %, tax rate) rows as printed lines."""
    lines = []
    for position, (description, code, quantity, price, discount, rate) in enumerate(rows, start=1):
        a = line_amounts(D(quantity), D(price), D(discount), D(rate), currency)
        lines.append(
            {
                "position": position,
                "description": description,
                "product_code": code,
                "quantity": D(quantity),
                "unit_price": D(price),
                "discount_percent": D(discount),
                "tax_rate": D(rate),
                "subtotal": a.gross,
                "discount_amount": a.discount,
                "net_amount": a.net,
                "tax_amount": a.tax,
                "total": a.total,
            }
        )
    return lines


def facts(kind: str, currency: str, rows: list[tuple], **fields) -> Facts:
    """Facts whose totals and taxes per rate are the sums of their lines, as the store computes them."""
    lines = lines_of(rows, currency)
    totals = document_totals(
        [_Line(line_amounts(ln["quantity"], ln["unit_price"], ln["discount_percent"], ln["tax_rate"], currency)) for ln in lines],
        currency,
    )
    taxes: list[TaxFacts] = []
    for rate in sorted({ln["tax_rate"] for ln in lines}):
        at_rate = [ln for ln in lines if ln["tax_rate"] == rate]
        taxes.append(
            {"rate": rate, "base": sum(ln["net_amount"] for ln in at_rate), "amount": sum(ln["tax_amount"] for ln in at_rate)}
        )
    result: Facts = {
        "kind": kind,
        "number": "",
        "revision": None,
        "status": "draft",
        "date": date(2026, 12, 6),
        "valid_until": None,
        "start_date": None,
        "end_date": None,
        "terms": None,
        "due_date": None,
        "payment_terms": None,
        "currency": currency,
        "irr_display": "rial",
        "default_locale": "en",
        "lines": lines,
        "taxes": taxes,
        "subtotal": totals.subtotal,
        "discount_total": totals.discount_total,
        "tax_total": totals.tax_total,
        "total": totals.total,
        "amount_paid": None,
        "amount_due": None,
        "order_number": None,
        "quote_number": None,
    }
    result.update(fields)
    return result


IRANIAN_SELLER = party(
    "شرکت نرم‌افزاری سپهر داده",
    address="تهران، خیابان ولیعصر، پلاک ۱۲",
    postal_code="1517813511",
    country="IR",
    phone="+98 21 8888 1234",
    email="sales@sepehrdata.example",
    national_id="10101234567",
    economic_code="411111111111",
    bank_details="بانک ملت، شبا IR820540102680020817909002",
)
IRANIAN_BUYER = party(
    PERSIAN_BUYER,
    contact_name="مریم احمدی",
    address="اصفهان، خیابان چهارباغ",
    postal_code="8173614111",
    country="IR",
    phone="+98 31 3222 0000",
    email="kharid@arianpars.example",
    national_id="14003456789",
    economic_code="422222222222",
)
IRANIAN_ROWS = [
    ("سرور رک‌مونت Dell PowerEdge R750", "SRV-R750", "3", "4850000000", "7.5", "10"),
    ("پشتیبانی سالانه ۲۴×۷", "SUP-247", "1", "1250000000", "0", "10"),
    ("نصب و راه‌اندازی در محل", "SVC-INST", "2.5", "95000000", "0", "10"),
]


def persian_proforma(**fields) -> Facts:
    """Quote Q-2026-00012 rev. 2, a proforma in rials, sent on 6 December 2026 (۱۴۰۵/۰۹/۱۵)."""
    return facts(
        "proforma",
        "IRR",
        IRANIAN_ROWS,
        number="Q-2026-00012",
        revision=2,
        status="sent",
        valid_until=date(2026, 12, 31),
        payment_terms="۵۰٪ پیش‌پرداخت، مابقی هنگام تحویل",
        default_locale="fa-IR",
        seller=IRANIAN_SELLER,
        buyer=IRANIAN_BUYER,
        **fields,
    )


def persian_contract(**fields) -> Facts:
    """Quote Q-2026-00013, a one-year support contract in rials with its dates and terms."""
    return facts(
        "contract",
        "IRR",
        [("قرارداد پشتیبانی و نگهداری سالانه", "SUP-YEAR", "12", "415000000", "5", "10")],
        number="Q-2026-00013",
        revision=1,
        status="sent",
        valid_until=date(2026, 12, 31),
        start_date=date(2027, 1, 1),
        end_date=date(2027, 12, 31),
        terms="۱. پشتیبان متعهد است ظرف ۴ ساعت کاری پاسخ دهد.\n۲. مبلغ قرارداد در ۱۲ قسط ماهانه پرداخت می‌شود.",
        default_locale="fa-IR",
        seller=IRANIAN_SELLER,
        buyer=IRANIAN_BUYER,
        **fields,
    )


TURKISH_SELLER = party(
    "Anadolu Yazılım Ltd. Şti.",
    address="Büyükdere Cad. No: 185, Şişli, İstanbul",
    postal_code="34394",
    country="TR",
    phone="+90 212 555 0101",
    email="satis@anadoluyazilim.example",
    tax_number="1234567890",
    tax_office="Şişli",
    bank_details="Ziraat Bankası, IBAN TR33 0006 1005 1978 6457 8413 26",
)
TURKISH_BUYER_PARTY = party(
    TURKISH_BUYER,
    contact_name="Şule Çağlar",
    address="Organize Sanayi Bölgesi 3. Cadde No: 7, İnegöl, Bursa",
    country="TR",
    email="muhasebe@isikmobilya.example",
    tax_number="10000000146",  # a TCKN: 11 digits
    tax_office="İnegöl",
)


def turkish_invoice(**fields) -> Facts:
    """Invoice FTR/2026/00042 in lira, KDV 20 % and 10 % lines, partly paid."""
    result = facts(
        "invoice",
        "TRY",
        [
            ("Kurumsal ERP lisansı (yıllık)", "ERP-LIC", "5", "12500.00", "10", "20"),
            ("Eğitim: İş akışları ve ığdır şubesi kurulumu", "TRN-1", "2", "3750.50", "0", "10"),
            ("Danışmanlık saati", "CNS-H", "7.5", "1480.35", "0", "20"),
        ],
        number="FTR/2026/00042",
        status="partially_paid",
        due_date=date(2027, 1, 5),
        payment_terms="Fatura tarihinden itibaren 30 gün içinde ödenir.",
        order_number="SO-2026-00031",
        quote_number="Q-2026-00027",
        default_locale="tr-TR",
        seller=TURKISH_SELLER,
        buyer=TURKISH_BUYER_PARTY,
        **fields,
    )
    result.setdefault("amount_paid", None)
    if result["amount_paid"] is None:
        result["amount_paid"] = D("20000.00")
    result["amount_due"] = result["total"] - result["amount_paid"]
    return result


ENGLISH_SELLER = party(
    "Northwind Software Ltd",
    address="1 Harbour Street, Dublin 2",
    country="IE",
    phone="+353 1 555 0100",
    email="billing@northwind.example",
    vat_number="IE6388047V",
    bank_details="Bank of Ireland, IBAN IE29 AIBK 9311 5212 3456 78",
)


def english_invoice(**fields) -> Facts:
    """Invoice INV/2026/00007 in euros for a German customer, unpaid."""
    result = facts(
        "invoice",
        "EUR",
        [
            ("Annual subscription, Team plan", "SUB-TEAM", "12", "249.00", "15", "23"),
            ("Onboarding workshop", "SVC-ONB", "1", "1200.00", "0", "23"),
        ],
        number="INV/2026/00007",
        status="issued",
        due_date=date(2027, 1, 5),
        payment_terms="Payable within 30 days.",
        order_number="SO-2026-00011",
        seller=ENGLISH_SELLER,
        buyer=party("Kölner Möbelwerk GmbH", country="DE", vat_number="DE136695976", email="ap@moebelwerk.example"),
        amount_paid=D("0.00"),
        **fields,
    )
    result["amount_due"] = result["total"]
    return result


def long_invoice(**fields) -> Facts:
    """A 40-line Turkish invoice: three pages, for the page header/footer tests and the benchmark."""
    rows = [
        (f"Ürün {i}: ofis mobilyası parçası, ölçüye göre kesim", f"MOB-{i:04d}", str(i % 7 + 1), f"{150 + i * 37}.{i % 100:02d}", str(i % 3 * 5), "20" if i % 2 else "10")
        for i in range(1, 41)
    ]
    result = facts(
        "invoice",
        "TRY",
        rows,
        number="FTR/2026/00043",
        status="issued",
        due_date=date(2027, 1, 5),
        payment_terms="Fatura tarihinden itibaren 30 gün içinde ödenir.",
        seller=TURKISH_SELLER,
        buyer=TURKISH_BUYER_PARTY,
        amount_paid=D("0.00"),
        **fields,
    )
    result["amount_due"] = result["total"]
    return result
