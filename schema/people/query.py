"""The `users` list: who may sign in, with which role (their tokens are on each user, for admins)."""

from __future__ import annotations

from typing import Annotated, Optional

import strawberry

from ...domain.errors import DomainError
from ...domain.query import DEFAULT_PAGE, Filter
from ...domain.text import check_text
from ...statemachine.users import check_role
from ..core.lists import After, PageFirst
from ..core.pages import BadInput, Connection, OrderDirection, paginate
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


@strawberry.type
class PeopleQuery:
    @strawberry.field(
        description="Users by name. Readable by the roles that may read users; their tokens only by admins."
    )
    def users(
        self,
        info: strawberry.Info,
        filter: Annotated[Optional[UserFilter], strawberry.argument(description="Which users.")] = None,
        first: PageFirst = DEFAULT_PAGE,
        after: After = None,
    ) -> Connection[User]:
        return paginate(info, "users", "user", _filter(filter), "name", OrderDirection.ASC, first, after)
