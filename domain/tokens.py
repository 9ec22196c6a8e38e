"""Bearer tokens: random, shown once, kept only as a SHA-256 hash."""
from __future__ import annotations

import hashlib
import secrets

PREFIX = "sf_"


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """Tokens are 256 random bits, so a plain SHA-256 is enough (no salt or slow hash needed)."""
    return hashlib.sha256(token.encode()).hexdigest()
