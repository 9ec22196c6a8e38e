"""What a backend's statement of one invoice comes to: the payments that stand, once its reversals
are netted out. Pure arithmetic; statemachine/reconciliation.py makes salesflow's payments match it.

A statement lists signed entries. A negative entry takes money back:
- one that names the payment it reverses (`reverses`, e.g. a webhook's `payment.reversed`) removes it;
- one that names none (a reversing entry typed in a ledger) reverses the payment of exactly its
  amount, in its currency, the latest dated on or before it (else the earliest after it): that is
  what a reversing entry is in bookkeeping;
- what still remains (a partial refund: -30 against a payment of 100) lowers the payments before
  it, latest first; each lowered payment stands under a new id made of both ids, so salesflow
  reverses the 100 and applies the 70, and the amounts still add up to the backend's.
A negative entry that finds nothing left to take back is `excess`: refused, never applied.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from decimal import Decimal

from .accounting import ExternalPayment

MAX_ID = 200


@dataclass
class Standing:
    """The payments that stand, why each one that fell did (by its external id), and what is left over."""

    payments: list[ExternalPayment] = field(default_factory=list)
    reasons: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # id -> (reason, reversal's id)
    excess: list[ExternalPayment] = field(default_factory=list)


def lowered_id(payment_id: str, by: str) -> str:
    """The id of a payment lowered by a partial reversal: both ids, hashed if that gets too long."""
    ident = f"{payment_id}-{by}"
    if len(ident) <= MAX_ID:
        return ident
    return f"{payment_id[: MAX_ID - 26]}-~{hashlib.blake2b(ident.encode(), digest_size=12).hexdigest()}"


def _said(entry: ExternalPayment) -> str:
    return entry.reference or f"reversal {entry.external_id}"


def standing(entries: list[ExternalPayment] | tuple[ExternalPayment, ...]) -> Standing:
    """Net a statement's reversals out of its payments (see the module's docstring)."""
    order = sorted(entries, key=lambda e: (e.paid_at, e.external_id))
    positives = [e for e in order if e.amount > 0]
    negatives = [e for e in order if e.amount < 0]
    out = Standing()

    def fall(entry: ExternalPayment, reversal: ExternalPayment) -> None:
        positives.remove(entry)
        out.reasons[entry.external_id] = (_said(reversal), reversal.external_id)

    loose = []
    for neg in negatives:
        named = [p for p in positives if neg.reverses is not None and p.external_id == neg.reverses]
        if named:
            fall(named[0], neg)
            continue
        if neg.reverses is not None:
            continue  # it names a payment that is not there (any more): nothing left to take back
        same = [p for p in positives if p.amount == -neg.amount and p.currency == neg.currency]
        before = [p for p in same if p.paid_at <= neg.paid_at]
        match = before[-1] if before else same[0] if same else None
        if match is not None:
            fall(match, neg)
        else:
            loose.append(neg)
    for neg in loose:
        left = -neg.amount
        ours = [p for p in positives if p.currency == neg.currency]
        ours = [p for p in ours if p.paid_at <= neg.paid_at][::-1] + [p for p in ours if p.paid_at > neg.paid_at][::-1]
        for payment in ours:
            if left <= 0:
                break
            take = min(left, payment.amount)
            left -= take
            at = positives.index(payment)
            fall(payment, neg)
            if take < payment.amount:
                positives.insert(
                    at,
                    replace(
                        payment,
                        external_id=lowered_id(payment.external_id, neg.external_id),
                        amount=payment.amount - take,
                    ),
                )
        if left > 0:
            out.excess.append(replace(neg, amount=-left))
    out.payments = positives
    return out


def total(payments) -> Decimal:
    return sum((p.amount for p in payments), Decimal(0))
