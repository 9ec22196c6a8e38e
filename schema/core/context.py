"""What every resolver gets as `info.context`: the viewer, the access rules, the store and the loader."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ...domain.access import AccessPolicy, Perm
from ...domain.parties import User
from ...domain.ports import UnitOfWork
from ...statemachine.engine import Context as OperationContext
from .errors import Forbidden, Unauthenticated
from .loader import Loader


@dataclass
class Stores:
    """How the schema reaches the store: a writer per mutation, a reader per request."""

    writer: Callable[[], UnitOfWork]
    reader: Callable[[], UnitOfWork]


@dataclass
class RequestContext:
    stores: Stores
    policy: AccessPolicy
    user: User | None = None
    request: Any = None
    broker: Any = None  # where committed transitions arrive for subscriptions
    connection_params: Any = None  # a WebSocket's connection_init payload
    extra: dict = field(default_factory=dict)

    def __post_init__(self):
        self.loader = Loader(self.stores.reader)

    # -- who is asking ---------------------------------------------------------------------
    @property
    def viewer(self) -> User:
        if self.user is None:
            raise Unauthenticated()
        return self.user

    def may(self, perm: str | Perm, model: str) -> bool:
        return self.user is not None and self.policy.may(self.user.role, perm, model)

    def require(self, perm: str | Perm, model: str) -> User:
        """The viewer, if its role may do perm on model; a top-level FORBIDDEN otherwise."""
        user = self.viewer
        if not self.policy.may(user.role, perm, model):
            raise Forbidden(f"role {user.role} may not {perm} {model} records")
        return user

    def operation_context(self) -> OperationContext:
        """A statemachine context over the request's reader (guards for availableActions)."""
        ctx = self.extra.get("operation_context")
        if ctx is None:
            ctx = self.extra["operation_context"] = OperationContext(self.loader.uow, self.user)
        return ctx

    def sees(self, obj) -> bool:
        """The owner rule for documents (a sales rep sees only its own)."""
        return self.operation_context().sees(obj)

    def visible(self, objs: list) -> list:
        ctx = self.operation_context()
        if not ctx.owner_scoped:
            return objs
        return [o for o in objs if ctx.sees(o)]

    def fresh(self) -> None:
        """Forget what was read: after a mutation commits, payloads are read anew."""
        self.loader.close()
        self.extra.pop("operation_context", None)
