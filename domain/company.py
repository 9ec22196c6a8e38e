"""The seller: the company profile printed on every document, and the tax identity parties share."""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import StrEnum

from .base import Record

#: The one company profile's id: the table holds this row only.
COMPANY_ID = 1


class IrrDisplay(StrEnum):
    """How IRR amounts are printed: in rials, or in tomans (a tenth of the amount, as Iranians quote)."""

    RIAL = "rial"
    TOMAN = "toman"


@dataclass(kw_only=True, eq=False)
class TaxIdentity:
    """Where a party is and how its tax office knows it; each identifier is checked where set.

    Iran: `national_id` (شناسه ملی, 11 digits for a legal entity, the 10-digit کد ملی for a person),
    `economic_code` (کد اقتصادی) and `postal_code` (10 digits). Turkey: `tax_number` (VKN, 10 digits,
    or TCKN, 11 digits, for a person) and `tax_office` (vergi dairesi). Elsewhere: `vat_number`.
    """

    country: str | None = None  # ISO 3166-1 alpha-2: which identifiers apply
    address: str | None = None
    postal_code: str | None = None
    national_id: str | None = None
    economic_code: str | None = None
    tax_number: str | None = None
    tax_office: str | None = None
    vat_number: str | None = None


@dataclass(kw_only=True, eq=False)
class Company(TaxIdentity, Record):
    """The one company profile (id 1): loaded from data/company.csv at install, edited by an admin."""

    kind_name = "company"  # its changes are activities (who changed the bank details, when)
    legal_name: str
    phone: str | None = None
    email: str | None = None
    logo: bytes | None = None  # PNG, JPEG or SVG, at most 1 MB
    logo_content_type: str | None = None
    bank_details: str | None = None
    default_locale: str = "en"  # a BCP 47 tag: en, fa-IR, tr-TR
    payment_terms: str | None = None  # printed on invoices and proformas
    irr_display: str = "rial"  # IRR amounts on documents: "rial" or "toman" (a tenth, as Iranians quote)
    version: int = 0


#: The tax identity's attributes (a party's address, country and identifiers).
TAX_IDENTITY_FIELDS = tuple(f.name for f in fields(TaxIdentity))
