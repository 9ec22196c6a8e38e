"""Users, accounts (companies) and contacts (people)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from . import normalize
from .base import Record
from .company import TaxIdentity


@dataclass(kw_only=True, eq=False)
class User(Record):
    kind_name = "user"  # its role changes and (de)activations are activities, like transitions
    name: str
    role: str
    active: bool = True
    locale: str | None = None  # a BCP 47 tag of en, fa or tr: the language of its messages; None follows the request


@dataclass(kw_only=True, eq=False)
class Account(TaxIdentity, Record):
    """A company we sell to: its contacts, and the tax identity its documents print."""

    kind_name = "account"
    name: str
    name_key: str = ""
    email: str | None = None
    phone: str | None = None
    website: str | None = None
    owner_id: int | None = None
    version: int = 0

    keys: ClassVar = {"name_key": (normalize.company_key, "name")}


@dataclass(kw_only=True, eq=False)
class Contact(Record):
    kind_name = "contact"
    name: str
    email: str | None = None
    email_key: str | None = None
    phone: str | None = None
    phone_key: str | None = None
    account_id: int | None = None
    owner_id: int | None = None
    version: int = 0

    keys: ClassVar = {"email_key": (normalize.email_key, "email"), "phone_key": (normalize.phone_key, "phone")}


@dataclass(kw_only=True, eq=False)
class ApiToken(Record):
    """A bearer token of a user. Only its SHA-256 is stored; the token itself is shown once."""

    kind_name = "api_token"
    user_id: int
    token_hash: str
    label: str | None = None
    revoked: bool = False
    revoked_at: datetime | None = None
    expires_at: datetime | None = None  # None: until revoked
    last_used_at: datetime | None = None  # to the hour (domain/tokens.py LAST_USED_RESOLUTION)

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at

    def usable(self, now: datetime) -> bool:
        """Neither revoked nor expired (its user must be active too)."""
        return not self.revoked and not self.expired(now)
