"""The fields every document has: version, stamps, owner, availableActions and history."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Optional

import strawberry
from strawberry import relay

from ...domain.message import Message
from ...domain.query import DEFAULT_PAGE
from ...statemachine import LIFECYCLES
from ...statemachine.order import manual_invoice_refusal
from .actions import ACTIONS, EXTRA
from .cursors import seal, unseal
from .errors import BadInput
from .fields import ref_field
from .lists import ChildFirst, child_first

if TYPE_CHECKING:
    from ..parties.types import User

UserRef = Annotated["User", strawberry.lazy("salesflow.schema.parties.types")]
HistoryAfter = Annotated[
    Optional[str],
    strawberry.argument(
        description="Return the entries after this one: the `cursor` of an entry of this same document's history."
    ),
]


_CONDITIONS = {"": lambda doc: True, "invoiceable": lambda doc: manual_invoice_refusal(doc) is None}

NOT_A_HISTORY_CURSOR = Message("`after` is not a cursor of this history")


def available_actions(info, doc) -> list[str]:
    ctx = info.context
    kind = doc.kind_name
    if not ctx.sees(doc):
        return []
    names = []
    table = ACTIONS[kind]
    for trigger in LIFECYCLES[kind].allowed(doc, ctx.operation_context()):
        name = table.get(trigger)
        if name and ctx.may_run(name):
            names.append(name)
    for name, states, condition in EXTRA[kind]:
        if doc.status in states and ctx.may_run(name) and _CONDITIONS[condition](doc):
            names.append(name)
    return list(dict.fromkeys(names))


def history_key(kind: str, ident: int) -> str:
    """What a history cursor is sealed to: one document's history."""
    return f"history:{kind}:{ident}"


@strawberry.type(description="One transition of a document: who, when, what, from which state to which.")
class HistoryEntry:
    at: datetime = strawberry.field(description="When it was committed (ISO 8601, UTC).")
    trigger: str = strawberry.field(
        description="What happened, as the lifecycle names it: `create`, `send`, `revise`, `deliver`, `pay` …"
    )
    from_state: Optional[str] = strawberry.field(
        description="The state before, as its lowercase value (`sent`); null for the creation."
    )
    to_state: str = strawberry.field(description="The state after, as its lowercase value (`accepted`).")
    reason: Optional[str] = strawberry.field(
        description="The reason given (disqualifying, losing, voiding, canceling); null if none was needed."
    )

    @strawberry.field(
        description="Who did it; null for the system (the sync worker) or if the viewer's role may not read users."
    )
    def actor(self, info: strawberry.Info) -> Optional[UserRef]:
        return info.context.loader.ref(self, "actor_id", "users") if info.context.may("read", "user") else None

    @strawberry.field(description="Pass it as `history(after:)` to read the entries after this one.")
    def cursor(self) -> str:
        return seal(history_key(self.document_type, self.document_id), self.id)


def history(info, doc, first: int | None, after: str | None) -> list[HistoryEntry]:
    ctx = info.context
    ctx.require("read", "activity")
    position = None
    if after is not None:
        found = unseal(history_key(doc.kind_name, doc.id), after, NOT_A_HISTORY_CURSOR)
        if len(found) != 1 or not isinstance(found[0], int) or isinstance(found[0], bool):
            raise BadInput(NOT_A_HISTORY_CURSOR)
        position = found[0]
    return ctx.loader.children(
        doc, "activities", "document_id", first=child_first(first), after=position, document_type=doc.kind_name
    )


def _actions(root, info: strawberry.Info) -> list[str]:
    return available_actions(info, root)


def _history(
    root, info: strawberry.Info, first: ChildFirst = DEFAULT_PAGE, after: HistoryAfter = None
) -> list[HistoryEntry]:
    return history(info, root, first, after)


@strawberry.interface(
    description="A sales document (lead, opportunity, quote, order, invoice): it has an owner, "
    "a lifecycle, a version and a history."
)
class Document(relay.Node):
    version: int = strawberry.field(
        description="Goes up by one with every change. Pass the one you read as "
        "`expectedVersion` to be told (CONFLICT) if someone changed it since."
    )
    created_at: datetime = strawberry.field(description="When it was created (ISO 8601, UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (ISO 8601, UTC).")

    available_actions: list[str] = strawberry.field(
        resolver=_actions,
        description="The mutations the viewer may call on this document now, by name "
        "(`sendQuote`, `convertQuoteToOrder` …): its state, its guards and the "
        "viewer's role allow them. Empty for a document the viewer may only read.",
    )
    history: list[HistoryEntry] = strawberry.field(
        resolver=_history,
        description="Its transitions, oldest first, from its creation; at most `first` of them. "
        "To read on, pass the last entry's `cursor` as `after`. Needs `read` on "
        "activity.",
    )
    owner: Optional[UserRef] = ref_field(
        "owner_id",
        "users",
        "user",
        "The user responsible for it (a sales rep sees only its own documents); null "
        "if the viewer's role may not read users.",
    )
