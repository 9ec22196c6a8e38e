"""What a read asks of the store, as data: records, the fields to show of each, and how they relate.

The schema turns a GraphQL root field's selection into one of these trees (schema/compiled/); the
store answers it with one statement that builds the JSON itself (adapters/sql/compiler.py). Every
value a client sent travels as data here (a PageSpec, an id, a count), never as text of a query.

A tree is hashable and equal by value, so the statement built for it can be cached; `Shape`s
name domain classes, and fields name their attributes: the store knows where those live.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from enum import Enum

from .query import PageSpec


def global_id(type_name: str, ident: int) -> str:
    """A record's opaque global id: base64("Type:id"), as strawberry's GlobalID writes it."""
    return base64.b64encode(f"{type_name}:{ident}".encode()).decode()


class Show(Enum):
    """How a column's value is written in the answer."""

    TEXT = "text"  # a string, as stored
    NUMBER = "number"  # an integer
    BOOLEAN = "boolean"
    ENUM = "enum"  # the stored value's name in the schema's enum (Field.names)
    DATE = "date"  # ISO 8601
    DATETIME = "datetime"  # ISO 8601 in UTC, as Python's isoformat writes it
    MONEY = "money"  # a Decimal string at the currency's precision (half-up); Field.currency names the column
    REPORTED = "reported"  # money someone else reported: at the currency's precision unless it has more digits
    QUANTITY = "quantity"  # a Decimal string without the storage scale's trailing zeros
    GLOBAL_ID = "global_id"  # base64("Type:id"); Field.type_name is the Type
    TRANSLATED = "translated"  # a text, or its translation where Field.names has one ((stored, shown) pairs)
    COMPUTED = "computed"  # a value Python computes (type_name.column is the GraphQL field): see COMPUTED_KEY
    CONSTANT = "constant"  # Field.value, whatever the row (__typename)
    NULL = "null"  # null, whatever the row (a relation the viewer may not read)


@dataclass(frozen=True)
class Field:
    """One key of an object: a column shown a certain way."""

    key: str
    show: Show
    column: str | None = None
    currency: str | None = None  # MONEY, REPORTED: the currency column, of this record or (lines) of its document
    type_name: str | None = None  # GLOBAL_ID
    value: str | None = None  # CONSTANT
    names: tuple[tuple[str, str], ...] = ()  # ENUM: (stored value, name); TRANSLATED: (stored, shown) pairs


@dataclass(frozen=True)
class Owned:
    """The owner rule for an owner-scoped viewer: only documents it owns, directly or (deliveries,
    payments) through the document they belong to."""

    owner_id: int
    via: tuple[type, str] | None = None  # (the document's class, the column pointing at it)


@dataclass(frozen=True)
class Shape:
    """The object a record becomes: its keys, in the order asked."""

    record: type  # the domain class
    fields: tuple[Field | Ref | Children | Lines, ...]
    owned: Owned | None = None  # records the viewer may not see are left out (lists) or null (references)


@dataclass(frozen=True)
class Ref:
    """A record this one points at (a column holding its id); null if none or not visible."""

    key: str
    column: str
    shape: Shape


@dataclass(frozen=True)
class Children:
    """The records pointing at this one (their `column` holds its id), oldest first, at most `first`."""

    key: str
    column: str
    shape: Shape
    first: int
    equals: tuple[tuple[str, object], ...] = ()  # more columns the children must have these values in


@dataclass(frozen=True)
class Lines:
    """A document's lines, in their order; their money in the document's currency."""

    key: str
    shape: Shape


class Edge(Enum):
    """What an edge or a page's info can hold besides its node."""

    CURSOR = "cursor"
    TYPENAME = "__typename"
    HAS_NEXT_PAGE = "hasNextPage"
    HAS_PREVIOUS_PAGE = "hasPreviousPage"
    START_CURSOR = "startCursor"
    END_CURSOR = "endCursor"
    TOTAL_COUNT = "totalCount"  # exact up to COUNT_CAP, then COUNT_CAP
    TOTAL_COUNT_CAPPED = "totalCountCapped"  # more than COUNT_CAP match


@dataclass(frozen=True)
class Part:
    """One key of a connection, an edge or a page info: a value of the page (Edge), or an object made
    of parts (`parts`), or the edges (`shape` set for their nodes, `parts` for the edge's own keys)."""

    key: str
    what: Edge | str  # an Edge, or "edges", "node", "pageInfo", "object"
    parts: tuple[Part, ...] = ()
    shape: Shape | None = None
    value: str | None = None  # a TYPENAME's type name


@dataclass(frozen=True)
class Page:
    """A connection: one keyset page of a list, and what the client asked of it."""

    record: type
    spec: PageSpec
    parts: tuple[Part, ...]


@dataclass(frozen=True)
class ById:
    """Records by id, in the order asked (`node`: one, `nodes`: a list); null where none is visible."""

    wanted: tuple[tuple[type, int, Shape] | None, ...]
    single: bool


Read = Page | ById

#: What marks a cursor in an answer: the store writes `{"<CURSOR_KEY>": ["<sort value>", <id>]}` where
#: a cursor goes, and the schema seals it (the store cannot: the seal is a digest only Python computes).
CURSOR_KEY = "$cursor"
#: What marks a computed value: `{"<COMPUTED_KEY>": ["<Type>.<field>", <record id>]}`; the schema puts
#: the value its resolver gives there (schema/compiled/execution.py).
COMPUTED_KEY = "$computed"
