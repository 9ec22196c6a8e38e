"""How a lifecycle declared as data becomes a `transitions` machine, and how it is fired.

One module-level Machine per document type, built once with no models: documents are never
registered on it. Firing passes the document straight to the Machine's event, so the library
reads and writes `document.status` and evaluates the guards; we add coded errors and the
activity row that every transition writes.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from functools import wraps

from transitions import Machine

from ..domain.access import OWNER_SCOPED_ROLES
from ..domain.activity import Activity
from ..domain.base import Document
from ..domain.errors import DomainError, ErrorCode, not_found
from ..domain.idempotency import IdempotencyRecord, check_replay
from ..domain.invoice import Payment
from ..domain.message import ACTION_WORDS, STATE_WORDS, Message, named, word
from ..domain.order import Delivery
from ..domain.parties import User
from ..domain.ports import UnitOfWork
from ..domain.text import check_texts


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass
class Context:
    """What an operation runs with: its unit of work, who acts, and the clock."""

    uow: UnitOfWork
    actor: User | None = None
    now: datetime = field(default_factory=utcnow)

    @property
    def today(self) -> date:
        """The operation's calendar day, in UTC (business dates such as a quote's validUntil are UTC days)."""
        now = self.now if self.now.tzinfo is None else self.now.astimezone(UTC)
        return now.date()

    @property
    def actor_id(self) -> int | None:
        return self.actor.id if self.actor else None

    def record(self, doc: Document, trigger: str, source: str | None, dest: str, reason: str | None = None) -> Activity:
        """Write the activity row of one transition (or of a creation, source None)."""
        if doc.id is None:
            self.uow.flush()
        doc.updated_at = self.now
        return self.uow.activities.add(
            Activity(
                document_type=doc.kind_name,
                document_id=doc.id,
                trigger=trigger,
                from_state=source,
                to_state=dest,
                actor_id=self.actor_id,
                at=self.now,
                reason=reason,
            )
        )

    @property
    def owner_scoped(self) -> bool:
        """Does the actor see and change only the documents it owns (a sales rep)?"""
        return self.actor is not None and self.actor.role in OWNER_SCOPED_ROLES

    def sees(self, obj) -> bool:
        """The owner rule: an owner-scoped actor sees only its own documents (records are shared).

        Deliveries and payments belong to a document (their order, their invoice): they are seen
        exactly when it is.
        """
        if not self.owner_scoped:
            return True
        parent = BELONGS_TO.get(type(obj))
        if parent is not None:
            repo, attr = parent
            obj = getattr(self.uow, repo).get(getattr(obj, attr))
            if obj is None:
                return False
        return not isinstance(obj, Document) or obj.owner_id == self.actor.id

    def require(self, repo, ident: int | None, kind: str, field_name: str, *, lock: bool = False):
        """Load the record a client named, or NOT_FOUND; another owner's document is just as missing."""
        obj = require(repo, ident, kind, field_name, lock=lock)
        if not self.sees(obj):
            raise not_found(kind, ident, field_name)
        return obj

    def owner(self, owner_id: int | None) -> int | None:
        """The owner of a new record: the one named (who must exist), else whoever acts."""
        if owner_id is None or (self.owner_scoped and owner_id == self.actor.id):
            return self.actor_id
        if self.owner_scoped:
            raise DomainError(ErrorCode.PERMISSION_DENIED, "a sales rep can only own its own documents", "ownerId")
        if self.uow.users.get(owner_id) is None:
            raise not_found("user", owner_id, "ownerId")
        return owner_id

    def create(self, repo, doc: Document) -> Document:
        """Stage a new document, give it an id and write its creation activity."""
        doc.created_at = doc.updated_at = self.now
        doc.owner_id = self.owner(doc.owner_id)
        repo.add(doc)
        self.uow.flush()
        self.record(doc, "create", None, doc.status)
        return doc


#: Records without an owner of their own, seen through the document they belong to.
#: Records that belong to a document (repo, column of its id): seen exactly when it is.
BELONGS_TO = {Delivery: ("orders", "order_id"), Payment: ("invoices", "invoice_id")}

Check = Callable[[Document, Context], bool]


@dataclass(frozen=True)
class Guard:
    """A side-effect-free condition, with the error to give when it blocks a transition."""

    name: str
    check: Check
    code: ErrorCode
    message: Message  # why the guard blocks, after "<document>: "
    field: str | None = None

    def __call__(self, event_data) -> bool:
        return self.check(event_data.model, event_data.kwargs["ctx"])

    def error(self, doc: Document) -> DomainError:
        return DomainError(self.code, "{doc}: {reason}", self.field, doc=named(doc), reason=self.message)


@dataclass(frozen=True)
class Route:
    trigger: str
    source: tuple[str, ...]
    dest: str
    guards: tuple[Guard, ...] = ()


def route(trigger: str, source: str | Iterable[str], dest: str, *guards: Guard) -> Route:
    src = (source,) if isinstance(source, str) else tuple(source)
    return Route(trigger, tuple(str(s) for s in src), str(dest), guards)


class Lifecycle:
    """A document's lifecycle as data, and the one Machine built from it.

    `meanings` says what each state means to someone reading the document; it is the one place
    those words live (the GraphQL enum values are described with them), so every state needs one.
    """

    def __init__(
        self,
        name: str,
        states: type[StrEnum],
        initial: StrEnum,
        routes: list[Route],
        meanings: Mapping[str, str],
        entered: Mapping[str, Callable[[Context, Document], None]] | None = None,
    ):
        self.name = name
        # What happens, in the same transaction, each time a document enters a state (after its
        # activity is written): e.g. a sent quote's facts are frozen.
        self.entered = {str(state): action for state, action in (entered or {}).items()}
        self.states = [s.value for s in states]
        self.meanings = {str(state): text for state, text in meanings.items()}
        if set(self.meanings) != set(self.states):
            raise ValueError(
                f"{name}: every state needs one meaning (missing: "
                f"{sorted(set(self.states) - set(self.meanings))}, unknown: "
                f"{sorted(set(self.meanings) - set(self.states))})"
            )
        self.initial = initial.value
        self.routes = routes
        self.triggers = list(dict.fromkeys(r.trigger for r in routes))
        # (trigger, source) -> the routes tried in order; used for errors and allowed actions.
        self._table: dict[tuple[str, str], list[Route]] = {}
        for r in routes:
            for s in r.source:
                self._table.setdefault((r.trigger, s), []).append(r)
        self._by_source: dict[str, list[str]] = {}
        for trigger, s in self._table:
            self._by_source.setdefault(s, []).append(trigger)
        self.machine = Machine(
            model=None,
            states=self.states,
            initial=self.initial,
            transitions=self.machine_transitions(),
            auto_transitions=False,
            model_attribute="status",
            send_event=True,
            after_state_change=self._after_state_change,
            name=name,
        )

    def machine_transitions(self) -> list[dict]:
        return [
            dict(trigger=r.trigger, source=list(r.source), dest=r.dest, conditions=list(r.guards)) for r in self.routes
        ]

    def _after_state_change(self, event_data) -> None:
        ctx: Context = event_data.kwargs["ctx"]
        ctx.record(
            event_data.model,
            event_data.event.name,
            event_data.transition.source,
            event_data.transition.dest,
            event_data.kwargs.get("reason"),
        )
        action = self.entered.get(event_data.transition.dest)
        if action is not None:
            action(ctx, event_data.model)

    def check_source(self, doc: Document, trigger: str) -> list[Route]:
        """The routes of trigger from doc's state; INVALID_TRANSITION naming both if none."""
        candidates = self._table.get((trigger, doc.status))
        if not candidates:
            raise DomainError(
                ErrorCode.INVALID_TRANSITION,
                "cannot {action} {doc}: it is {status}",
                f"{self.name}Id",
                action=word(ACTION_WORDS, trigger),
                doc=named(doc),
                status=word(STATE_WORDS, doc.status),
            )
        return candidates

    def fire(self, doc: Document, trigger: str, ctx: Context, reason: str | None = None) -> str:
        """Run one transition on doc; INVALID_TRANSITION or the blocking guard's error otherwise."""
        candidates = self.check_source(doc, trigger)
        if not self.machine.events[trigger].trigger(doc, ctx=ctx, reason=reason):
            raise self.blocking_guard(doc, candidates, ctx).error(doc)
        return doc.status

    @staticmethod
    def blocking_guard(doc: Document, candidates: list[Route], ctx: Context) -> Guard:
        for r in candidates:
            for g in r.guards:
                if not g.check(doc, ctx):
                    return g
        raise AssertionError("a transition failed with every guard passing")

    def allowed(self, doc: Document, ctx: Context) -> list[str]:
        """Triggers that would succeed now; guards only, no side effects."""
        status = doc.status
        return [
            t
            for t in self._by_source.get(status, ())
            if any(all(g.check(doc, ctx) for g in r.guards) for r in self._table[(t, status)])
        ]

    def may(self, doc: Document, trigger: str, ctx: Context) -> bool:
        return any(all(g.check(doc, ctx) for g in r.guards) for r in self._table.get((trigger, doc.status), ()))


@dataclass(frozen=True)
class Once:
    """An idempotency key for one call: its scope is the actor, its result is encoded as ids."""

    key: str
    operation: str
    fingerprint: str
    encode: Callable[[object], dict]


@dataclass(frozen=True)
class Replay:
    """What a repeated call returns instead of running again: the first call's encoded result."""

    result: dict


def arguments(signature: inspect.Signature, args: tuple, kwargs: dict) -> dict:
    """An operation's arguments by name (its **fields spread out), the context left out."""
    try:
        bound = signature.bind(None, *args, **kwargs)
    except TypeError:
        return {}  # the call itself will say what is wrong
    named: dict = {}
    for name, value in list(bound.arguments.items())[1:]:
        if signature.parameters[name].kind is inspect.Parameter.VAR_KEYWORD:
            named.update(value)
        else:
            named[name] = value
    return named


def operation(fn: Callable | None = None, *, needs_now: bool = False) -> Callable:
    """Run fn(ctx, …) as one transaction of the given unit of work, committed on success.

    Every text argument is checked first (domain/text.py: no control characters, no more than its
    limit), so no operation stores or searches text that one of the stores would refuse or crash on.
    With `once=Once(...)` the call is idempotent per actor and key: a repeat returns `Replay`.
    `needs_now`: the caller must pass `now` (its own clock: the sync worker's, a request's); the
    operation never falls back to the wall clock, so stamps and due times follow the caller's time.
    """
    if fn is None:
        return lambda f: operation(f, needs_now=needs_now)
    signature = inspect.signature(fn)

    @wraps(fn)
    def run(
        uow: UnitOfWork,
        *args,
        actor: User | None = None,
        now: datetime | None = None,
        once: Once | None = None,
        **kwargs,
    ):
        check_texts(arguments(signature, args, kwargs))
        if now is None:
            if needs_now:
                raise TypeError(f"{fn.__name__} takes its time from its caller: pass now=")
            now = utcnow()
        ctx = Context(uow, actor, now)
        with uow:
            record = None
            if once is not None and actor is not None:
                record = IdempotencyRecord(
                    user_id=actor.id,
                    key=once.key,
                    operation=once.operation,
                    fingerprint=once.fingerprint,
                    created_at=ctx.now,
                )
                stored = uow.idempotency.claim(record)
                if stored is not None:
                    return Replay(check_replay(stored, once.fingerprint))
            result = fn(ctx, *args, **kwargs)
            if record is not None:
                record.result = json.dumps(once.encode(result))
                uow.idempotency.complete(record)
            uow.commit()
        return result

    run.inner = fn
    return run


def trigger_operation(
    lifecycle: Lifecycle,
    repository: str,
    trigger: str,
    *,
    reason_required: bool = False,
    then: Callable[[Context, Document, str | None], None] | None = None,
) -> Callable:
    """An operation that locks one document, fires one trigger on it, then runs `then`."""
    kind = lifecycle.name

    @operation
    def run(ctx: Context, doc_id: int, reason: str | None = None, *, expected_version: int | None = None) -> Document:
        doc = ctx.require(getattr(ctx.uow, repository), doc_id, kind, f"{kind}Id", lock=True)
        check_version(doc, expected_version)
        if reason_required:
            reason = require_text(reason, "reason", Message("a reason"))
        lifecycle.fire(doc, trigger, ctx, reason)
        if then is not None:
            then(ctx, doc, reason)
        return doc

    run.__name__ = run.inner.__name__ = f"{trigger}_{kind}"
    run.__doc__ = f"Fire `{trigger}` on a {kind}" + (" (a reason is required)." if reason_required else ".")
    return run


def check_version(doc: Document, expected: int | None) -> None:
    if expected is not None and expected != doc.version:
        raise DomainError(
            ErrorCode.CONFLICT,
            "{doc} is at version {version}, not {expected}: reload it",
            "expectedVersion",
            doc=named(doc),
            version=doc.version,
            expected=expected,
        )


def require(uow_repo, ident: int | None, kind: str, field_name: str, *, lock: bool = False):
    """Load a record or raise NOT_FOUND naming the input field."""
    obj = uow_repo.get(ident, lock=lock) if ident is not None else None
    if obj is None:
        raise not_found(kind, ident, field_name)
    return obj


def require_text(value: str | None, field_name: str, what: Message) -> str:
    """The text stripped, or VALIDATION saying `what` (a Message such as "a title") is required."""
    text = (value or "").strip()
    if not text:
        raise DomainError(ErrorCode.VALIDATION, "{what} is required", field_name, what=what)
    check_texts({field_name: text})
    return text


def aware(moment: datetime | None, field_name: str) -> datetime | None:
    """A client's timestamp must say its time zone; it is kept in UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise DomainError(ErrorCode.VALIDATION, "a date-time needs a time zone (e.g. 2026-11-22T10:30:00Z)", field_name)
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise DomainError(ErrorCode.VALIDATION, "the date-time is out of range", field_name) from None


def retrying(call: Callable, tries: int = 5):
    """call(), again while it fails with CONFLICT (a concurrent transaction won a race that a
    fresh attempt will see the outcome of); the last CONFLICT is raised."""
    for attempt_no in range(1, tries + 1):
        try:
            return call()
        except DomainError as err:
            if err.code != ErrorCode.CONFLICT or attempt_no == tries:
                raise
