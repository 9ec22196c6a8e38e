"""The fields every document has: version, stamps, owner, availableActions and history."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Optional

import strawberry
from strawberry import relay

from ...statemachine import LIFECYCLES
from ...statemachine.order import manual_invoice_refusal
from .actions import ACTIONS, EXTRA

if TYPE_CHECKING:
    from ..parties.types import User

UserRef = Annotated["User", strawberry.lazy("salesflow.schema.parties.types")]


_CONDITIONS = {"": lambda doc: True, "invoiceable": lambda doc: manual_invoice_refusal(doc) is None}


def available_actions(info, doc) -> list[str]:
    ctx = info.context
    kind = doc.kind_name
    if not ctx.sees(doc):
        return []
    names = []
    table = ACTIONS[kind]
    for trigger in LIFECYCLES[kind].allowed(doc, ctx.operation_context()):
        entry = table.get(trigger)
        if entry and ctx.may(entry[1], entry[2]):
            names.append(entry[0])
    for name, states, perm, model, condition in EXTRA[kind]:
        if doc.status in states and ctx.may(perm, model) and _CONDITIONS[condition](doc):
            names.append(name)
    return list(dict.fromkeys(names))


@strawberry.type(description="One transition of a document: who, when, what, from which state to which.")
class HistoryEntry:
    at: datetime
    trigger: str
    from_state: Optional[str]
    to_state: str
    reason: Optional[str]

    @strawberry.field
    def actor(self, info: strawberry.Info) -> Optional[UserRef]:
        return info.context.loader.ref(self, "actor_id", "users") if info.context.may("read", "user") else None


def history(info, doc) -> list[HistoryEntry]:
    ctx = info.context
    ctx.require("read", "activity")
    return [a for a in ctx.loader.children(doc, "activities", "document_id")
            if a.document_type == doc.kind_name]


@strawberry.interface(description="A sales document: it has an owner, a lifecycle and a version.")
class Document(relay.Node):
    version: int = strawberry.field(description="Pass it back as expectedVersion to detect concurrent edits.")
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description="Mutations the viewer may call on this document now.")
    def available_actions(self, info: strawberry.Info) -> list[str]:
        return available_actions(info, self)

    @strawberry.field(description="Every transition, oldest first.")
    def history(self, info: strawberry.Info) -> list[HistoryEntry]:
        return history(info, self)

    @strawberry.field
    def owner(self, info: strawberry.Info) -> Optional[UserRef]:
        return info.context.loader.ref(self, "owner_id", "users") if info.context.may("read", "user") else None
