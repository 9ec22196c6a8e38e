"""Input helpers: the fields many inputs share (with their descriptions), which fields of an update
input were sent, and ids decoded inside the transaction's try."""

from __future__ import annotations

from typing import Any

import strawberry

from ...domain.text import MAX_LENGTH
from .ids import decode

#: What `expectedVersion` means wherever it appears.
EXPECTED_VERSION = (
    "The `version` you read. If the document has changed since, nothing happens and the error "
    "is CONFLICT; omit it to act on whatever version is current."
)


def document_id(what: str, *, optional: bool = False):
    """The global id of the record an input acts on (or refers to)."""
    if optional:
        return strawberry.field(default=None, description=f"The global id of the {what}; none if omitted or null.")
    return strawberry.field(description=f"The global id of the {what}, as its `id` field gives it.")


def expected_version():
    """`expectedVersion`: optimistic concurrency for a change to an existing document."""
    return strawberry.field(default=None, description=EXPECTED_VERSION)


def idempotency_key():
    """`idempotencyKey`: a retry with the same key returns the first result instead of acting again."""
    return strawberry.field(
        default=None,
        description=f"Any string up to {MAX_LENGTH['idempotency_key']} characters, unique per caller and action. "
        "Sending the same key again returns the first call's result instead of acting twice; "
        "the same key with other input is IDEMPOTENCY_KEY_REUSED.",
    )


def kept(description: str, default: Any = strawberry.UNSET):
    """A field of an update input: omitted keeps the current value, null clears it where it may be empty."""
    return strawberry.field(default=default, description=f"{description} Omit it to keep the current value.")


def sent(data, *names: str) -> dict:
    """The named fields of an input that the client actually sent (UNSET ones left out)."""
    return {n: getattr(data, n) for n in names if getattr(data, n) is not strawberry.UNSET}


def ref_id(value, type_name: str, field: str) -> int | None:
    """A global id input, or None/UNSET as None."""
    if value is None or value is strawberry.UNSET:
        return None
    return decode(value, type_name, field)
