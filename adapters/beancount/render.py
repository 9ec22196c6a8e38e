"""The transactions salesflow writes, built as beancount directives and printed by beancount's
own printer (so strings, dates and metadata are escaped the way its parser reads them back).

An issued invoice is one balanced transaction on its issue date:

    2026-11-23 * "Ferrante Tools BV" "Invoice INV/2026/00001" ^invoice-INV/2026/00001
      invoice: "INV/2026/00001"
      due-date: 2026-12-23
      salesflow-key: "salesflow:beancount:push:INV/2026/00001"
      Assets:Receivable              1074.30 EUR
      Income:Sales:Rate6              -37.50 EUR
        tax-rate: 6
      Income:Sales:Rate21            -855.00 EUR
        tax-rate: 21
      Liabilities:Tax:Output:Rate6     -2.25 EUR
        tax-rate: 6
      Liabilities:Tax:Output:Rate21  -179.55 EUR
        tax-rate: 21

A void is the same postings negated, under the same link, with `voids:` instead of `invoice:`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from beancount.core import data
from beancount.core.amount import Amount
from beancount.parser import printer

from ...domain.accounting import BackendError, Customer
from ...domain.invoice import Invoice
from .naming import invoice_link, rate_account, rate_label

ZERO = Decimal(0)
KEY = "salesflow-key"  # marks a transaction salesflow wrote (never a payment)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


@dataclass(frozen=True)
class Accounts:
    """The accounts an invoice is booked to; per_rate_* puts each tax rate in a sub-account."""

    receivable: str = "Assets:Receivable"
    income: str = "Income:Sales"
    tax: str = "Liabilities:Tax:Output"
    per_rate_income: bool = True
    per_rate_tax: bool = True

    def income_for(self, rate: Decimal) -> str:
        return rate_account(self.income, rate) if self.per_rate_income else self.income

    def tax_for(self, rate: Decimal) -> str:
        return rate_account(self.tax, rate) if self.per_rate_tax else self.tax


def _one_line(text: str | None) -> str:
    return _CONTROL.sub(" ", text or "").strip()


def _meta(**values) -> dict:
    meta = data.new_metadata("<salesflow>", 0)
    meta.update({k.replace("_", "-"): v for k, v in values.items() if v is not None})
    return meta


def _posting(account: str, number: Decimal, currency: str, meta: dict | None = None) -> data.Posting:
    return data.Posting(account, Amount(number, currency), None, None, None, meta)


def _refuse(invoice: Invoice, why: str) -> BackendError:
    # Bad invoice data does not get better by retrying: dead-letter it for a person to look at.
    return BackendError(f"invoice {invoice.number}: {why}; not written to the ledger", transient=False)


def sums_by_rate(invoice: Invoice) -> dict[Decimal, tuple[Decimal, Decimal]]:
    """(net, tax) per tax rate, after checking that the lines add up to the invoice's totals exactly."""
    by_rate: dict[Decimal, list[Decimal]] = defaultdict(lambda: [ZERO, ZERO])
    for line in invoice.lines:
        if line.net_amount + line.tax_amount != line.total:
            raise _refuse(
                invoice,
                f"line {line.sequence} net {line.net_amount} + tax {line.tax_amount} is not its total {line.total}",
            )
        sums = by_rate[line.tax_rate.normalize()]
        sums[0] += line.net_amount
        sums[1] += line.tax_amount
    net = sum((s[0] for s in by_rate.values()), ZERO)
    tax = sum((s[1] for s in by_rate.values()), ZERO)
    if net + tax != invoice.total or tax != invoice.tax_total:
        raise _refuse(
            invoice, f"lines add up to net {net} + tax {tax}, not the total {invoice.total} (tax {invoice.tax_total})"
        )
    return {rate: (s[0], s[1]) for rate, s in sorted(by_rate.items())}


def invoice_entry(invoice: Invoice, customer: Customer, accounts: Accounts, key: str) -> data.Transaction:
    """The balanced transaction recording an issued invoice."""
    if not invoice.number or not invoice.currency or invoice.issue_date is None:
        raise _refuse(invoice, "an invoice needs a number, a currency and an issue date to be recorded")
    currency = invoice.currency
    postings = [_posting(accounts.receivable, invoice.total, currency)]
    by_rate = sums_by_rate(invoice)
    for rate, (net, _) in by_rate.items():
        if net:
            postings.append(
                _posting(accounts.income_for(rate), -net, currency, {"tax-rate": Decimal(rate_label(rate))})
            )
    for rate, (_, tax) in by_rate.items():
        if tax:
            postings.append(_posting(accounts.tax_for(rate), -tax, currency, {"tax-rate": Decimal(rate_label(rate))}))
    entry = data.Transaction(
        _meta(invoice=invoice.number, due_date=invoice.due_date, salesflow_key=key),
        invoice.issue_date,
        "*",
        _one_line(customer.name) or None,
        f"Invoice {invoice.number}",
        data.EMPTY_SET,
        frozenset({invoice_link(invoice.number)}),
        postings,
    )
    check_balanced(entry)
    return entry


def void_entry(original: data.Transaction, number: str, key: str, on: date, reason: str | None) -> data.Transaction:
    """The reversal of a recorded invoice transaction: every posting negated, same link."""
    postings = [
        _posting(
            p.account,
            -p.units.number,
            p.units.currency,
            {k: v for k, v in (p.meta or {}).items() if k not in ("filename", "lineno")} or None,
        )
        for p in original.postings
    ]
    narration = f"Void of invoice {number}" + (f": {_one_line(reason)}" if _one_line(reason) else "")
    entry = data.Transaction(
        _meta(voids=number, salesflow_key=key),
        max(on, original.date),
        "*",
        original.payee,
        narration,
        data.EMPTY_SET,
        frozenset({invoice_link(number)}),
        postings,
    )
    check_balanced(entry)
    return entry


def check_balanced(entry: data.Transaction) -> None:
    """Exactly zero per currency, no tolerance: salesflow's amounts are exact."""
    totals: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for posting in entry.postings:
        totals[posting.units.currency] += posting.units.number
    off = {c: n for c, n in totals.items() if n != 0}
    if off:
        raise BackendError(f"{entry.narration}: the transaction does not balance ({off}); not written", transient=False)


def text(*entries: data.Directive) -> str:
    """Entries as beancount source, one blank line apart."""
    return "\n".join(printer.format_entry(e) for e in entries)
