"""Accounting backends by name: the built-in ones and those installed under the entry-point group
`salesflow.accounting_backends` (an integrator's package declares `name = "module:Class"`).

A backend class configures itself from the environment with a `from_settings(env)` classmethod
(reading its own `SALESFLOW_<NAME>_*` variables); one without it is built with no arguments.
A configuration error is a DomainError naming the variable, raised at start-up, not at first use.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from importlib.metadata import entry_points

from ..domain.errors import DomainError, ErrorCode

GROUP = "salesflow.accounting_backends"
BUILT_IN = {
    "local": "salesflow.adapters.local:LocalBackend",
    "beancount": "salesflow.adapters.beancount:BeancountBackend",
    "webhook": "salesflow.adapters.webhook:WebhookBackend",
    "odoo": "salesflow.adapters.odoo:OdooBackend",
}


def available() -> dict[str, str]:
    """name -> "module:Class" of every backend that can be configured."""
    found = dict(BUILT_IN)
    found.update({ep.name: ep.value for ep in entry_points(group=GROUP)})
    return found


def load(names: str | list[str], env: Mapping[str, str] | None = None):
    """Backend instances for a comma-separated list of names (SALESFLOW_ACCOUNTING)."""
    env = os.environ if env is None else env
    wanted = [n.strip() for n in (names.split(",") if isinstance(names, str) else names) if n.strip()]
    known = available()
    backends = []
    for name in wanted or ["local"]:
        if name not in known:
            raise DomainError(
                ErrorCode.VALIDATION,
                "unknown accounting backend {name!r}; known: {known}",
                "accounting",
                name=name,
                known=", ".join(sorted(known)),
            )
        module, _, attr = known[name].partition(":")
        cls = getattr(__import__(module, fromlist=[attr]), attr)
        backends.append(cls.from_settings(env) if hasattr(cls, "from_settings") else cls())
    return backends
