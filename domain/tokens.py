"""Bearer tokens: random, shown once, kept only as a SHA-256 hash; optionally expiring."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import timedelta

from .errors import DomainError, ErrorCode

PREFIX = "sf_"

#: How stale `last_used_at` may be: it is written at most once per token per this interval, so
#: authenticating stays a read (one write per token per hour is the whole cost of tracking it).
LAST_USED_RESOLUTION = timedelta(hours=1)

#: `--expires-in` units: seconds, minutes, hours, days, weeks.
_UNITS = {
    "s": timedelta(seconds=1),
    "m": timedelta(minutes=1),
    "h": timedelta(hours=1),
    "d": timedelta(days=1),
    "w": timedelta(weeks=1),
}
_DURATION = re.compile(r"([1-9][0-9]{0,5})([smhdw])")


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Tokens are 256 random bits, so a plain SHA-256 is enough (no salt or slow hash needed)."""
    return hashlib.sha256(token.encode()).hexdigest()


def parse_duration(text: str, field: str = "expiresIn") -> timedelta:
    """'90d', '12h', '30m', '45s' or '2w' as a timedelta; VALIDATION otherwise."""
    found = _DURATION.fullmatch(text.strip()) if isinstance(text, str) else None
    if found is None:
        raise DomainError(
            ErrorCode.VALIDATION, "{text!r} is not a duration such as 90d, 12h, 30m, 45s or 2w", field, text=text
        )
    return int(found.group(1)) * _UNITS[found.group(2)]
