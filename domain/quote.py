"""Quote: the written offer, proforma or contract, revised during negotiation."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from .base import Document
from .lines import PricedDocumentMixin, PricedLine
from .status import QuoteKind, QuoteStatus


@dataclass(kw_only=True, eq=False)
class QuoteLine(PricedLine):
    quote_id: int | None = None


@dataclass(kw_only=True, eq=False)
class Quote(PricedDocumentMixin, Document):
    kind_name = "quote"
    number: str
    revision: int = 0
    kind: str = QuoteKind.PROFORMA.value
    status: str = QuoteStatus.DRAFT.value
    opportunity_id: int
    valid_until: date | None = None
    start_date: date | None = None
    end_date: date | None = None
    terms: str | None = None
    previous_revision_id: int | None = None
    is_latest: bool = True
    lines: list[QuoteLine] = field(default_factory=list)

    def lapsed(self, today: date) -> bool:
        """Has its validity passed? `valid_until` is the last day on which it may be accepted, a calendar
        day in UTC: a quote valid until 31 December can be accepted until 23:59:59 UTC that day and lapses
        at 00:00 UTC on 1 January, wherever the customer is. (`today` is the UTC date: Context.today.)"""
        return self.valid_until is not None and self.valid_until < today

    @property
    def display_number(self) -> str:
        return f"{self.number}-R{self.revision}" if self.revision else self.number
