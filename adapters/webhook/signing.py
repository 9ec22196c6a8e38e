"""Signing webhook bodies: `Salesflow-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256>`.

The MAC covers `"<t>." + raw body` with the shared secret, so neither the body nor the time can
be changed without the secret; a receiver refuses a timestamp older (or newer) than its tolerance,
so a captured request cannot be replayed later. Several `v1=` values may be present while a
secret is being rotated; one matching is enough.
"""

from __future__ import annotations

import hashlib
import hmac
import time

HEADER = "Salesflow-Signature"
TOLERANCE_SECONDS = 300


class SignatureError(Exception):
    """A signature that does not verify; `code` says why (BAD_SIGNATURE or STALE_SIGNATURE)."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def _mac(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header value for a body sent now (or at `timestamp`)."""
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={_mac(secret, t, body)}"


def verify(
    secret: str, body: bytes, header: str | None, *, now: float | None = None, tolerance: int = TOLERANCE_SECONDS
) -> int:
    """Check a received header against the raw body; returns its timestamp or raises SignatureError."""
    if not header:
        raise SignatureError("BAD_SIGNATURE", f"the {HEADER} header is missing")
    timestamp, macs = None, []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit() and len(value) <= 12:
            timestamp = int(value)
        elif key == "v1":
            macs.append(value)
    if timestamp is None or not macs:
        raise SignatureError("BAD_SIGNATURE", f"the {HEADER} header needs t=<seconds> and v1=<hmac>")
    expected = _mac(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, mac) for mac in macs):
        raise SignatureError("BAD_SIGNATURE", "the signature does not match the body")
    now = time.time() if now is None else now
    if abs(now - timestamp) > tolerance:
        raise SignatureError("STALE_SIGNATURE", f"the signature's timestamp is more than {tolerance} s away")
    return timestamp
