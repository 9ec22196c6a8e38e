"""How much a list can return: the arguments that bound it, and every list field's cap in one table.

Top-level lists are connections (`first` defaults to DEFAULT_PAGE, at most MAX_PAGE). A list inside a
document (its history, an opportunity's quotes, an order's invoices …) can grow without bound too,
so it takes `first`, at most MAX_CHILDREN and DEFAULT_PAGE if omitted, as a connection's; history
also takes `after`. The query-cost
limits read a list's `first` (as sent, or its default) and, for a list without `first`, LIST_CAPS.
"""

from __future__ import annotations

from typing import Annotated, Optional

import strawberry

from ...domain.access import default_policy
from ...domain.lines import MAX_LINES
from ...domain.message import Message
from ...domain.opportunity import MAX_STAGES
from ...domain.query import DEFAULT_PAGE, MAX_CHILDREN, MAX_PAGE
from ...statemachine.lead import MAX_DUPLICATES
from .actions import ACTIONS, EXTRA
from .errors import BadInput

#: The deepest input path a UserError names (`lines.3.description` is 3 deep).
MAX_FIELD_PATH = 10


def _actions(kind: str) -> int:
    """The most mutation names a document's availableActions can list: its triggers and its extras."""
    return len(ACTIONS[kind]) + len(EXTRA[kind])


#: "Type.field" -> the most items one such list returns, for every list of the schema: what the
#: query-cost limit multiplies by (schema/core/cost.py) and what `first` may ask for. A list with a
#: `first` argument has its cap here (and as `first`'s maximum); the others are bounded by the data:
#: a document's lines (MAX_LINES), the active stages (MAX_STAGES), the currencies CLDR knows, the
#: models and operations of security/, a lifecycle's actions. A connection's `edges` and the feed's
#: `events` are bounded by the `first` of the Query field that returns them; a payload's `errors` by
#: PAYLOAD_ERRORS.
LIST_CAPS: dict[str, int] = {
    # connections and feeds: `first` (default DEFAULT_PAGE, at most MAX_PAGE); nodes: at most MAX_PAGE ids
    **{
        f"Query.{name}": MAX_PAGE
        for name in (
            "leads",
            "accounts",
            "contacts",
            "opportunities",
            "quotes",
            "orders",
            "invoices",
            "rejectedPayments",
            "users",
            "changes",
            "nodes",
        )
    },
    # lists inside a document: `first` (at most MAX_CHILDREN, DEFAULT_PAGE if omitted)
    **{f"{kind}.history": MAX_CHILDREN for kind in ("Document", "Lead", "Opportunity", "Quote", "Order", "Invoice")},
    "Account.contacts": MAX_CHILDREN,
    "Account.opportunities": MAX_CHILDREN,
    "Opportunity.quotes": MAX_CHILDREN,
    "Opportunity.orders": MAX_CHILDREN,
    "Order.deliveries": MAX_CHILDREN,
    "Order.invoices": MAX_CHILDREN,
    "Invoice.payments": MAX_CHILDREN,
    "Invoice.sync": MAX_CHILDREN,
    "Quote.mails": MAX_CHILDREN,
    "Invoice.mails": MAX_CHILDREN,
    "User.tokens": MAX_CHILDREN,
    # bounded by the document: its lines (no `first`)
    **{f"{kind}.lines": MAX_LINES for kind in ("Quote", "Order", "Invoice", "Delivery")},
    # bounded by the setup
    "Query.stages": MAX_STAGES,
    "Query.pipeline": MAX_STAGES,
    "ReorderStagesPayload.stages": MAX_STAGES,
    # one per currency of the stage's opportunities, at most `first` (as a document's child lists): a
    # query is priced for the page it asks for, not for every currency CLDR knows on every stage
    "PipelineStage.amounts": MAX_CHILDREN,
    "Viewer.permissions": len({model for (_role, _perm, model) in default_policy().grants}),
    "Viewer.operations": len({operation for (_role, operation) in default_policy().runs}),
    **{f"{kind.capitalize()}.availableActions": _actions(kind) for kind in ACTIONS},
    "Document.availableActions": max(_actions(kind) for kind in ACTIONS),
    # bounded by the request itself
    "ConvertLeadPayload.duplicates": MAX_DUPLICATES,
    "UserError.field": MAX_FIELD_PATH,
}

#: Every mutation payload's `errors` holds at most this many UserErrors (a mutation stops at its first).
PAYLOAD_ERRORS = 1

PageFirst = Annotated[
    Optional[int],
    strawberry.argument(
        description=f"How many records to return: at most {MAX_PAGE}; {DEFAULT_PAGE} if omitted or null."
    ),
]
After = Annotated[
    Optional[str],
    strawberry.argument(
        description="Return the records after this cursor: an `endCursor` (or an edge's `cursor`) of this same list "
        "and ordering, as it was given. Omit it for the first page."
    ),
]
ChildFirst = Annotated[
    Optional[int],
    strawberry.argument(
        description=f"How many to return, oldest first: at most {MAX_CHILDREN}; {DEFAULT_PAGE} if omitted or null."
    ),
]


CurrenciesFirst = Annotated[
    Optional[int],
    strawberry.argument(
        description=f"How many currencies to return, by code: at most {MAX_CHILDREN}; {DEFAULT_PAGE} if omitted or null."
    ),
]


def child_first(first: int | None) -> int:
    """The `first` of a list inside a document, checked; BAD_USER_INPUT if out of range."""
    if first is None:
        return DEFAULT_PAGE
    if not 0 <= first <= MAX_CHILDREN:
        raise BadInput(Message("`first` must be between 0 and {most}", most=MAX_CHILDREN))
    return first
