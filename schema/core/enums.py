"""GraphQL enums over the domain's StrEnums, each value described by the domain's own words.

The descriptions are data kept beside what they describe (a lifecycle's `meanings`, the error codes'
`MEANINGS`); this only hands them to strawberry, so the SDL and the code cannot tell two stories.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import Enum
from typing import TypeVar

import strawberry
from strawberry.types.enum import has_enum_definition

E = TypeVar("E", bound=type[Enum])


def described_enum(cls: E, name: str, description: str, meanings: Mapping[str, str]) -> E:
    """strawberry.enum(cls) with every value described from `meanings` (each value must have one)."""
    strawberry.enum(cls, name=name, description=description)
    assert has_enum_definition(cls)
    for value in cls.__strawberry_definition__.values:
        value.description = meanings[value.value]  # KeyError: a value without a meaning
    return cls
