"""Connections: keyset pages with a total count, filtered, ordered, and scoped to what the viewer may see."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Generic, Optional, TypeVar

import strawberry
from strawberry import relay
from strawberry.types.nodes import SelectedField

from ...domain.errors import DomainError
from ...domain.message import Message
from ...domain.query import COUNT_CAP, DEFAULT_PAGE, MAX_PAGE, Filter, PageSpec
from ...domain.text import camel
from .cursors import seal, unseal
from .errors import BadInput
from .ids import decode

NodeType = TypeVar("NodeType")


@strawberry.enum(description="Sort direction.")
class OrderDirection(Enum):
    ASC = strawberry.enum_value("asc", description="Smallest, earliest or A first.")
    DESC = strawberry.enum_value("desc", description="Largest, latest or Z first.")


@strawberry.type(description="A page of a list, with its position and how many match in all.")
class Connection(relay.Connection[NodeType], Generic[NodeType]):
    count: strawberry.Private[Callable[[], int]]

    @strawberry.field(
        description=f"How many records match the filter, over all pages: exact up to {COUNT_CAP:,}. When more "
        f"match, it is {COUNT_CAP:,} and `totalCountCapped` is true (counting stops there, so a page of a "
        "list of millions costs what a page of a short one does)."
    )
    def total_count(self) -> int:
        return min(self.count(), COUNT_CAP)

    @strawberry.field(
        description=f"True when more than {COUNT_CAP:,} records match, so `totalCount` is a lower bound "
        f"(show it as “{COUNT_CAP:,}+”); false when `totalCount` is exact."
    )
    def total_count_capped(self) -> bool:
        return self.count() > COUNT_CAP


def list_key(repo: str, order_field: str, direction: OrderDirection) -> str:
    """What a connection's cursors are sealed to: the list and its ordering."""
    return f"{repo}:{order_field}:{direction.value}"


def plain(value) -> str:
    """A sort value as a client could have written it: an amount without the store's scale."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return "" if value is None else str(value)


def encode_cursor(key: str, value, ident: int) -> str:
    return seal(key, plain(value), ident)


def decode_cursor(key: str, cursor: str) -> tuple[str, int]:
    """(sort value as text, id) from a cursor of the list `key`; BAD_USER_INPUT otherwise."""
    position = unseal(key, cursor)
    if (
        len(position) != 2
        or not isinstance(position[0], str)
        or not isinstance(position[1], int)
        or isinstance(position[1], bool)
    ):
        raise BadInput(Message("`after` is not a cursor of this list"))
    return position[0], position[1]


def domain_filter(flt, *, statuses: bool = True) -> Filter:
    """The common filter input (status, owner, search, date ranges, references) as a domain Filter."""
    if flt is None:
        return Filter()
    get = lambda name: getattr(flt, name, None)  # noqa: E731
    try:
        refs = {
            "owner_id": decode(get("owner_id"), "User", "filter.ownerId"),
            "stage_id": decode(get("stage_id"), "Stage", "filter.stageId"),
            "account_id": decode(get("account_id"), "Account", "filter.accountId"),
            "opportunity_id": decode(get("opportunity_id"), "Opportunity", "filter.opportunityId"),
            "order_id": decode(get("order_id"), "Order", "filter.orderId"),
        }
    except DomainError as err:
        raise BadInput(err.text) from None
    for name in ("created_after", "created_before", "updated_after", "updated_before"):
        moment = get(name)
        if moment is None:
            continue
        if moment.utcoffset() is None:
            raise BadInput(
                Message(
                    "{field}: a date-time needs a time zone (e.g. 2026-11-22T10:30:00Z)", field=f"filter.{camel(name)}"
                )
            )
        try:
            moment.astimezone(UTC)
        except OverflowError:
            raise BadInput(Message("{field}: the date-time is out of range", field=f"filter.{camel(name)}")) from None
    try:
        return Filter(
            statuses=tuple(s.value for s in (get("status") or ())) if statuses else (),
            search=get("search") or None,
            created_after=get("created_after"),
            created_before=get("created_before"),
            updated_after=get("updated_after"),
            updated_before=get("updated_before"),
            **refs,
        )
    except DomainError as err:  # a search too long, or with a control character in it
        raise BadInput.of(err, ("filter",)) from None


#: What a connection can answer without reading the page's records.
_COUNT_ONLY = frozenset({"totalCount", "totalCountCapped", "__typename"})


def _reads_records(info) -> bool:
    """False when only the total is asked (`{ quotes { totalCount } }`): then the page need not be read."""
    return any(
        not isinstance(selection, SelectedField) or selection.name not in _COUNT_ONLY
        for field in info.selected_fields
        for selection in field.selections
    )


def page_request(
    ctx,
    repo: str,
    model: str,
    flt: Filter,
    order_field: str,
    direction: OrderDirection,
    first: Optional[int],
    after: Optional[str],
) -> tuple[PageSpec, str]:
    """The page of repo's records the viewer asks for and may read, checked, and its cursors' list key.

    FORBIDDEN if the role may not read them; BAD_USER_INPUT for a `first` out of range or a cursor of
    another list. A sales rep's documents are its own: its owner filter is forced to itself.
    """
    user = ctx.require("read", model)
    if first is None:
        first = DEFAULT_PAGE
    if first < 0 or first > MAX_PAGE:
        raise BadInput(Message("`first` must be between 0 and {most}", most=MAX_PAGE))
    if ctx.operation_context().owner_scoped and model not in ("account", "contact"):
        if flt.owner_id not in (None, user.id):
            flt = Filter(**{**flt.__dict__, "owner_id": -1})  # another rep's documents: none to see
        else:
            flt = Filter(**{**flt.__dict__, "owner_id": user.id})
    key = list_key(repo, order_field, direction)
    position = decode_cursor(key, after) if after else None
    spec = PageSpec(
        filter=flt, order_by=order_field, descending=direction == OrderDirection.DESC, after=position, limit=first
    )
    return spec, key


def page_of(info, repo: str, spec: PageSpec, key: str) -> Connection:
    """The page `spec` of repo's records (page_request checked it), its cursors sealed to `key`."""
    ctx = info.context
    store = getattr(ctx.loader.uow, repo)
    try:
        # Asked only for the total, it reads at most one record: the ordering and cursor are still checked
        rows, more = store.page(spec if _reads_records(info) else replace(spec, limit=0))
    except DomainError as err:  # a cursor or an ordering this list cannot use
        raise BadInput.of(err) from None
    ctx.loader.batch(rows)
    edges = [relay.Edge(cursor=encode_cursor(key, getattr(r, spec.order_by), r.id), node=r) for r in rows]
    return Connection(
        edges=edges,
        page_info=relay.PageInfo(
            has_next_page=more,
            has_previous_page=spec.after is not None,
            start_cursor=edges[0].cursor if edges else None,
            end_cursor=edges[-1].cursor if edges else None,
        ),
        count=cache(lambda: store.count(spec)),  # totalCount and totalCountCapped share one count
    )
