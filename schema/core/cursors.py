"""Opaque cursors: a position in one list, sealed to that list so it is read back only there.

A cursor carries the position (the sort value in its plain form — an amount as a number, never
as the store keeps it — and the row's id) after a digest of the list it belongs to and the
position. A cursor edited by hand, or taken from another list or another ordering, fails the
digest and is refused with the same BAD_USER_INPUT error as garbage. The digest is not a secret:
a cursor grants nothing by itself (every page is still filtered and scoped to the viewer), it only
keeps clients from building or reusing cursors, so their format can change without breaking them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from ...domain.message import Message
from .errors import BadInput

DIGEST = 12  # bytes: an edit passes unnoticed once in 2**96


def _digest(list_key: str, body: bytes) -> bytes:
    return hashlib.blake2b(list_key.encode() + b"\0" + body, digest_size=DIGEST).digest()


def seal(list_key: str, *position: str | int) -> str:
    """The cursor of `position` in the list named `list_key`."""
    body = json.dumps(position, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(_digest(list_key, body) + body).decode().rstrip("=")


#: What a client is told when `after` is not a cursor the list gave.
NOT_A_CURSOR = Message("`after` is not a cursor of this list")


def unseal(list_key: str, cursor: str, message: Message = NOT_A_CURSOR) -> list:
    """The position a cursor of `list_key` holds; BAD_USER_INPUT if it is not one."""
    try:
        raw = base64.urlsafe_b64decode(cursor.encode("ascii") + b"=" * (-len(cursor) % 4))
        digest, body = raw[:DIGEST], raw[DIGEST:]
        if not hmac.compare_digest(digest, _digest(list_key, body)):
            raise ValueError("not sealed for this list")
        position = json.loads(body)
        if not isinstance(position, list):
            raise ValueError("not a position")
        return position
    except (ValueError, TypeError, UnicodeError):
        raise BadInput(message) from None
