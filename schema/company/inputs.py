"""What an admin sends to change the company profile, and the tax identity fields account inputs share."""

from __future__ import annotations

from typing import NewType, Optional

import strawberry

from ...domain.company import TAX_IDENTITY_FIELDS
from ...domain.images import MAX_IMAGE_BYTES
from ...domain.text import MAX_LENGTH
from ..core.inputs import expected_version, kept
from .types import TAX_IDENTITY, IrrDisplay


def _text(what: str, name: str) -> str:
    return f"{what}, up to {MAX_LENGTH[name]:,} characters."


def _image_data(value: object) -> str:
    if not isinstance(value, str):
        raise ValueError("ImageData is sent as a string: base64, or a data: URL")
    return value


#: An image in transport encoding. Not a `String`: it is bytes, decoded and checked as an image
#: (domain/images.py: INVALID_IMAGE naming the field), never stored or searched as text.
ImageData = strawberry.scalar(
    NewType("ImageData", str),
    name="ImageData",
    description="An image's bytes as a string: base64 (line breaks allowed), or a `data:` URL (RFC 2397, base64 or "
    "percent-encoded). What the image is is read from its bytes; the media type a data: URL claims is ignored.",
    serialize=str,
    parse_value=_image_data,
)


def tax_identity_input(name: str, *, update: bool):
    """An input field of the tax identity: kept when omitted on an update, unset when omitted on a creation."""
    what = (
        f"{TAX_IDENTITY[name]} Up to {MAX_LENGTH[name]:,} characters as typed; Persian or Arabic digits, "
        "spaces and dashes are accepted and stored without them. A bad one is INVALID_TAX_ID naming it"
        " (VALIDATION for a country that is no ISO code)."
    )
    if update:
        return kept(f"{what} Null or blank clears it.")
    return strawberry.field(default=None, description=f"{what} None if omitted.")


def _tax_identity_fields(name: str, doc: str, *, update: bool) -> type:
    """An input mixin with every field of domain.company.TaxIdentity, in its order."""
    namespace = {field: tax_identity_input(field, update=update) for field in TAX_IDENTITY_FIELDS}
    namespace["__annotations__"] = {field: Optional[str] for field in TAX_IDENTITY_FIELDS}
    namespace["__doc__"] = doc
    return strawberry.input(type(name, (), namespace))


CreateTaxIdentityFields = _tax_identity_fields(
    "CreateTaxIdentityFields", "A new party's tax identity (the fields of domain.company.TaxIdentity).", update=False
)
UpdateTaxIdentityFields = _tax_identity_fields(
    "UpdateTaxIdentityFields",
    "Changes to a party's tax identity; a change of country re-checks the identifiers it keeps.",
    update=True,
)


TAX_IDENTITY_INPUTS = tuple(TAX_IDENTITY)


@strawberry.input(
    description="Changes to the company profile. Omitted fields keep their value; null clears one where it may be "
    "empty. One bad field and nothing changes: the error names it."
)
class UpdateCompanyInput(UpdateTaxIdentityFields):
    legal_name: Optional[str] = kept(_text("The registered name (not blank, cannot be cleared)", "legal_name"))
    phone: Optional[str] = kept(_text("The phone number", "phone"))
    email: Optional[str] = kept(_text("The e-mail address", "email"))
    bank_details: Optional[str] = kept(_text("Where customers pay, over several lines if need be", "bank_details"))
    default_locale: Optional[str] = kept(
        "The BCP 47 locale documents are rendered in by default: a tag of en, fa or tr (`fa-IR`, `tr_TR`, `en`), "
        "stored in canonical form (`fa-IR`); any other is UNKNOWN_LOCALE. Cannot be cleared."
    )
    payment_terms: Optional[str] = kept(_text("The payment terms printed on invoices and proformas", "payment_terms"))
    irr_display: Optional[IrrDisplay] = kept("How documents show IRR amounts. Cannot be cleared.")
    logo: Optional[ImageData] = kept(
        "The logo, as base64 or a `data:` URL. What it is is read from its bytes (the claimed type is "
        f"ignored): a PNG, JPEG or SVG (without scripts or external links) of at most {MAX_IMAGE_BYTES:,} bytes, "
        "else INVALID_IMAGE. The request carrying it must fit the server's body limit. Null removes the logo."
    )
    expected_version: Optional[int] = expected_version()
