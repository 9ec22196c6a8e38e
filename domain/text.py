"""Limits on text: the most characters each text input holds, and the characters no text may hold.

`check_texts` is the one check: the operations run it on every argument they are given (see
statemachine.engine.operation), the list filters on their search, and the table definitions size
their text columns from MAX_LENGTH. A text input missing here is a bug: tests/unit/test_text.py
checks every String input of the GraphQL schema against this table.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .errors import invalid

REASON = 2_000

#: attribute (or argument) -> the most characters it holds.
MAX_LENGTH = {
    "locale": 35,  # a BCP 47 tag as typed (`fa-IR`, RFC 5646 §4.4.1); then one of the languages salesflow speaks
    "title": 200,
    "name": 200,
    "contact_name": 200,
    "company_name": 200,
    "email": 254,
    "phone": 64,
    "source": 120,
    "website": 254,
    "product_code": 64,
    "reference": 200,
    "number": 40,
    "label": 120,
    "idempotency_key": 200,
    "notes": 10_000,
    "terms": 20_000,
    "reason": REASON,
    "description": 2_000,  # a document line's
    "opportunity_title": 200,  # convertLead's title for the new opportunity
    "currency": 16,  # as typed; check_currency then wants one of the ISO 4217 codes
    "backend": 64,  # an accounting backend's name
    "user": 200,  # a user's name as `salesflow token create --user` gives it (users.name)
    "role": 32,  # a role's name (security/access.csv), checked against the known roles after
    "email_to": 254,  # the address a document is e-mailed to (sendQuote, issueInvoice)
    # A search longer than the longest text it looks in (an e-mail address) can match nothing; the
    # bound also keeps the LIKE patterns far below SQLite's 50,000-byte limit whatever folding does.
    "search": 254,
    # the company profile and the tax identity of parties (domain/company.py, domain/taxids.py)
    "legal_name": 200,
    "address": 1_000,
    "bank_details": 2_000,
    "payment_terms": 2_000,
    "default_locale": 35,  # a BCP 47 tag as typed (fa-IR); i18n then wants one of the languages spoken
    "country": 16,  # as typed; then one of the ISO 3166-1 alpha-2 codes
    "postal_code": 20,
    # identifiers as typed, with their spaces and dashes; stored without them (domain/taxids.py)
    "national_id": 32,
    "economic_code": 32,
    "tax_number": 32,
    "tax_office": 120,
    "vat_number": 32,
}

#: Texts written over several lines: they may hold line breaks and tabs; no other text may.
MULTILINE = frozenset({"notes", "terms", "reason", "description", "address", "bank_details", "payment_terms"})

# C0 and C1 control characters, DEL, and unpaired surrogates (which no encoding can store).
_NOT_IN_TEXT = re.compile("[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_NOT_IN_A_LINE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def camel(name: str) -> str:
    """A domain attribute as clients name it: contact_name → contactName."""
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def check_text(value: str, name: str, prefix: str = "") -> None:
    """VALIDATION naming the field if the text holds a control character or is longer than allowed."""
    field = f"{prefix}{camel(name)}"
    bad = (_NOT_IN_TEXT if name in MULTILINE else _NOT_IN_A_LINE).search(value)
    if bad is not None:
        point = ord(bad.group())
        if name in MULTILINE:
            raise invalid(
                "{name} contains a control character (U+{point:04X}): only line breaks and tabs are allowed",
                field,
                name=field,
                point=point,
            )
        raise invalid(
            "{name} contains a control character (U+{point:04X}): it must be one line", field, name=field, point=point
        )
    limit = MAX_LENGTH.get(name)
    if limit is not None and len(value) > limit:
        raise invalid(
            "{name} may be at most {limit:,} characters long ({given:,} given)",
            field,
            name=field,
            limit=limit,
            given=len(value),
        )


def check_texts(values: Mapping, prefix: str = "") -> None:
    """check_text on every text in values whose name is a text attribute, and on those of each
    record in a list (a document's lines: lines.3.description)."""
    for name, value in values.items():
        if isinstance(value, str):
            if name in MAX_LENGTH:
                check_text(value, name, prefix)
        elif isinstance(value, (list, tuple)):
            for i, item in enumerate(value):
                fields = item if isinstance(item, Mapping) else getattr(item, "__dict__", None)
                if fields:
                    check_texts(fields, f"{prefix}{camel(name)}.{i}.")


#: The name the earlier modules call it by.
check_lengths = check_texts
