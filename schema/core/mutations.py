"""Running a mutation: check the role, run one operation (one transaction), shape the payload.

Business and validation failures come back as `UserError`s in the payload and change nothing;
access failures are top-level errors. Create and convert mutations may carry an idempotency key:
their result is stored as ids, so a replay returns the same objects.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Callable, Iterable

import strawberry

from ...domain.errors import DomainError, ErrorCode
from ...domain.idempotency import fingerprint
from ...domain.invoice import Invoice, Payment
from ...domain.lead import Lead
from ...domain.opportunity import Opportunity, Stage
from ...domain.order import Delivery, Order
from ...domain.parties import Account, Contact
from ...domain.quote import Quote
from ...domain.text import check_text
from ...statemachine.engine import Once, Replay
from .errors import Forbidden, user_error

#: Where each kind of record is read back from when a result is replayed.
REPOSITORY_OF = {Lead: "leads", Account: "accounts", Contact: "contacts", Opportunity: "opportunities",
                 Stage: "stages", Quote: "quotes", Order: "orders", Delivery: "deliveries",
                 Invoice: "invoices", Payment: "payments"}


def _encode(parts: dict) -> dict:
    return {name: [REPOSITORY_OF[type(obj)], obj.id] for name, obj in parts.items()
            if obj is not None and getattr(obj, "id", None) is not None}


def _input_payload(data) -> Any:
    payload = strawberry.asdict(data) if dataclasses.is_dataclass(data) else dict(data)
    payload.pop("idempotency_key", None)
    return payload


def _bad_key(key: str) -> str | None:
    if not key.strip():
        return "an idempotency key cannot be empty"
    try:
        check_text(key, "idempotency_key")
    except DomainError as err:
        return err.message
    return None


def mutate(info, permissions: Iterable[tuple[str, str]], call: Callable, parts: Callable[[Any], dict],
           payload: type, *, name: str | None = None, data=None, key: str | None = None):
    """Run `call(uow, actor=…, once=…)` and return `payload(**parts(result), errors=[])`."""
    ctx = info.context
    for perm, model in permissions:
        ctx.require(perm, model)
    ctx.fresh()
    kwargs = {"actor": ctx.viewer}
    if key is not None:
        problem = _bad_key(key)
        if problem:
            return payload(errors=[user_error(DomainError(ErrorCode.VALIDATION, problem, "idempotencyKey"))])
        kwargs["once"] = Once(key, name, fingerprint(name, _input_payload(data)),
                              lambda result: _encode(parts(result)))
    try:
        result = call(ctx.stores.writer(), **kwargs)
    except DomainError as err:
        if err.code == ErrorCode.PERMISSION_DENIED:
            raise Forbidden(err.message) from None
        return payload(errors=[user_error(err)])
    if isinstance(result, Replay):
        found = {n: ctx.loader.get(repo, ident) for n, (repo, ident) in result.result.items()}
        return payload(**found, errors=[])
    return payload(**parts(result), errors=[])


def trigger(op, document_id: Callable[[Any], int], data, *args) -> Callable:
    """The call for a trigger operation on the document an input names, at its expectedVersion."""
    return lambda uow, **kw: op(uow, document_id(data), *args, expected_version=data.expected_version, **kw)
