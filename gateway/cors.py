"""Which browser pages may call the API: CORS origins and request headers, checked once at start.

- **Origins** are written as browsers send them in `Origin` (scheme://host[:port]: lower case, no
  default port, no path; a trailing slash, as copied from an address bar, is dropped), and this one
  list feeds both sides: Starlette's CORSMiddleware, which compares the header as a string, and
  strawberry's WebSocket handshake check. An address that is not an origin is refused at start with
  one line, never left to fail each request.
- **`*`** (alone) lets pages on every origin call. That is safe here because salesflow never
  authenticates with what a browser adds by itself (cookies, HTTP authentication, client
  certificates): a page must hold a bearer token and send it. Browsers refuse `*` for credentialed
  requests, and salesflow makes none credentialed: it never answers `Access-Control-Allow-Credentials`.
- **Headers**: the ones SPAs send besides Authorization and Content-Type (Apollo Client's client
  awareness, W3C trace context, Sentry), and any the operator adds.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware

ANY_ORIGIN = "*"
#: Request headers pages may send (the CORS-safelisted ones, Accept, Content-Type …, always may).
DEFAULT_HEADERS = (
    "authorization",
    "content-type",
    "apollographql-client-name",  # Apollo Client's clientAwareness
    "apollographql-client-version",
    "traceparent",  # W3C trace context (OpenTelemetry, Datadog, New Relic, Azure)
    "tracestate",
    "baggage",
    "sentry-trace",
    "x-request-id",
)
#: Response headers a page may read: the challenge of a 401 says why its token was refused.
EXPOSED_HEADERS = ("WWW-Authenticate",)
PREFLIGHT_CACHE_SECONDS = 600
_DEFAULT_PORTS = {"http": 80, "https": 443}
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9a-z-]+")  # an HTTP field name (RFC 9110 §5.1), lower-cased
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]*")  # RFC 3986 §3.1: http, https, and apps' own (tauri, capacitor …)
_LABEL = re.compile(r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?")  # one dot-separated part of a host name, in ASCII


class CorsSettingError(ValueError):
    """A CORS origin or header that cannot be one; the message is one line for the operator."""


def split_list(value: str | Iterable[str]) -> tuple[str, ...]:
    """A comma-separated setting (or its items) as its non-empty, trimmed items."""
    items = value.split(",") if isinstance(value, str) else value
    return tuple(item.strip() for item in items if item.strip())


def origin(text: str) -> str:
    """`text` as browsers send it in `Origin` (https://Example.com:443/ -> https://example.com)."""
    value = text.strip()
    refuse = f"{value!r} is not an origin"
    if value.lower() == "null":  # what files and sandboxed frames send: any page can make itself one
        raise CorsSettingError(f"{refuse} that can be trusted: pages without an origin send it")
    if "://" not in value:
        raise CorsSettingError(f"{refuse}: give its scheme, e.g. http://{value.lstrip('/')}")
    parts = urlsplit(value)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is not None and not 0 < port < 65536:
        raise CorsSettingError(f"{refuse}: its port must be a number from 1 to 65535")
    if parts.path not in ("", "/") or parts.query or parts.fragment or "?" in value or "#" in value:
        raise CorsSettingError(f"{refuse}: an origin is scheme://host[:port], without a path")
    if parts.username is not None or parts.password is not None:
        raise CorsSettingError(f"{refuse}: an origin has no user name or password")
    scheme = parts.scheme.lower()
    if not _SCHEME.fullmatch(scheme):
        raise CorsSettingError(f"{refuse}: {parts.scheme!r} is not a scheme")
    if scheme in ("ws", "wss"):
        raise CorsSettingError(f"{refuse}: name the page's origin (http:// or https://), not the socket's")
    host = _host(parts.hostname or "", refuse)
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        host = f"{host}:{port}"
    return f"{scheme}://{host}"


def _host(name: str, refuse: str) -> str:
    """A host as browsers write it in `Origin`: an IP address, or a name in ASCII (bücher.example -> xn--…)."""
    if not name:
        raise CorsSettingError(f"{refuse}: it names no host")
    if "*" in name:
        raise CorsSettingError(f"{refuse}: wildcards are not supported; list each origin")
    try:
        address = ipaddress.ip_address(name)
    except ValueError:
        pass
    else:
        return f"[{address.compressed}]" if address.version == 6 else str(address)  # urlsplit dropped the brackets
    try:
        ascii_name = name.encode("idna").decode("ascii")
    except UnicodeError:
        ascii_name = ""
    if not all(_LABEL.fullmatch(label) for label in ascii_name.split(".")):
        raise CorsSettingError(f"{refuse}: {name!r} is not a host name")
    return ascii_name


def origins(value: str | Iterable[str]) -> tuple[str, ...]:
    """The allowed origins, each as browsers send it, without repeats; `*` alone for every origin."""
    items = split_list(value)
    if ANY_ORIGIN in items:
        if len(items) > 1:
            raise CorsSettingError("'*' already allows every origin: give it alone, or list the origins")
        return (ANY_ORIGIN,)
    return tuple(dict.fromkeys(origin(item) for item in items))


def headers(value: str | Iterable[str]) -> tuple[str, ...]:
    """Request headers to allow besides DEFAULT_HEADERS, lower-cased, without repeats."""
    names = [name.lower() for name in split_list(value)]
    for name in names:
        if not _TOKEN.fullmatch(name) or name == "*":
            raise CorsSettingError(f"{name!r} is not a header name: name each header pages send, e.g. x-tenant-id")
    return tuple(dict.fromkeys(name for name in names if name not in DEFAULT_HEADERS))


def middleware(allowed_origins: tuple[str, ...], extra_headers: tuple[str, ...]) -> list[Middleware]:
    """Starlette's CORSMiddleware for these (normalised) origins; none when no origin is allowed."""
    if not allowed_origins:
        return []
    return [
        Middleware(
            CORSMiddleware,
            allow_origins=list(allowed_origins),
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=[*DEFAULT_HEADERS, *extra_headers],
            expose_headers=list(EXPOSED_HEADERS),
            max_age=PREFLIGHT_CACHE_SECONDS,
        )
    ]
