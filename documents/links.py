"""Signed download links: what a customer gets by e-mail instead of a token.

A link names one rendering of one document and an expiry, and carries an HMAC-SHA256 of both
under the server's link key (statemachine.documents.link_key). Anyone holding it may download
those bytes until it expires, and nothing else: another document, other bytes or a later expiry
change the signature.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta
from hashlib import sha256
from urllib.parse import urlencode

DEFAULT_TTL = timedelta(days=3)  # long enough to open the mail after a weekend, short enough to lapse


def signature(key: bytes, path: str, expires: int) -> str:
    return hmac.new(key, f"{path}\n{expires}".encode(), sha256).hexdigest()


def signed(key: bytes, path: str, expires_at: datetime) -> str:
    """The path with `expires` (unix seconds) and `signature` query parameters."""
    expires = int(expires_at.timestamp())
    return f"{path}?{urlencode({'expires': expires, 'signature': signature(key, path, expires)})}"


def valid(key: bytes, path: str, expires: str | None, given: str | None, now: datetime) -> bool:
    """Is this a link we signed for this path, and has it not expired at `now`?"""
    if not expires or not given or not expires.isdigit():
        return False
    if int(expires) <= now.timestamp():
        return False
    return hmac.compare_digest(signature(key, path, int(expires)), given)
