"""Who sends a request: `Authorization: Bearer <token>`, looked up by hash, briefly cached per process."""
from __future__ import annotations

import time

from ..domain.parties import User
from ..domain.tokens import hash_token
from ..statemachine.users import authenticate


def bearer(header: str | None) -> str | None:
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


class Authenticator:
    def __init__(self, new_reader, cache_seconds: float = 10.0):
        self.new_reader = new_reader
        self.cache_seconds = cache_seconds
        self._cache: dict[str, tuple[float, User | None]] = {}

    def user(self, token: str | None) -> User | None:
        """The token's user, or None. Revoking a token takes effect within cache_seconds."""
        if not token:
            return None
        key = hash_token(token)
        now = time.monotonic()
        hit = self._cache.get(key)
        if hit is not None and now - hit[0] < self.cache_seconds:
            return hit[1]
        with self.new_reader() as uow:
            user = authenticate(uow, token)
        if len(self._cache) > 10_000:
            self._cache.clear()
        self._cache[key] = (now, user)
        return user
