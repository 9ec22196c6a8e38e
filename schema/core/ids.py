"""Opaque global ids ("Quote:12" in base64) and their decoding at the edge."""
from __future__ import annotations

import base64

from strawberry.relay import GlobalID

from ...domain.errors import DomainError, ErrorCode


def global_id(type_name: str, ident: int) -> str:
    """base64("Type:id"), as strawberry's GlobalID writes it (built directly: it is on every object)."""
    return base64.b64encode(f"{type_name}:{ident}".encode()).decode()


def decode(value: str | None, type_name: str, field: str) -> int | None:
    """The database id inside a global id of the given type; NOT_FOUND naming the field otherwise."""
    if value is None:
        return None
    try:
        gid = GlobalID.from_id(value)
        if gid.type_name != type_name:
            raise ValueError
        return int(gid.node_id)
    except (ValueError, TypeError, UnicodeError):
        raise DomainError(ErrorCode.NOT_FOUND, f"{value!r} is not the id of a {type_name}", field) from None
