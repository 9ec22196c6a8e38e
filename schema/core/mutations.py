"""Running a mutation: check the role, run one operation (one transaction), shape the payload.

Business and validation failures come back as `UserError`s in the payload and change nothing;
access failures are top-level errors. Create and convert mutations may carry an idempotency key:
their result is stored as ids, so a replay returns the same objects.

The shape every mutation has (Relay's convention, as GitHub's API has it; clients and
graphql-codegen rely on it, and `tests/unit/test_schema_contract.py` enforces it):

- `fooBar(input: FooBarInput!): FooBarPayload!` — one argument, `input`, whose type is named after
  the mutation, and a payload type named after it. Neither type is shared with another mutation,
  so one mutation can gain a field without changing another's contract.
- Fields several mutations share come from a base class, never from a shared GraphQL type:
  `input_type("SendQuoteInput", QuoteTarget, "…")` and `payload_type("SendQuotePayload",
  QuoteResult, "…")` make a mutation's own type from a base in one line; `core.inputs` has the
  common input fields (`document_id`, `expected_version`, `idempotency_key`, `kept`).
- A payload holds what the mutation affected (null when it did not happen), then
  `errors: [UserError!]!` (`errors_field()`): empty when it happened.
- `@mutation("What it does, from which states", ("write", "quote"))` declares the field: its
  description ends with the permissions it needs and the roles that have them (from
  `security/operations.csv`, by the mutation's name, and `security/access.csv`), and `mutate`
  checks exactly those. Its `input` argument is `Input[...]`. A new mutation needs its row in
  operations.csv, or no role may run it.
- Everything has a description that helps a client developer: formats, units, defaults, which
  states, what null or an omitted field means. A test lists every type, field, argument, input
  field and enum value of the SDL without one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Annotated, Any, TypeVar

import strawberry

from ...domain.access import OWNER_SCOPED_ROLES, ROLES, default_policy
from ...domain.errors import DomainError, ErrorCode
from ...domain.idempotency import fingerprint
from ...domain.invoice import Invoice, Payment
from ...domain.lead import Lead
from ...domain.message import Message
from ...domain.opportunity import Opportunity, Stage
from ...domain.order import Delivery, Order
from ...domain.parties import Account, Contact
from ...domain.quote import Quote
from ...domain.text import camel, check_text
from ...statemachine import LIFECYCLES
from ...statemachine.engine import Once, Replay
from .errors import Forbidden, user_error

T = TypeVar("T")

#: The `input` argument of every mutation: `def send_quote(self, info, input: Input[SendQuoteInput])`.
INPUT = strawberry.argument(
    description="Everything the mutation needs, in one object; its fields are described on its input type."
)
Input = Annotated[T, INPUT]

#: Models a sales rep reaches only through documents it owns (the documents, and what belongs to them).
OWNED = frozenset({*LIFECYCLES, "delivery", "payment", "activity"})

#: mutation (python name) -> the (permission, model) pairs it needs, as declared by @mutation.
NEEDS: dict[str, tuple[tuple[str, str], ...]] = {}


def who_may(needs: Iterable[tuple[str, str]], operation: str | None = None) -> str:
    """The sentence a description ends with: the roles that may run the mutation (security/operations.csv)
    and have the record permissions it needs (security/access.csv)."""
    needs = tuple(needs)
    policy = default_policy()
    if not needs and operation is None:
        return "Any signed-in user may call it."
    owned = any(model in OWNED for _perm, model in needs)
    roles = [
        r + (" (own documents)" if owned and r in OWNER_SCOPED_ROLES else "")
        for r in ROLES
        if all(policy.may(r, perm, model) for perm, model in needs)
        and (operation is None or policy.may_run(r, operation))
    ]
    wanted = " and ".join(f"`{perm}` on {model}" for perm, model in needs)
    needed = f"Needs {wanted}" if needs else "Needs the right to run it"
    where = (
        "security/operations.csv and access.csv; `viewer.operations` and `viewer.permissions` show the caller's"
        if operation
        else "security/access.csv; `viewer.permissions` shows the caller's"
    )
    return f"{needed}: by default {', '.join(roles) if roles else 'no role'} ({where})."


def mutation(description: str, *needs: tuple[str, str]):
    """A mutation field whose description ends with who may call it; `mutate` checks the same needs."""

    def declare(resolver: Callable) -> Any:
        NEEDS[resolver.__name__] = needs
        operation = camel(resolver.__name__)
        return strawberry.mutation(description=f"{description}\n\n{who_may(needs, operation)}")(resolver)

    return declare


def errors_field():
    """The `errors` field every payload ends with."""
    return strawberry.field(
        default_factory=list, description="Why the mutation did not happen (then nothing changed); empty when it did."
    )


def input_type(name: str, base: type, description: str) -> type:
    """A mutation's own input type with the fields of `base` (shared fields, never a shared type)."""
    return strawberry.input(type(name, (base,), {"__module__": base.__module__}), name=name, description=description)


def payload_type(name: str, base: type, description: str) -> type:
    """A mutation's own payload type with the fields of `base`."""
    return strawberry.type(type(name, (base,), {"__module__": base.__module__}), name=name, description=description)


#: Where each kind of record is read back from when a result is replayed.
REPOSITORY_OF = {
    Lead: "leads",
    Account: "accounts",
    Contact: "contacts",
    Opportunity: "opportunities",
    Stage: "stages",
    Quote: "quotes",
    Order: "orders",
    Delivery: "deliveries",
    Invoice: "invoices",
    Payment: "payments",
}


def _encode(parts: dict) -> dict:
    return {
        name: [REPOSITORY_OF[type(obj)], obj.id]
        for name, obj in parts.items()
        if obj is not None and getattr(obj, "id", None) is not None
    }


def _input_payload(data) -> Any:
    payload = strawberry.asdict(data) if dataclasses.is_dataclass(data) else dict(data)
    payload.pop("idempotency_key", None)
    return payload


def _bad_key(key: str) -> Message | None:
    if not key.strip():
        return Message("an idempotency key cannot be empty")
    try:
        check_text(key, "idempotency_key")
    except DomainError as err:
        return err.text
    return None


def mutate(
    info,
    permissions: Iterable[tuple[str, str]],
    call: Callable,
    parts: Callable[[Any], dict],
    payload: type,
    *,
    name: str | None = None,
    data=None,
    key: str | None = None,
):
    """Run `call(uow, actor=…, once=…)` and return `payload(**parts(result), errors=[])`.

    Who may: the role must be allowed to run the mutation itself (security/operations.csv, by its
    name) and to touch the records it writes (what it declared with @mutation and the `permissions`
    given here, from security/access.csv).
    """
    ctx = info.context
    ctx.require_operation(info.field_name)
    for perm, model in (*NEEDS.get(info.python_name, ()), *permissions):
        ctx.require(perm, model)
    ctx.fresh()
    kwargs = {"actor": ctx.viewer}
    if key is not None:
        problem = _bad_key(key)
        if problem:
            return payload(
                errors=[user_error(DomainError(ErrorCode.VALIDATION, problem, "idempotencyKey"), ctx.language)]
            )
        kwargs["once"] = Once(key, name, fingerprint(name, _input_payload(data)), lambda result: _encode(parts(result)))
    try:
        result = call(ctx.stores.writer(), **kwargs)
    except DomainError as err:
        if err.code == ErrorCode.PERMISSION_DENIED:
            raise Forbidden(err.text) from None
        return payload(errors=[user_error(err, ctx.language)])
    if isinstance(result, Replay):
        found = {n: ctx.loader.get(repo, ident) for n, (repo, ident) in result.result.items()}
        return payload(**found, errors=[])
    return payload(**parts(result), errors=[])


def trigger(op, document_id: Callable[[Any], int], data, *args) -> Callable:
    """The call for a trigger operation on the document an input names, at its expectedVersion."""
    return lambda uow, **kw: op(uow, document_id(data), *args, expected_version=data.expected_version, **kw)
