"""Payments as an accountant types them into the ledger, read back for salesflow.

A payment is a transaction that carries an invoice's link and moves money out of the
receivable account, and that salesflow did not write (it has no `salesflow-key`):

    2026-12-01 * "Ferrante" "Payment" ^invoice-INV/2026/00001
      Assets:Bank          100.00 EUR
      Assets:Receivable   -100.00 EUR

Its amount is minus the sum of its receivable postings, per currency. A transaction with
several invoice links (one transfer settling two invoices) attributes each receivable posting
by the posting's own `invoice: "<number>"` metadata; postings it cannot attribute are left out
(and logged), never guessed.

The external id is made of what the payment *is* - link, date, amount, currency - plus an
ordinal among payments that are identical in all four, so re-reading the ledger names every
payment the same way even after lines were inserted above it, its transaction was moved to
another file, files were reordered or its narration was corrected:

    invoice-INV/2026/00001@2026-12-01:100EUR#1

Editing a payment's amount or date makes it another payment: the ledger is read as one
statement per invoice (`statements_in`), everything paid on it now, and salesflow reverses the
old one and applies the new (statemachine/reconciliation.py). A reversing entry - the same
postings with the signs turned, money back into the receivable - is a negative entry that
reverses the payment of its amount; its narration becomes the reason.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter, defaultdict
from decimal import Decimal

from beancount.core import data

from ...domain.accounting import ExternalPayment
from .naming import LINK_PREFIX, invoice_link, number_of_link
from .render import KEY

log = logging.getLogger("salesflow.beancount")
MAX_ID = 200
MAX_REFERENCE = 200


def _canonical(amount: Decimal) -> str:
    """100.00 and 100 name the same amount (reformatting a number must not make a new payment)."""
    text = format(amount.normalize(), "f")
    return "0" if text == "-0" else text


def _external_id(link: str, day, amount: Decimal, currency: str, ordinal: int) -> str:
    ident = f"{link}@{day.isoformat()}:{_canonical(amount)}{currency}#{ordinal}"
    if len(ident) <= MAX_ID:
        return ident
    digest = hashlib.blake2b(link.encode(), digest_size=12).hexdigest()
    return f"{LINK_PREFIX}~{digest}@{day.isoformat()}:{_canonical(amount)}{currency}#{ordinal}"[:MAX_ID]


def _receivable_amounts(entry: data.Transaction, links: list[str], receivable: str) -> dict[tuple[str, str], Decimal]:
    """-(sum of receivable postings) per (link, currency) of one hand-typed transaction."""
    amounts: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for posting in entry.postings:
        if posting.account != receivable or not isinstance(posting.units, data.Amount):
            continue
        if not isinstance(posting.units.number, Decimal):
            continue  # an incomplete posting the booking could not fill in (reported as a ledger error)
        if len(links) == 1:
            link = links[0]
        else:
            named = (posting.meta or {}).get("invoice")
            link = invoice_link(str(named)) if named is not None else None
            if link not in links:
                log.warning(
                    "%s:%s: a receivable posting of a payment for several invoices names none of "
                    'them (add `invoice: "<number>"` to the posting); left out',
                    entry.meta.get("filename"),
                    posting.meta.get("lineno") if posting.meta else "?",
                )
                continue
        amounts[(link, posting.units.currency)] -= posting.units.number
    return amounts


def statements_in(entries: list, receivable: str) -> dict[str, tuple[ExternalPayment, ...]]:
    """Every invoice the ledger knows (salesflow's own, and any a payment names) -> its payments
    and reversing entries (negative), in date order; an invoice with none has an empty tuple."""
    numbers: dict[str, str] = {}  # link -> invoice number, from the invoices salesflow recorded
    typed = []
    for entry in entries:
        if not isinstance(entry, data.Transaction):
            continue
        links = sorted(link for link in entry.links if link.startswith(LINK_PREFIX))
        if not links:
            continue
        if KEY in entry.meta:  # an invoice or a void salesflow wrote
            if "invoice" in entry.meta:
                numbers.update((link, str(entry.meta["invoice"])) for link in links)
            continue
        typed.append((str(entry.meta.get("filename", "")), int(entry.meta.get("lineno") or 0), entry, links))
    # The ordinal among identical payments follows date order, never files: moving a transaction
    # to another file, or reordering files, renames nothing.
    typed.sort(key=lambda t: (t[2].date, t[0], t[1]))
    ordinals: Counter = Counter()
    found: dict[str, list[ExternalPayment]] = {number: [] for number in numbers.values()}
    for _, _, entry, links in typed:
        for (link, currency), amount in sorted(_receivable_amounts(entry, links, receivable).items()):
            if amount == 0:
                continue
            key = (link, entry.date, _canonical(amount), currency)
            ordinals[key] += 1
            number = numbers.get(link) or number_of_link(link)
            if number is None:
                log.warning(
                    "%s:%s: link ^%s names no invoice; payment left out",
                    entry.meta.get("filename"),
                    entry.meta.get("lineno"),
                    link,
                )
                continue
            found.setdefault(number, []).append(
                ExternalPayment(
                    external_id=_external_id(link, entry.date, amount, currency, ordinals[key]),
                    invoice_number=number,
                    amount=amount,
                    currency=currency,
                    paid_at=entry.date,
                    reference=(entry.narration or "")[:MAX_REFERENCE] or None,
                )
            )
    return {number: tuple(sorted(paid, key=lambda p: (p.paid_at, p.external_id))) for number, paid in found.items()}
