"""How much a list can return: the arguments that bound it, and every list field's cap in one table.

Top-level lists are connections (`first` defaults to DEFAULT_PAGE, at most MAX_PAGE). A list inside a
document (its history, an opportunity's quotes, an order's invoices …) can grow without bound too,
so it takes `first`, defaulting to and at most MAX_CHILDREN; history also takes `after`. The query-cost
limits read a list's `first` (as sent, or its default) and, for a list without `first`, LIST_CAPS.
"""
from __future__ import annotations

from typing import Annotated, Optional

import strawberry

from ...domain.query import DEFAULT_PAGE, MAX_CHILDREN, MAX_PAGE
from .errors import BadInput

#: "Type.field" -> the most items one such list returns. A list with a `first` argument has its cap
#: here (and as `first`'s maximum); None marks a list bounded only by its document's own data: lines
#: (there is no MAX_LINES yet) and the records of a fixed setup (stages, permissions). A connection's
#: `edges` and the feed's `events` are bounded by the `first` of the Query field that returns them;
#: a payload's `errors` by PAYLOAD_ERRORS.
LIST_CAPS: dict[str, int | None] = {
    # connections and feeds: `first` (default DEFAULT_PAGE, at most MAX_PAGE); nodes: at most MAX_PAGE ids
    **{f"Query.{name}": MAX_PAGE for name in ("leads", "accounts", "contacts", "opportunities", "quotes", "orders",
                                               "invoices", "rejectedPayments", "changes", "nodes")},
    # lists inside a document: `first` (default and at most MAX_CHILDREN)
    **{f"{kind}.history": MAX_CHILDREN for kind in ("Document", "Lead", "Opportunity", "Quote", "Order", "Invoice")},
    "Account.contacts": MAX_CHILDREN,
    "Account.opportunities": MAX_CHILDREN,
    "Opportunity.quotes": MAX_CHILDREN,
    "Opportunity.orders": MAX_CHILDREN,
    "Order.deliveries": MAX_CHILDREN,
    "Order.invoices": MAX_CHILDREN,
    "Invoice.payments": MAX_CHILDREN,
    "Invoice.sync": MAX_CHILDREN,
    "User.tokens": MAX_CHILDREN,
    # bounded by the document: its lines (no `first`)
    "Quote.lines": None,
    "Order.lines": None,
    "Invoice.lines": None,
    "Delivery.lines": None,
    # bounded by the setup or by the request itself
    "Query.stages": None,
    "Query.pipeline": None,
    "PipelineStage.amounts": None,
    "Viewer.permissions": None,
    "ConvertLeadPayload.duplicates": None,
    "ReorderStagesPayload.stages": None,
}

#: Every mutation payload's `errors` holds at most this many UserErrors (a mutation stops at its first).
PAYLOAD_ERRORS = 1

PageFirst = Annotated[Optional[int], strawberry.argument(
    description=f"How many records to return: at most {MAX_PAGE}; {DEFAULT_PAGE} if omitted or null.")]
After = Annotated[Optional[str], strawberry.argument(
    description="Return the records after this cursor: an `endCursor` (or an edge's `cursor`) of this same list "
                "and ordering, as it was given. Omit it for the first page.")]
ChildFirst = Annotated[Optional[int], strawberry.argument(
    description=f"How many to return, oldest first: at most {MAX_CHILDREN}, which is also the default.")]


def child_first(first: int | None) -> int:
    """The `first` of a list inside a document, checked; BAD_USER_INPUT if out of range."""
    if first is None:
        return MAX_CHILDREN
    if not 0 <= first <= MAX_CHILDREN:
        raise BadInput(f"`first` must be between 0 and {MAX_CHILDREN}")
    return first
