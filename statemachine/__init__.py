"""The lifecycles (one `transitions` machine per document) and the operations that fire them."""

from __future__ import annotations

from ..domain.base import Document
from . import invoice, lead, opportunity, order, quote
from .engine import Context, Lifecycle

#: document type -> its lifecycle (machine + guards), in the order the seed tells the story.
LIFECYCLES: dict[str, Lifecycle] = {
    "lead": lead.LIFECYCLE,
    "opportunity": opportunity.LIFECYCLE,
    "quote": quote.LIFECYCLE,
    "order": order.LIFECYCLE,
    "invoice": invoice.LIFECYCLE,
}


def available_actions(ctx: Context, doc: Document) -> list[str]:
    """What can be done to doc now, by its lifecycle's guards (no side effects)."""
    return LIFECYCLES[doc.kind_name].allowed(doc, ctx)
