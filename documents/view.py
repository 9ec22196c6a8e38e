"""A document's facts as the text it prints in one language: every word translated, every value formatted.

The templates only lay this out, so the PDF and the HTML page print the same text, and no formatting
rule lives in a template. The messages are English (the source language) and are translated by the
`documents` gettext catalog (`_`, so `pybabel extract -k _` finds them; see the catalogs' header).
"""

from __future__ import annotations

from typing import Any

from babel import Locale

from ..domain.documents import DocumentKind, Facts, LineFacts, PartyFacts
from .locale import Style, amount, day, in_words, money, number, percent, unit_name, unit_of

QUOTES = frozenset({DocumentKind.PROFORMA, DocumentKind.CONTRACT})


def titles(_) -> dict[str, str]:
    return {
        DocumentKind.PROFORMA: _("Proforma invoice"),
        DocumentKind.CONTRACT: _("Contract"),
        DocumentKind.ORDER_CONFIRMATION: _("Order confirmation"),
        DocumentKind.INVOICE: _("Invoice"),
    }


def _tax_number_label(tax_number: str, _) -> str:
    # Turkey: a company's VKN has 10 digits, a person's TCKN 11 (python-stdnum's tr.vkn / tr.tckn)
    return _("TCKN") if len(tax_number.strip()) == 11 else _("VKN")


def _party(party: PartyFacts, style: Style) -> dict[str, Any]:
    """Name, contact lines and the tax identifiers that are set, under their local labels."""
    _ = style.gettext
    country = party.get("country")
    place = style.separator.join(
        part
        for part in (
            party.get("address"),
            Locale.parse(style.babel).territories.get(country.upper(), country) if country else None,
        )
        if part
    )
    code = style.isolate
    rows = [
        (_("Attn."), party.get("contact_name")),
        (_("Address"), place),
        (_("Postal code"), code(party.get("postal_code"))),
        (_("Phone"), code(party.get("phone"))),
        (_("E-mail"), code(party.get("email"))),
        (_("National ID"), code(party.get("national_id"))),
        (_("Economic code"), code(party.get("economic_code"))),
        (_tax_number_label(party["tax_number"], _) if party.get("tax_number") else "", code(party.get("tax_number"))),
        (_("Tax office"), party.get("tax_office")),
        (_("VAT number"), code(party.get("vat_number"))),
    ]
    return {"name": party["name"], "rows": [[label, value] for label, value in rows if value]}


def _line(line: LineFacts, currency: str, style: Style) -> dict[str, Any]:
    return {
        "cells": [
            style.native(str(line["position"])),
            number(line["quantity"], style),
            amount(line["unit_price"], currency, style),
            percent(line["discount_percent"], style),
            percent(line["tax_rate"], style),
            amount(line["net_amount"], currency, style),
            amount(line["tax_amount"], currency, style),
            amount(line["total"], currency, style),
        ],
        "description": line["description"],
        "code": style.isolate(line.get("product_code")) or "",
    }


def _page_of(style: Style) -> list[str]:
    """The footer's words around the page numbers: `Page {page} of {pages}` split at the numbers."""
    _ = style.gettext
    pattern = _("Page {page} of {pages}")
    before, rest = pattern.split("{page}", 1)
    middle, after = rest.split("{pages}", 1)
    return [before, middle, after]


def view(facts: Facts, style: Style) -> dict[str, Any]:
    """Everything the templates print for these facts in this style, as text."""
    _ = style.gettext
    kind = DocumentKind(facts["kind"])
    currency = facts["currency"]
    draft = not facts["number"]
    show_money = lambda value: money(value, currency, style)  # noqa: E731

    meta = [
        (_("Number"), style.isolate(facts["number"]) or _("Draft")),
        (_("Revision"), style.native(str(facts["revision"])) if kind in QUOTES and facts.get("revision") else None),
        (_("Date"), day(facts["date"], style)),
        (_("Valid until"), day(facts.get("valid_until"), style)),
        (_("Start date"), day(facts.get("start_date"), style)),
        (_("End date"), day(facts.get("end_date"), style)),
        (_("Due date"), day(facts.get("due_date"), style)),
        (_("Quote"), style.isolate(facts.get("quote_number"))),
        (_("Order"), style.isolate(facts.get("order_number"))),
    ]
    totals = [
        (_("Subtotal"), show_money(facts["subtotal"]), False),
        (_("Discount"), show_money(facts["discount_total"]), False),
        (_("Tax total"), show_money(facts["tax_total"]), False),
        (_("Total"), show_money(facts["total"]), True),
    ]
    if kind == DocumentKind.INVOICE and facts.get("amount_due") is not None:
        totals += [
            (_("Amount paid"), show_money(facts.get("amount_paid") or 0), False),
            (_("Amount due"), show_money(facts["amount_due"]), True),
        ]
    sections = [
        (_("Terms"), facts.get("terms") if kind == DocumentKind.CONTRACT else None),
        (_("Payment terms"), facts.get("payment_terms")),
        (_("Bank details"), facts["seller"].get("bank_details")),
    ]
    title = titles(_)[kind]
    return {
        "lang": style.language,
        "region": {"fa": "IR", "tr": "TR"}.get(style.language, ""),
        "dir": "rtl" if style.rtl else "ltr",
        "title": title,
        "draft": _("Draft") if draft else "",
        # the footer and the PDF's title: a document number reads right in RTL text as it is, and an
        # isolate mark there would end up in the PDF's text (a copy-paste would carry it)
        "date": [facts["date"].year, facts["date"].month, facts["date"].day],  # the PDF's creation date
        "heading": f"{title} {facts['number']}" if not draft else f"{title} ({_('Draft')})",
        "meta": [[label, value] for label, value in meta if value],
        "seller_label": _("Seller"),
        "buyer_label": _("Buyer"),
        "seller": _party(facts["seller"], style),
        "buyer": _party(facts["buyer"], style),
        "currency_note": _("Amounts in {unit}").format(unit=unit_name(unit_of(currency, style), style)),
        "columns": [
            _("#"),
            _("Description"),
            _("Quantity"),
            _("Unit price"),
            _("Discount %"),
            _("Tax rate"),
            _("Net"),
            _("Tax"),
            _("Total"),
        ],
        "lines": [_line(line, currency, style) for line in facts["lines"]],
        "taxes_label": _("Taxes by rate"),
        "tax_columns": [_("Tax rate"), _("Taxable amount"), _("Tax")],
        "taxes": [
            [percent(tax["rate"], style), show_money(tax["base"]), show_money(tax["amount"])] for tax in facts["taxes"]
        ],
        "totals": [[label, value, strong] for label, value, strong in totals],
        "words_label": _("Amount in words"),
        "words": in_words(facts["total"], currency, style),
        "sections": [[label, text] for label, text in sections if text],
        "page_of": _page_of(style),
        "digits": "۰۱۲۳۴۵۶۷۸۹" if style.language == "fa" else "0123456789",
    }
