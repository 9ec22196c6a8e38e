"""Limits on text fields, shared by validation and the table definitions."""
from __future__ import annotations

from .errors import invalid

#: attribute -> the most characters it holds (text not listed here is unbounded).
MAX_LENGTH = {
    "title": 200, "name": 200, "contact_name": 200, "company_name": 200, "email": 254, "phone": 64,
    "source": 120, "website": 254, "product_code": 64, "reference": 200, "number": 40,
    "label": 120, "idempotency_key": 200, "notes": 10_000, "terms": 20_000, "reason": 2_000,
}


def camel(name: str) -> str:
    """A domain attribute as clients name it: contact_name → contactName."""
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def check_lengths(values: dict, prefix: str = "") -> None:
    """VALIDATION naming the field of the first text that is longer than its column."""
    for key, value in values.items():
        limit = MAX_LENGTH.get(key)
        if limit is not None and isinstance(value, str) and len(value) > limit:
            raise invalid(f"{camel(key)} is longer than {limit} characters", f"{prefix}{camel(key)}")

