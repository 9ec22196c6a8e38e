"""Opaque global ids ("Quote:12" in base64) and their decoding at the edge."""

from __future__ import annotations

from strawberry.relay import GlobalID

from ...domain.errors import DomainError, ErrorCode
from ...domain.query import MAX_ID
from ...domain.reads import global_id  # noqa: F401 - the types write ids with it


def database_id(node_id: str) -> int | None:
    """The integer inside a global id, or None if it is not one a store could hold."""
    if not isinstance(node_id, str) or not (node_id.isascii() and node_id.isdigit()) or node_id[0] == "0":
        return None  # one record, one id: no spaces, signs, leading zeros or non-ASCII digits
    ident = int(node_id)
    return ident if ident <= MAX_ID else None


def decode(value: str | None, type_name: str, field: str) -> int | None:
    """The database id inside a global id of the given type; NOT_FOUND naming the field otherwise."""
    if value is None:
        return None
    try:
        gid = GlobalID.from_id(value)
        ident = database_id(gid.node_id)
        if gid.type_name != type_name or ident is None:
            raise ValueError
        return ident
    except (ValueError, TypeError, UnicodeError):
        raise DomainError(
            ErrorCode.NOT_FOUND, "{value!r} is not the id of a {type}", field, value=value, type=type_name
        ) from None
