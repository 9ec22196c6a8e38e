"""The company profile: read by everyone who prints a document, changed by an admin.

Every field is checked before anything is written (one bad field and nothing changes): tax
identifiers by domain/taxids.py, the logo by domain/images.py, the default locale against the
languages salesflow speaks (i18n). A change that changes something writes an activity naming the
fields it changed: who changed the bank details, and when, is on record.
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError

from ..domain.company import COMPANY_ID, TAX_IDENTITY_FIELDS, Company, IrrDisplay
from ..domain.errors import DomainError, ErrorCode, invalid
from ..domain.images import check_image, decode_upload
from ..domain.message import Message
from ..domain.text import camel
from ..i18n import SUPPORTED, language_of
from .engine import Context, check_version, operation, require_text
from .records import optional_text, tax_identity

#: What an admin may change, besides the tax identity.
PROFILE_FIELDS = (
    "legal_name",
    "phone",
    "email",
    "bank_details",
    "default_locale",
    "payment_terms",
    "irr_display",
    "logo",
)
COMPANY_FIELDS = (*PROFILE_FIELDS, *TAX_IDENTITY_FIELDS)


def the_company(uow, *, lock: bool = False) -> Company:
    """The company profile; NOT_FOUND if the data files were never loaded (`salesflow migrate` loads them)."""
    company = uow.company.get(COMPANY_ID, lock=lock)
    if company is None:
        raise DomainError(ErrorCode.NOT_FOUND, "there is no company profile: run `salesflow migrate`")
    return company


def locale_tag(tag: str | None, field: str) -> str:
    """A BCP 47 tag of a language salesflow speaks, in canonical form (fa_ir → fa-IR); UNKNOWN_LOCALE otherwise."""
    spoken = ", ".join(SUPPORTED)
    if language_of(tag) is None:
        raise DomainError(
            ErrorCode.UNKNOWN_LOCALE,
            "{field}: {tag!r} is not a locale of a language salesflow speaks ({spoken})",
            field,
            field=field,
            tag=tag,
            spoken=spoken,
        )
    try:
        return str(Locale.parse(tag.strip().replace("-", "_"))).replace("_", "-")
    except (ValueError, UnknownLocaleError):  # language_of parsed it: cannot happen, but never store a guess
        raise DomainError(
            ErrorCode.UNKNOWN_LOCALE, "{field}: {tag!r} is not a locale", field, field=field, tag=tag
        ) from None


def _logo(value) -> tuple[bytes | None, str | None]:
    """(bytes, content type) of a logo sent as base64, a data: URL or bytes; (None, None) removes it."""
    if value is None:
        return None, None
    content = decode_upload(value, "logo") if isinstance(value, str) else bytes(value)
    return content, check_image(content, "logo")


def _irr_display(value) -> str:
    try:
        return IrrDisplay(value).value
    except ValueError:
        choices = ", ".join(d.value for d in IrrDisplay)
        raise invalid("irrDisplay must be one of {choices}", "irrDisplay", choices=choices) from None


def checked_changes(company: Company, changes: dict) -> dict:
    """The changes in the form they are stored in; the first bad one is a coded error naming its field."""
    for key in changes:
        if key not in COMPANY_FIELDS:
            raise invalid("{key} cannot be changed", camel(key), key=camel(key))
    out = {}
    for key, value in changes.items():
        if key == "legal_name":
            out[key] = require_text(value, "legalName", Message("a legal name"))
        elif key == "default_locale":
            out[key] = locale_tag(value, "defaultLocale")
        elif key == "irr_display":
            out[key] = _irr_display(value)
        elif key == "logo":
            out["logo"], out["logo_content_type"] = _logo(value)
        elif key not in TAX_IDENTITY_FIELDS:
            out[key] = optional_text(value)
    out.update(tax_identity(company, changes))
    return out


@operation
def update_company(ctx: Context, *, expected_version: int | None = None, **changes) -> Company:
    """Change the company profile: all the changes, or none if one is bad."""
    company = the_company(ctx.uow, lock=True)
    check_version(company, expected_version)
    checked = checked_changes(company, changes)
    changed = [k for k in (*COMPANY_FIELDS, "logo_content_type") if k in checked and getattr(company, k) != checked[k]]
    if not changed:
        return company
    for key in changed:
        setattr(company, key, checked[key])
    fields = ", ".join(camel(k) for k in changed if k != "logo_content_type")
    ctx.record(company, "update", None, "updated", f"changed {fields}")
    return company
