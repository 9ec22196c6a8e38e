"""Lead: the first contact, kept before anyone knows much."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from . import normalize
from .base import Document
from .status import LeadStatus


@dataclass(kw_only=True, eq=False)
class Lead(Document):
    kind_name = "lead"
    title: str
    status: str = LeadStatus.NEW.value
    contact_name: str | None = None
    company_name: str | None = None
    email: str | None = None
    phone: str | None = None
    source: str | None = None
    notes: str | None = None
    disqualify_reason: str | None = None
    converted_account_id: int | None = None
    converted_contact_id: int | None = None
    converted_opportunity_id: int | None = None
    converted_at: datetime | None = None
    email_key: str | None = None
    phone_key: str | None = None
    company_key: str | None = None

    keys: ClassVar = {
        "email_key": (normalize.email_key, "email"),
        "phone_key": (normalize.phone_key, "phone"),
        "company_key": (lambda name: normalize.company_key(name) or None, "company_name"),
    }
