"""Lead: the first contact, kept before anyone knows much."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .base import Document
from .normalize import company_key, email_key, phone_key
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

    def rekey(self) -> None:
        """Recompute the duplicate-search keys after an edit."""
        self.email_key, self.phone_key = email_key(self.email), phone_key(self.phone)
        self.company_key = company_key(self.company_name) or None
