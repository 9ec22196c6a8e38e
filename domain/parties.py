"""Users, accounts (companies) and contacts (people)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .base import Record
from . import normalize


@dataclass(kw_only=True, eq=False)
class User(Record):
    name: str
    role: str
    active: bool = True


@dataclass(kw_only=True, eq=False)
class Account(Record):
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

    user_id: int
    token_hash: str
    label: str | None = None
    revoked: bool = False
