"""Input helpers: which fields of an update input were sent, ids decoded inside the transaction's try."""
from __future__ import annotations

import strawberry

from .ids import decode


def sent(data, *names: str) -> dict:
    """The named fields of an input that the client actually sent (UNSET ones left out)."""
    return {n: getattr(data, n) for n in names if getattr(data, n) is not strawberry.UNSET}


def ref_id(value, type_name: str, field: str) -> int | None:
    """A global id input, or None/UNSET as None."""
    if value is None or value is strawberry.UNSET:
        return None
    return decode(value, type_name, field)
