"""The `users` list: who may sign in, with which role (their tokens are on each user, for admins)."""

from __future__ import annotations

from typing import Annotated, Optional

import strawberry

from ...domain.errors import DomainError
from ...domain.query import DEFAULT_PAGE, Filter
from ...domain.text import check_text
from ...statemachine.users import check_role
from ..compiled import rules
from ..core.lists import After, PageFirst
from ..core.pages import BadInput, Connection, OrderDirection, page_of, page_request
from ..parties.types import User
from .inputs import UserFilter


def _filter(flt: Optional[UserFilter]) -> Filter:
    if flt is None:
        return Filter()
    try:
        if flt.role is not None:
            check_text(flt.role, "role")
            check_role(flt.role)
        return Filter(search=flt.search or None, role=flt.role, active=flt.active)
    except DomainError as err:
        raise BadInput.of(err, ("filter",)) from None


def users_request(ctx, filter: Optional[UserFilter] = None, first=None, after=None):
    """(PageSpec, list key) of `users`: by name."""
    return page_request(ctx, "users", "user", _filter(filter), "name", OrderDirection.ASC, first, after)


@strawberry.type
class PeopleQuery:
    @strawberry.field(
        description="Users by name. Readable by the roles that may read users; their tokens only by admins.",
        metadata={rules.RULE: rules.Listing(users_request)},
    )
    def users(
        self,
        info: strawberry.Info,
        filter: Annotated[Optional[UserFilter], strawberry.argument(description="Which users.")] = None,
        first: PageFirst = DEFAULT_PAGE,
        after: After = None,
    ) -> Connection[User]:
        return page_of(info, "users", *users_request(info.context, filter, first, after))
