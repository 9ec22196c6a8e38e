"""Opportunity and the configurable sales process (stages) it moves through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .base import Document, Record
from .status import OpportunityStatus

#: The most active stages a sales process has: the seeds' processes have five to eight, and every
#: list of stages (`stages`, `pipeline`) is read whole, so its size is bounded here.
MAX_STAGES = 50


@dataclass(kw_only=True, eq=False)
class Stage(Record):
    kind_name = "stage"
    name: str
    sequence: int = 10
    probability: Decimal = Decimal(0)
    active: bool = True


@dataclass(kw_only=True, eq=False)
class Opportunity(Document):
    kind_name = "opportunity"
    title: str
    status: str = OpportunityStatus.OPEN.value
    stage_id: int | None = None
    probability: Decimal = Decimal(0)
    amount: Decimal = Decimal(0)
    currency: str | None = None
    account_id: int | None = None
    contact_id: int | None = None
    lead_id: int | None = None
    lost_reason: str | None = None
    expected_close: date | None = None
    #: Orders placed and not canceled; kept by the operations that place and cancel orders.
    live_orders: int = 0
