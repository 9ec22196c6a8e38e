"""`documentEvents`: every committed transition, as it commits, to whoever may see the document."""

from __future__ import annotations

import base64
import copy
import logging
from collections.abc import AsyncGenerator
from datetime import datetime
from enum import Enum
from functools import partial
from typing import Annotated, Optional

import strawberry

from ...domain.activity import Activity
from ...domain.message import Message
from ...domain.query import MAX_ID, MAX_PAGE
from ..core.blocking import EventTurn
from ..core.documents import Document
from ..core.ids import global_id
from ..core.pages import BadInput
from ..parties.types import User

log = logging.getLogger("salesflow.errors")

#: document type -> (GraphQL type name, repository)
DOCUMENTS = {
    "lead": ("Lead", "leads"),
    "opportunity": ("Opportunity", "opportunities"),
    "quote": ("Quote", "quotes"),
    "order": ("Order", "orders"),
    "invoice": ("Invoice", "invoices"),
}


@strawberry.enum(description="A kind of sales document.")
class DocumentType(Enum):
    LEAD = strawberry.enum_value("lead", description="A Lead.")
    OPPORTUNITY = strawberry.enum_value("opportunity", description="An Opportunity.")
    QUOTE = strawberry.enum_value("quote", description="A Quote.")
    ORDER = strawberry.enum_value("order", description="An Order.")
    INVOICE = strawberry.enum_value("invoice", description="An Invoice.")


@strawberry.type(description="One committed transition of a document.")
class DocumentEvent:
    """Its root is the transition's Activity, with the document it moved attached as `doc`."""

    trigger: str = strawberry.field(
        description="What happened, as the lifecycle names it: `create`, `send`, `deliver`, `pay` …"
    )
    from_state: Optional[str] = strawberry.field(
        description="The state before, as its lowercase value (`draft`); null for a creation."
    )
    to_state: str = strawberry.field(description="The state after, as its lowercase value (`sent`).")
    reason: Optional[str] = strawberry.field(description="The reason given, if the transition took one.")
    at: datetime = strawberry.field(description="When it was committed (ISO 8601, UTC).")

    @strawberry.field(description="Increases with every event: the order transitions committed in.")
    def sequence(self) -> int:
        return self.id

    @strawberry.field(description="What kind of document moved.")
    def document_type(self) -> DocumentType:
        return DocumentType(self.document_type)

    @strawberry.field(description="The global id of the document that moved.")
    def document_id(self) -> strawberry.ID:
        return strawberry.ID(global_id(DOCUMENTS[self.document_type][0], self.document_id))

    @strawberry.field(description="Who did it; null for the system, or if the viewer's role may not read users.")
    def actor(self, info: strawberry.Info) -> Optional[User]:
        if self.actor_id is None or not info.context.may("read", "user"):
            return None
        return info.context.loader.get("users", self.actor_id)

    @strawberry.field(
        description="The document as it is now (select its fields with `... on Quote { … }`; alias "
        "fields whose types differ between documents, such as `status`)."
    )
    def document(self) -> Document:
        return self.doc


ChangesAfter = Annotated[
    Optional[str],
    strawberry.argument(
        description="Resume after this position: the `endCursor` of an earlier page; from the beginning if omitted."
    ),
]
ChangesFirst = Annotated[int, strawberry.argument(description=f"How many transitions to read, at most {MAX_PAGE}.")]
EventTypes = Annotated[
    Optional[list[DocumentType]],
    strawberry.argument(
        description="Only transitions of these kinds of document; all kinds the viewer may read if omitted."
    ),
]


def _visible(ctx, activity: Activity):
    """The event's document if the subscriber may see it (role and owner rules), else None (and the
    event's read transaction ends here, in the worker thread)."""
    doc = ctx.loader.get(DOCUMENTS[activity.document_type][1], activity.document_id)
    if doc is not None and ctx.sees(doc):
        return doc
    ctx.loader.close()
    return None


@strawberry.type(description="Live updates over WebSocket (graphql-transport-ws).")
class Subscription:
    @strawberry.subscription(
        description="Every transition of the given document types as it commits (never one "
        "that rolled back), for the documents the subscriber may see. Over "
        "WebSocket (graphql-transport-ws), the token in `connection_init`."
    )
    async def document_events(
        self, info: strawberry.Info, types: EventTypes = None
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
                # Each event is read, and then resolved for this subscriber, in worker threads, in
                # a transaction of its own that ends with the resolution (core/blocking.py).
                loader, token = ctx.scoped_loader()
                try:
                    async with EventTurn(close=loader.close) as turn:
                        doc = await turn.read(partial(_visible, ctx, activity))
                        # A revoked connection forgets its user (gateway/sessions.py) before any event
                        # committed after the revocation is queued: none of those is ever yielded.
                        if doc is not None and ctx.user is not None:
                            event = copy.copy(activity)  # the broker hands the same row to every subscriber
                            event.doc = doc
                            yield event  # graphql-core resolves the subscriber's selection in the turn
                except Exception:  # noqa: BLE001 - one bad event must not end the subscription
                    log.exception("documentEvents: event %s skipped", activity.id)
                finally:
                    ctx.end_scope(loader, token)


@strawberry.type(description="A page of the change feed.")
class Changes:
    events: list[DocumentEvent] = strawberry.field(
        description="The transitions after `after`, in commit order, of the documents the viewer may see."
    )
    end_cursor: Optional[str] = strawberry.field(
        description="Pass as `after` to resume; unchanged when nothing new; null on a first call that found nothing."
    )
    has_more: bool = strawberry.field(description="True if the page is full: ask again with endCursor at once.")


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
        raise BadInput(Message("`after` is not a cursor of the change feed")) from None


def _cursor(position: tuple[int, int]) -> str:
    return base64.urlsafe_b64encode(f"{position[0]}:{position[1]}".encode()).decode()


def changes(
    info: strawberry.Info, after: ChangesAfter = None, first: ChangesFirst = MAX_PAGE, types: EventTypes = None
) -> Changes:
    """Committed transitions in commit order, gap-free, from a resumable cursor."""
    ctx = info.context
    ctx.require("read", "activity")
    if not 0 <= first <= MAX_PAGE:
        raise BadInput(Message("`first` must be between 0 and {most}", most=MAX_PAGE))
    kinds = tuple(t.value for t in types) if types else tuple(DOCUMENTS)
    kinds = tuple(k for k in kinds if ctx.may("read", k))
    position = _position(after)
    rows = ctx.loader.uow.activities.committed_after(position, first, kinds) if kinds and first else []
    wanted: dict[str, list[int]] = {}
    for _pos, activity in rows:
        wanted.setdefault(activity.document_type, []).append(activity.document_id)
    docs = {
        (kind, doc.id): doc
        for kind, ids in wanted.items()
        for doc in ctx.loader.get_many(DOCUMENTS[kind][1], list(dict.fromkeys(ids)))
        if doc is not None
    }
    events = []
    for _pos, activity in rows:
        doc = docs.get((activity.document_type, activity.document_id))
        if doc is not None and ctx.sees(doc):
            activity.doc = doc
            events.append(activity)
    end = rows[-1][0] if rows else position
    return Changes(events=events, end_cursor=_cursor(end) if rows or after else None, has_more=len(rows) == first)
