"""`documentEvents`: every committed transition, as it commits, to whoever may see the document."""
from __future__ import annotations

import asyncio
import base64
import copy
import logging
from datetime import datetime
from enum import Enum
from typing import AsyncGenerator, Optional

import strawberry

from ...domain.activity import Activity
from ..core.documents import Document
from ...domain.query import MAX_ID, MAX_PAGE
from ..core.ids import global_id
from ..core.pages import BadInput
from ..parties.types import User

log = logging.getLogger("salesflow.errors")

#: document type -> (GraphQL type name, repository)
DOCUMENTS = {"lead": ("Lead", "leads"), "opportunity": ("Opportunity", "opportunities"),
             "quote": ("Quote", "quotes"), "order": ("Order", "orders"), "invoice": ("Invoice", "invoices")}


@strawberry.enum
class DocumentType(Enum):
    LEAD = "lead"
    OPPORTUNITY = "opportunity"
    QUOTE = "quote"
    ORDER = "order"
    INVOICE = "invoice"


@strawberry.type(description="One committed transition of a document.")
class DocumentEvent:
    """Its root is the transition's Activity, with the document it moved attached as `doc`."""

    trigger: str
    from_state: Optional[str]
    to_state: str
    reason: Optional[str]
    at: datetime

    @strawberry.field(description="Increases with every event: the order transitions committed in.")
    def sequence(self) -> int:
        return self.id

    @strawberry.field
    def document_type(self) -> DocumentType:
        return DocumentType(self.document_type)

    @strawberry.field
    def document_id(self) -> strawberry.ID:
        return strawberry.ID(global_id(DOCUMENTS[self.document_type][0], self.document_id))

    @strawberry.field
    def actor(self, info: strawberry.Info) -> Optional[User]:
        if self.actor_id is None or not info.context.may("read", "user"):
            return None
        return info.context.loader.get("users", self.actor_id)

    @strawberry.field(description="The document as it is now.")
    def document(self) -> Document:
        return self.doc


def _visible(ctx, activity: Activity):
    """The event's document if the subscriber may see it (role and owner rules), else None."""
    doc = ctx.loader.get(DOCUMENTS[activity.document_type][1], activity.document_id)
    return doc if doc is not None and ctx.sees(doc) else None


@strawberry.type
class Subscription:
    @strawberry.subscription(description="Transitions of the given document types (all if omitted) as they commit.")
    async def document_events(self, info: strawberry.Info, types: Optional[list[DocumentType]] = None
                              ) -> AsyncGenerator[DocumentEvent, None]:
        ctx = info.context
        ctx.viewer  # noqa: B018 - unauthenticated subscribers are refused here
        wanted = {t.value for t in types} if types else set(DOCUMENTS)
        async with ctx.broker.subscribe() as queue:
            while True:
                activity: Activity = await queue.get()
                kind = activity.document_type
                if kind not in wanted or not ctx.may("read", kind):
                    continue
                # Each event is read in its own short transaction, closed before the next wait.
                loader, token = ctx.scoped_loader()
                try:
                    doc = await asyncio.to_thread(_visible, ctx, activity)
                    # A revoked connection forgets its user (gateway/sessions.py) before any event
                    # committed after the revocation is queued: none of those is ever yielded.
                    if doc is not None and ctx.user is not None:
                        event = copy.copy(activity)  # the broker hands the same row to every subscriber
                        event.doc = doc
                        yield event
                except Exception:  # noqa: BLE001 - one bad event must not end the subscription
                    log.exception("documentEvents: event %s skipped", activity.id)
                finally:
                    ctx.end_scope(loader, token)


@strawberry.type(description="A page of the change feed.")
class Changes:
    events: list[DocumentEvent]
    end_cursor: Optional[str] = strawberry.field(description="Pass as `after` to resume; unchanged when nothing new.")
    has_more: bool


def _position(cursor: Optional[str]) -> tuple[int, int]:
    if not cursor:
        return (0, 0)
    try:
        tx, _, ident = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        position = (int(tx), int(ident))
        if min(position) < 0 or max(position) > MAX_ID:
            raise ValueError
        return position
    except (ValueError, UnicodeError):
        raise BadInput("`after` is not a cursor of the change feed") from None


def _cursor(position: tuple[int, int]) -> str:
    return base64.urlsafe_b64encode(f"{position[0]}:{position[1]}".encode()).decode()


def changes(info: strawberry.Info, after: Optional[str] = None, first: int = 100,
            types: Optional[list[DocumentType]] = None) -> Changes:
    """Committed transitions in commit order, gap-free, from a resumable cursor."""
    ctx = info.context
    ctx.require("read", "activity")
    if not 0 <= first <= MAX_PAGE:
        raise BadInput(f"`first` must be between 0 and {MAX_PAGE}")
    kinds = tuple(t.value for t in types) if types else tuple(DOCUMENTS)
    kinds = tuple(k for k in kinds if ctx.may("read", k))
    position = _position(after)
    rows = ctx.loader.uow.activities.committed_after(position, first, kinds) if kinds and first else []
    wanted: dict[str, list[int]] = {}
    for _pos, activity in rows:
        wanted.setdefault(activity.document_type, []).append(activity.document_id)
    docs = {(kind, doc.id): doc for kind, ids in wanted.items()
            for doc in ctx.loader.get_many(DOCUMENTS[kind][1], list(dict.fromkeys(ids))) if doc is not None}
    events = []
    for _pos, activity in rows:
        doc = docs.get((activity.document_type, activity.document_id))
        if doc is not None and ctx.sees(doc):
            activity.doc = doc
            events.append(activity)
    end = rows[-1][0] if rows else position
    return Changes(events=events, end_cursor=_cursor(end) if rows or after else None, has_more=len(rows) == first)
