"""What every resolver gets as `info.context`: the viewer, the access rules, the store and the loader."""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ...domain.access import AccessPolicy, Perm
from ...domain.message import Message
from ...domain.parties import User
from ...domain.ports import UnitOfWork
from ...i18n import DEFAULT, language_of
from ...statemachine.documents import link_key
from ...statemachine.engine import Context as OperationContext
from ...statemachine.engine import utcnow
from .errors import Forbidden, Unauthenticated
from .loader import Loader


@dataclass
class Stores:
    """How the schema reaches the store: a writer per mutation, a reader per request."""

    writer: Callable[[], UnitOfWork]
    reader: Callable[[], UnitOfWork]
    _link_key: bytes | None = None

    def link_key(self, now: datetime) -> bytes:
        """The key that signs download links (made once in the store; it never changes, so read once)."""
        if self._link_key is None:
            self._link_key = link_key(self.writer, now)
        return self._link_key


#: A loader that replaces the context's own for the current task: one per subscription event, so
#: concurrent subscriptions on one socket never share (or close) each other's read transaction.
_SCOPED: ContextVar[tuple[Any, Loader] | None] = ContextVar("salesflow_scoped_loader", default=None)


@dataclass
class RequestContext:
    stores: Stores
    policy: AccessPolicy
    user: User | None = None
    request: Any = None
    broker: Any = None  # where committed transitions arrive for subscriptions
    connection_params: Any = None  # a WebSocket's connection_init payload
    clock: Callable[[], datetime] = utcnow  # the request's time, for operations that need the caller's
    accept_language: str | None = None  # the supported language the request's Accept-Language prefers
    token: str | None = None  # an HTTP request's bearer token, until it is checked (gateway/app.py)
    compiled_roots: list | None = None  # how each root field was answered, if asked (compiled/replay.py)

    def __post_init__(self):
        self._loader = Loader(self.stores.reader)

    @property
    def loader(self) -> Loader:
        scoped = _SCOPED.get()
        return scoped[1] if scoped is not None and scoped[0] is self else self._loader

    def scoped_loader(self) -> tuple[Loader, object]:
        """A fresh loader for the current task (see _SCOPED); returns it and the token to reset."""
        loader = Loader(self.stores.reader)
        return loader, _SCOPED.set((self, loader))

    @staticmethod
    def end_scope(loader: Loader, token) -> None:
        loader.close()
        _SCOPED.reset(token)

    @property
    def language(self) -> str:
        """The language of the viewer's messages: their own `locale` setting, else the request's
        Accept-Language (the handshake's or connection_init's on a WebSocket), else English."""
        user = self.user
        own = language_of(getattr(user, "locale", None)) if user is not None else None
        return own or self.accept_language or DEFAULT

    # -- who is asking ---------------------------------------------------------------------
    # `user` is read once per check: a subscription event is resolved in a worker thread while the
    # event loop may end the session (gateway/sessions.py sets it to None), and a check must then
    # refuse, never fail halfway.
    @property
    def viewer(self) -> User:
        user = self.user
        if user is None:
            raise Unauthenticated()
        return user

    def may(self, perm: str | Perm, model: str) -> bool:
        user = self.user
        return user is not None and self.policy.may(user.role, perm, model)

    def may_run(self, operation: str) -> bool:
        """May the viewer's role run this operation (a mutation, by name; security/operations.csv)?"""
        user = self.user
        return user is not None and self.policy.may_run(user.role, operation)

    def require_operation(self, operation: str) -> User:
        """The viewer, if its role may run operation; a top-level FORBIDDEN otherwise."""
        user = self.viewer
        if not self.policy.may_run(user.role, operation):
            raise Forbidden(Message("role {role} may not run {operation}", role=user.role, operation=operation))
        return user

    def require(self, perm: str | Perm, model: str) -> User:
        """The viewer, if its role may do perm on model; a top-level FORBIDDEN otherwise."""
        user = self.viewer
        if not self.policy.may(user.role, perm, model):
            raise Forbidden(
                Message("role {role} may not {perm} {model} records", role=user.role, perm=perm, model=model)
            )
        return user

    def operation_context(self) -> OperationContext:
        """A statemachine context over the current reader (guards, the owner rule)."""
        loader = self.loader
        if loader.operation_context is None:
            loader.operation_context = OperationContext(loader.uow, self.user)
        return loader.operation_context

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
