"""Gateway settings: from flags, else `SALESFLOW_*` environment variables, else defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

from ..adapters.sql.engine import DEFAULT_URL
from ..schema.core.cost import DEFAULT_MAX_COST
from .limits import DEFAULT_MAX_BODY_BYTES

DEFAULT_MAX_READ_BYTES = 64 * 2**20


def _bool(text: str) -> bool:
    return text.strip().lower() in ("1", "true", "yes", "on")


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_URL
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    graphql_ide: bool = True
    introspection: bool = True
    cors_origins: tuple[str, ...] = ()
    max_depth: int = 10
    max_aliases: int = 15
    max_tokens: int = 2000
    max_cost: int = DEFAULT_MAX_COST  # the most an operation may cost (schema/core/cost.py); 0: no limit
    query_timeout: float = 10.0  # seconds a query or mutation may run; 0: no limit
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES  # HTTP request bodies and WebSocket messages
    # Text a request may read from the store (records and lines), the net under the cost limit for
    # what it cannot foresee, e.g. long texts (adapters/sql/uow.py); 0: no limit.
    max_read_bytes: int = DEFAULT_MAX_READ_BYTES
    log_level: str = "info"
    accounting: str = "local"  # comma-separated accounting backends (adapters/registry.py)
    sync: bool = False  # run the outbox worker inside `serve`
    sync_interval: float = 5.0  # seconds between the worker's passes
    sync_max_attempts: int = 16  # then a job is dead-lettered (see domain/sync.py RetryPolicy)
    sync_retry_base: float = 10.0  # seconds before the first retry; doubled each time
    sync_retry_cap: float = 3600.0  # the longest wait between two attempts
    sync_lease_seconds: float = 120.0  # a claimed job waits this long before another worker may retry it
    webhook_secret: str = ""  # set: POST /hooks/payments accepts payments signed with it
    # Regions (ISO 3166, comma-separated, the default first) whose local phone numbers are read,
    # e.g. 0912 345 6789 as +98…; changing it calls for `salesflow reindex` (domain/normalize.py).
    phone_regions: str = "IR,TR"

    @classmethod
    def from_env(cls, environ=os.environ, **overrides) -> Settings:
        """SALESFLOW_<NAME> for each setting (CORS origins comma-separated); overrides win when not None."""
        values = {}
        for f in fields(cls):
            raw = environ.get(f"SALESFLOW_{f.name.upper()}")
            if raw is None:
                continue
            if f.type in ("int", int):
                values[f.name] = int(raw)
            elif f.type in ("float", float):
                values[f.name] = float(raw)
            elif f.type in ("bool", bool):
                values[f.name] = _bool(raw)
            elif f.name == "cors_origins":
                values[f.name] = tuple(o.strip() for o in raw.split(",") if o.strip())
            else:
                values[f.name] = raw
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def to_env(self) -> dict[str, str]:
        """The settings as environment variables, for worker processes to read back."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, tuple):
                value = ",".join(value)
            elif isinstance(value, bool):
                value = "1" if value else "0"
            out[f"SALESFLOW_{f.name.upper()}"] = str(value)
        return out
