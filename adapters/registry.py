"""Accounting backends by name: the built-in ones and those installed under the entry-point group
`salesflow.accounting_backends` (an integrator's package declares `name = "module:Class"`)."""
from __future__ import annotations

from importlib.metadata import entry_points

from ..domain.errors import DomainError, ErrorCode

GROUP = "salesflow.accounting_backends"
BUILT_IN = {"local": "salesflow.adapters.local:LocalBackend"}


def available() -> dict[str, str]:
    """name -> "module:Class" of every backend that can be configured."""
    found = dict(BUILT_IN)
    found.update({ep.name: ep.value for ep in entry_points(group=GROUP)})
    return found


def load(names: str | list[str]):
    """Backend instances for a comma-separated list of names (SALESFLOW_ACCOUNTING)."""
    wanted = [n.strip() for n in (names.split(",") if isinstance(names, str) else names) if n.strip()]
    known = available()
    backends = []
    for name in wanted or ["local"]:
        if name not in known:
            raise DomainError(ErrorCode.VALIDATION,
                              f"unknown accounting backend {name!r}; known: {', '.join(sorted(known))}",
                              "accounting")
        module, _, attr = known[name].partition(":")
        cls = getattr(__import__(module, fromlist=[attr]), attr)
        backends.append(cls())
    return backends
