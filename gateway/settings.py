"""Gateway settings: from flags, else `SALESFLOW_*` environment variables, else defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

from ..adapters.sql.engine import DEFAULT_URL, normalise_url
from ..domain.mail import MAX_ATTEMPTS
from ..schema.core.answer import DEFAULT_MAX_RESPONSE_BYTES
from ..schema.core.cost import DEFAULT_MAX_COST
from . import cors
from .limits import DEFAULT_MAX_BODY_BYTES
from .websocket import DEFAULT_MAX_SUBSCRIPTIONS, DEFAULT_MAX_SUBSCRIPTIONS_PER_USER


class SettingError(ValueError):
    """A setting that cannot be used; the message names it (flag and variable) in one line."""


DEFAULT_MAX_READ_BYTES = 64 * 2**20


def _bool(text: str) -> bool:
    return text.strip().lower() in ("1", "true", "yes", "on")


def _named(name: str) -> str:
    return f"--{name.replace('_', '-')} / SALESFLOW_{name.upper()}"


#: How the SMTP connection is protected: plain, upgraded with STARTTLS, or TLS from the start.
SMTP_SECURITY = ("none", "starttls", "tls")

#: The settings that are lists: comma-separated in a flag or variable, checked and normalised here.
LISTS = {"cors_origins": cors.origins, "cors_headers": cors.headers}


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_URL
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1
    graphql_ide: bool = True
    introspection: bool = True
    cors_origins: tuple[str, ...] = ()  # pages allowed to call from a browser (gateway/cors.py); `*`: any
    cors_headers: tuple[str, ...] = ()  # request headers they may send besides cors.DEFAULT_HEADERS
    max_depth: int = 10
    max_aliases: int = 15
    max_tokens: int = 2000
    max_cost: int = DEFAULT_MAX_COST  # the most an operation may cost (schema/core/cost.py); 0: no limit
    query_timeout: float = 10.0  # seconds a query or mutation may run; 0: no limit
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES  # HTTP request bodies and WebSocket messages
    max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES  # an answer's JSON (schema/core/answer.py); 0: no limit
    max_subscriptions_per_socket: int = DEFAULT_MAX_SUBSCRIPTIONS  # operations at once on one WebSocket; 0: no limit
    max_subscriptions_per_user: int = DEFAULT_MAX_SUBSCRIPTIONS_PER_USER  # on all of a user's sockets, per process
    # Text a request may read from the store (records and lines), the net under the cost limit for
    # what it cannot foresee, e.g. long texts (adapters/sql/uow.py); 0: no limit.
    max_read_bytes: int = DEFAULT_MAX_READ_BYTES
    # Queries answered by one SQL statement per root field that builds the JSON (schema/compiled);
    # false: by the resolvers alone, with the same answers (to compare, or to rule the compiler out).
    compiled_reads: bool = True
    # Sync work (queries, mutations, token checks) running at once in one process: anyio's thread limit.
    # The reader and the writer pool each keep this many connections (gateway/app.py `pools`).
    worker_threads: int = 40
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
    # E-mail to customers (gateway/mailing.py): no host, no mail goes out (it stays queued and says why).
    smtp_host: str = ""
    smtp_port: int = 0  # 0: the security's usual port (25, 587 with starttls, 465 with tls)
    smtp_username: str = ""  # set: log in with it (and smtp_password)
    smtp_password: str = ""
    smtp_security: str = "starttls"  # none, starttls or tls (implicit TLS)
    smtp_from: str = ""  # the sender address; the company's e-mail if empty
    smtp_timeout: float = 30.0  # seconds the server may take to answer
    mail_max_attempts: int = MAX_ATTEMPTS  # then a mail is dead-lettered (retryMail queues it again)
    mail_interval: float = 5.0  # seconds between the mail worker's passes
    # Where customers reach this server: the signed links in mails start with it (default http://host:port).
    public_url: str = ""

    def __post_init__(self) -> None:
        """Lists are checked and normalised once (a string is split at commas), and the database URL
        is one salesflow runs on: a bad value stops the start with one line (SettingError)."""
        for name, normalise in LISTS.items():
            try:
                object.__setattr__(self, name, normalise(getattr(self, name)))
            except ValueError as err:
                raise SettingError(f"{_named(name)}: {err}") from None
        normalise_url(self.database_url)  # UnsupportedDatabase: another scheme, or an in-memory SQLite
        if self.smtp_security not in SMTP_SECURITY:
            choices = ", ".join(SMTP_SECURITY)
            raise SettingError(f"{_named('smtp_security')}: {self.smtp_security!r} is not one of {choices}")

    @classmethod
    def from_env(cls, environ=os.environ, **overrides) -> Settings:
        """SALESFLOW_<NAME> for each setting (lists comma-separated); overrides win when not None."""
        values = {}
        for f in fields(cls):
            raw = environ.get(f"SALESFLOW_{f.name.upper()}")
            if raw is None:
                continue
            try:
                if f.type in ("int", int):
                    values[f.name] = int(raw)
                elif f.type in ("float", float):
                    values[f.name] = float(raw)
                elif f.type in ("bool", bool):
                    values[f.name] = _bool(raw)
                else:
                    values[f.name] = raw  # lists are split by __post_init__
            except ValueError:
                number = "a whole number" if f.type in ("int", int) else "a number"
                raise SettingError(f"SALESFLOW_{f.name.upper()}: {raw!r} is not {number}") from None
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
