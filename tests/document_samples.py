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
        [
            _Line(line_amounts(ln["quantity"], ln["unit_price"], ln["discount_percent"], ln["tax_rate"], currency))
            for ln in lines
        ],
        currency,
    )
    taxes: list[TaxFacts] = []
    for rate in sorted({ln["tax_rate"] for ln in lines}):
        at_rate = [ln for ln in lines if ln["tax_rate"] == rate]
        taxes.append(
            {
                "rate": rate,
                "base": sum(ln["net_amount"] for ln in at_rate),
                "amount": sum(ln["tax_amount"] for ln in at_rate),
            }
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
    story = {
        "number": "Q-2026-00012",
        "revision": 2,
        "status": "sent",
        "valid_until": date(2026, 12, 31),
        "payment_terms": "۵۰٪ پیش‌پرداخت، مابقی هنگام تحویل",
        "default_locale": "fa-IR",
        "seller": IRANIAN_SELLER,
        "buyer": IRANIAN_BUYER,
    }
    return facts(fields.pop("kind", "proforma"), "IRR", fields.pop("rows", IRANIAN_ROWS), **{**story, **fields})


def persian_order_confirmation(**fields) -> Facts:
    """The accepted proforma as order SO-1405-00031."""
    story = {"number": "SO-1405-00031", "revision": None, "valid_until": None, "quote_number": "Q-2026-00012"}
    return persian_proforma(kind="order_confirmation", **{**story, "status": "open", **fields})


def persian_invoice(**fields) -> Facts:
    """The order's invoice INV/1405/00001 (a Jalali series), shown in tomans when the company says so."""
    story = {
        "number": "INV/1405/00001",
        "revision": None,
        "status": "issued",
        "valid_until": None,
        "due_date": date(2027, 1, 5),
        "order_number": "SO-1405-00031",
    }
    result = persian_proforma(kind="invoice", **{**story, **fields})
    result["amount_paid"] = result.get("amount_paid") or D("5000000000")
    result["amount_due"] = result["total"] - result["amount_paid"]
    return result


def persian_contract(**fields) -> Facts:
    """Quote Q-2026-00013, a one-year support contract in rials with its dates and terms."""
    story = {
        "number": "Q-2026-00013",
        "revision": 1,
        "start_date": date(2027, 1, 1),
        "end_date": date(2027, 12, 31),
        "terms": "۱. پشتیبان متعهد است ظرف ۴ ساعت کاری پاسخ دهد.\n۲. مبلغ قرارداد در ۱۲ قسط ماهانه پرداخت می‌شود.",
        "rows": [("قرارداد پشتیبانی و نگهداری سالانه", "SUP-YEAR", "12", "415000000", "5", "10")],
    }
    return persian_proforma(kind="contract", **{**story, **fields})


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


TURKISH_ROWS = [
    ("Kurumsal ERP lisansı (yıllık)", "ERP-LIC", "5", "12500.00", "10", "20"),
    ("Eğitim: İş akışları ve ığdır şubesi kurulumu", "TRN-1", "2", "3750.50", "0", "10"),
    ("Danışmanlık saati", "CNS-H", "7.5", "1480.35", "0", "20"),
]

#: What each kind of document adds to a story's facts (numbers, dates, terms).
KIND_FIELDS = {
    "proforma": {"revision": 1, "status": "sent", "valid_until": date(2026, 12, 31)},
    "contract": {
        "revision": 1,
        "status": "sent",
        "valid_until": date(2026, 12, 31),
        "start_date": date(2027, 1, 1),
        "end_date": date(2027, 12, 31),
    },
    "order_confirmation": {"status": "open"},
    "invoice": {"status": "partially_paid", "due_date": date(2027, 1, 5)},
}


def _story(kind: str, currency: str, rows: list[tuple], numbers: dict[str, str], paid: str, **fields) -> Facts:
    story = {"number": numbers[kind], **KIND_FIELDS[kind], **fields}
    result = facts(kind, currency, rows, **story)
    if kind == "invoice":
        result["amount_paid"] = D(paid)
        result["amount_due"] = result["total"] - result["amount_paid"]
    return result


def turkish(kind: str = "invoice", **fields) -> Facts:
    """The Turkish story in lira, KDV 20 % and 10 % lines; its invoice FTR/2026/00042 is partly paid."""
    story = {
        "payment_terms": "Fatura tarihinden itibaren 30 gün içinde ödenir.",
        "terms": "1. Destek talepleri 4 iş saati içinde yanıtlanır.\n2. Sözleşme bedeli 12 eşit taksitte ödenir."
        if kind == "contract"
        else None,
        "order_number": "SO-2026-00031" if kind == "invoice" else None,
        "quote_number": "Q-2026-00027" if kind in ("invoice", "order_confirmation") else None,
        "default_locale": "tr-TR",
        "seller": TURKISH_SELLER,
        "buyer": TURKISH_BUYER_PARTY,
    }
    numbers = {
        "proforma": "Q-2026-00027",
        "contract": "Q-2026-00028",
        "order_confirmation": "SO-2026-00031",
        "invoice": "FTR/2026/00042",
    }
    return _story(kind, "TRY", fields.pop("rows", TURKISH_ROWS), numbers, "20000.00", **{**story, **fields})


def turkish_invoice(**fields) -> Facts:
    return turkish("invoice", **fields)


ENGLISH_SELLER = party(
    "Northwind Software Ltd",
    address="1 Harbour Street, Dublin 2",
    country="IE",
    phone="+353 1 555 0100",
    email="billing@northwind.example",
    vat_number="IE6388047V",
    bank_details="Bank of Ireland, IBAN IE29 AIBK 9311 5212 3456 78",
)


def english(kind: str = "invoice", **fields) -> Facts:
    """The English story in euros for a German customer; its invoice INV/2026/00007 is unpaid."""
    story = {
        "payment_terms": "Payable within 30 days.",
        "terms": "1. Support requests are answered within 4 business hours.\n2. Billed monthly in advance."
        if kind == "contract"
        else None,
        "order_number": "SO-2026-00011" if kind == "invoice" else None,
        "seller": ENGLISH_SELLER,
        "buyer": party("Kölner Möbelwerk GmbH", country="DE", vat_number="DE136695976", email="ap@moebelwerk.example"),
    }
    numbers = {
        "proforma": "Q-2026-00005",
        "contract": "Q-2026-00006",
        "order_confirmation": "SO-2026-00011",
        "invoice": "INV/2026/00007",
    }
    rows = [
        ("Annual subscription, Team plan", "SUB-TEAM", "12", "249.00", "15", "23"),
        ("Onboarding workshop", "SVC-ONB", "1", "1200.00", "0", "23"),
    ]
    return _story(kind, "EUR", fields.pop("rows", rows), numbers, "0.00", **{**story, **fields})


def persian(kind: str = "proforma", **fields) -> Facts:
    """The Persian story of each kind."""
    return {
        "proforma": persian_proforma,
        "contract": persian_contract,
        "order_confirmation": persian_order_confirmation,
        "invoice": persian_invoice,
    }[kind](**fields)


#: The story each locale's tests print: fa in rials, tr in lira, en in euros.
STORIES = {"fa-IR": persian, "tr-TR": turkish, "en": english}


def long_invoice(**fields) -> Facts:
    """A 40-line Turkish invoice: three pages, for the page header/footer tests and the benchmark."""
    rows = [
        (
            f"Ürün {i}: ofis mobilyası parçası, ölçüye göre kesim, kenar bandı ve montaj dahil, Bursa deposundan teslim",
            f"MOB-{i:04d}",
            str(i % 7 + 1),
            f"{150 + i * 37}.{i % 100:02d}",
            str(i % 3 * 5),
            "20" if i % 2 else "10",
        )
        for i in range(1, 41)
    ]
    return turkish("invoice", rows=rows, **{"number": "FTR/2026/00043", **fields})
