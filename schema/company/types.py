"""The company profile as clients read it, and the tax identity fields accounts share with it."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

import strawberry

from ...domain.company import IrrDisplay as DomainIrrDisplay
from ...domain.images import MAX_IMAGE_BYTES
from ..core.enums import described_enum

IrrDisplay = described_enum(
    DomainIrrDisplay,
    "IrrDisplay",
    "How documents show amounts in Iranian rials (IRR).",
    {
        DomainIrrDisplay.RIAL: "In rials, as stored.",
        DomainIrrDisplay.TOMAN: "In tomans: a tenth of the rial amount, as Iranians quote prices.",
    },
)

#: What each tax identity field holds: the one text the output types and the inputs describe it with.
TAX_IDENTITY = {
    "country": "The country, as an ISO 3166-1 alpha-2 code (IR, TR, DE …): it decides which tax identifiers apply.",
    "address": "The postal address, over several lines if need be.",
    "postal_code": "The postal code: in Iran 10 digits by Iran Post's rules (no 0 or 2 among the first five); "
    "elsewhere as typed.",
    "national_id": "Iran: the national ID, شناسه ملی (11 digits, a legal entity) or کد ملی (10 digits, a person), "
    "check digit verified; ASCII digits without separators.",
    "economic_code": "Iran: the economic code, کد اقتصادی (legacy 12 digits; a legal entity's 11-digit national ID, "
    "check digit verified; or a person's 14 digits).",
    "tax_number": "Turkey: the VKN (10 digits, a business) or TCKN (11 digits, a person), check digits verified.",
    "tax_office": "Turkey: the tax office (vergi dairesi).",
    "vat_number": "Outside Iran and Turkey: the VAT number with its country prefix (DE136695976), checked by its "
    "country's algorithm.",
}


def tax_identity_field(name: str):
    """An output field of the tax identity, described once (TAX_IDENTITY)."""
    return strawberry.field(description=f"{TAX_IDENTITY[name]} Null if not set.")


@strawberry.type
class TaxIdentityFields:
    """The tax identity of a party (domain.company.TaxIdentity), shared by Company and Account."""

    country: Optional[str] = tax_identity_field("country")
    address: Optional[str] = tax_identity_field("address")
    postal_code: Optional[str] = tax_identity_field("postal_code")
    national_id: Optional[str] = tax_identity_field("national_id")
    economic_code: Optional[str] = tax_identity_field("economic_code")
    tax_number: Optional[str] = tax_identity_field("tax_number")
    tax_office: Optional[str] = tax_identity_field("tax_office")
    vat_number: Optional[str] = tax_identity_field("vat_number")


@strawberry.type(description="The seller: the company profile printed on every quote, order confirmation and invoice.")
class Company(TaxIdentityFields):
    legal_name: str = strawberry.field(description="The company's registered name, as documents print it.")
    phone: Optional[str] = strawberry.field(description="Its phone number, as entered; null if none.")
    email: Optional[str] = strawberry.field(description="Its e-mail address, as entered; null if none.")
    bank_details: Optional[str] = strawberry.field(
        description="Where customers pay (bank, IBAN/SHEBA, account), printed on invoices; null if none."
    )
    default_locale: str = strawberry.field(
        description="The BCP 47 locale documents are rendered in when none is asked for (`en`, `fa-IR`, `tr-TR`)."
    )
    payment_terms: Optional[str] = strawberry.field(
        description="The payment terms printed on invoices and proformas; null if none."
    )
    irr_display: IrrDisplay = strawberry.field(description="How documents show IRR amounts: rials or tomans.")
    logo_content_type: Optional[str] = strawberry.field(
        description="The logo's type as its bytes say (`image/png`, `image/jpeg`, `image/svg+xml`); null without a logo."
    )
    version: int = strawberry.field(description="Goes up by one with every change; pass it as `expectedVersion`.")
    updated_at: datetime = strawberry.field(description="When it last changed (ISO 8601, UTC).")

    @strawberry.field(
        description=f"Whether it has a logo (a PNG, JPEG or SVG of at most {MAX_IMAGE_BYTES:,} bytes); "
        "documents print it, the API never sends its bytes."
    )
    def has_logo(self) -> bool:
        return self.logo is not None
