"""updateCompany: an admin changes the company profile."""

from __future__ import annotations

from typing import Optional

import strawberry

from ...statemachine import company as ops
from ..core.errors import UserError
from ..core.inputs import sent
from ..core.mutations import Input, errors_field, mutate, mutation, payload_type
from .inputs import UpdateCompanyInput
from .types import Company


@strawberry.type
class CompanyResult:
    """What a mutation of the company profile answers (each mutation has its own payload type from it)."""

    company: Optional[Company] = strawberry.field(
        default=None, description="The profile as it is now; null if the mutation did not happen."
    )
    errors: list[UserError] = errors_field()


UpdateCompanyPayload = payload_type(
    "UpdateCompanyPayload", CompanyResult, "What updateCompany answers: the changed profile."
)


def _changes(data: UpdateCompanyInput) -> dict:
    changes = sent(data, *ops.COMPANY_FIELDS)
    if changes.get("irr_display") is not None:
        changes["irr_display"] = changes["irr_display"].value
    return changes


@strawberry.type
class CompanyMutations:
    @mutation(
        "Change the company profile that every document prints: all the changes, or none if one is bad "
        "(INVALID_TAX_ID, UNKNOWN_LOCALE, INVALID_IMAGE or VALIDATION, naming the field). The change is "
        "recorded as an activity of the company naming the fields it changed.",
        ("write", "company"),
    )
    def update_company(self, info: strawberry.Info, input: Input[UpdateCompanyInput]) -> UpdateCompanyPayload:
        return mutate(
            info,
            (),
            lambda uow, **kw: ops.update_company(uow, expected_version=input.expected_version, **_changes(input), **kw),
            lambda c: {"company": c},
            UpdateCompanyPayload,
        )
