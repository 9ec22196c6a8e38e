"""What a field compiles to, said where the field is declared (schema/core/fields.py puts these in
each field's metadata), so a field and its SQL cannot tell two stories.

A field without a rule compiles only if it is a plain column of its record (no resolver, a scalar or
enum type, its name a column of the table); any other field is computed in Python, and a root field
whose selection reaches one is answered by the resolvers instead (schema/compiled/execution.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

#: The metadata key of a field's rule.
RULE = "salesflow.compiled"


@dataclass(frozen=True)
class Money:
    """An amount at its currency's precision (`reported`: unless it has more digits)."""

    column: str
    reported: bool = False


@dataclass(frozen=True)
class Quantity:
    """A quantity, price or rate without trailing zeros."""

    column: str


@dataclass(frozen=True)
class Translated:
    """A text shown in the viewer's language where `shown(language)` has it ((stored, shown) pairs),
    else as stored."""

    column: str
    shown: Callable[[str], tuple[tuple[str, str], ...]]


@dataclass(frozen=True)
class LineId:
    """A line's global id, of this type name."""

    type_name: str


@dataclass(frozen=True)
class ToOne:
    """The record a column points at, in `repo`, if the viewer may read `model` and see it."""

    column: str
    repo: str
    model: str


@dataclass(frozen=True)
class ToMany:
    """The records of `repo` whose `column` points at this one, oldest first, at most `first`."""

    repo: str
    column: str
    model: str


@dataclass(frozen=True)
class DocumentLines:
    """A document's lines, in their order."""


@dataclass(frozen=True)
class Listing:
    """A root connection: `request(ctx, **arguments)` gives its (PageSpec, list key), checked as its
    resolver checks them (FORBIDDEN, BAD_USER_INPUT)."""

    request: Callable


@dataclass(frozen=True)
class ByIds:
    """`node` (single) or `nodes`."""

    single: bool
