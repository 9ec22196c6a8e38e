"""The `company` field of the Query root."""

from __future__ import annotations

import strawberry

from ...statemachine.company import the_company
from ..core.mutations import who_may
from .types import Company


@strawberry.type
class CompanyQuery:
    @strawberry.field(
        description="The seller: the company profile every document prints. " + who_may([("read", "company")])
    )
    def company(self, info: strawberry.Info) -> Company:
        info.context.require("read", "company")
        return the_company(info.context.loader.uow)
