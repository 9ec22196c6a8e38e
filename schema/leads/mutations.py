"""Lead mutations: create, update, the lifecycle triggers and convertLead."""
from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import strawberry

from ...statemachine import lead as ops
from ..core.errors import UserError
from ..core.ids import global_id
from ..core.inputs import ref_id, sent
from ..core.mutations import mutate, trigger
from .inputs import (ConvertLeadInput, CreateLeadInput, DisqualifyLeadInput, LeadActionInput,
                     UpdateLeadInput)
from .types import Duplicate, Lead

if TYPE_CHECKING:
    from ..opportunities.types import Opportunity
    from ..parties.types import Account, Contact

AccountRef = Annotated["Account", strawberry.lazy("salesflow.schema.parties.types")]
ContactRef = Annotated["Contact", strawberry.lazy("salesflow.schema.parties.types")]
OpportunityRef = Annotated["Opportunity", strawberry.lazy("salesflow.schema.opportunities.types")]

_TYPE_OF_KIND = {"account": "Account", "contact": "Contact", "lead": "Lead"}
_MATCHED_ON = {"company_name": "companyName"}


@strawberry.type
class LeadPayload:
    lead: Optional[Lead] = None
    errors: list[UserError]


@strawberry.type
class ConvertLeadPayload:
    lead: Optional[Lead] = None
    account: Optional[AccountRef] = None
    contact: Optional[ContactRef] = None
    opportunity: Optional[OpportunityRef] = None
    duplicates: list[Duplicate] = strawberry.field(default_factory=list)
    errors: list[UserError]


def _lead(result):
    return {"lead": result}


def _lead_id(data) -> int:
    return ref_id(data.lead_id, "Lead", "leadId")


def _conversion(result) -> dict:
    if result.dry_run:  # a plan: what would be created has no id yet, so only the look-alikes show
        return {"lead": result.lead, "duplicates": _duplicates(result.duplicates)}
    return {"lead": result.lead, "account": result.account, "contact": result.contact,
            "opportunity": result.opportunity, "duplicates": _duplicates(result.duplicates)}


def _duplicates(found) -> list[Duplicate]:
    return [Duplicate(kind=d.kind, id=strawberry.ID(global_id(_TYPE_OF_KIND[d.kind], d.id)), name=d.name,
                      matched_on=_MATCHED_ON.get(d.matched_on, d.matched_on)) for d in found]



@strawberry.type
class LeadMutations:
    @strawberry.mutation
    def create_lead(self, info: strawberry.Info, input: CreateLeadInput) -> LeadPayload:
        fields = {n: getattr(input, n) for n in ops.EDITABLE if n != "title" and getattr(input, n) is not None}
        return mutate(info, [("create", "lead")],
                      lambda uow, **kw: ops.create_lead(uow, input.title, ref_id(input.owner_id, "User", "ownerId"),
                                                        **fields, **kw),
                      _lead, LeadPayload, name="createLead", data=input, key=input.idempotency_key)

    @strawberry.mutation
    def update_lead(self, info: strawberry.Info, input: UpdateLeadInput) -> LeadPayload:
        changes = sent(input, *ops.EDITABLE)
        return mutate(info, [("write", "lead")],
                      lambda uow, **kw: ops.update_lead(uow, _lead_id(input), expected_version=input.expected_version,
                                                        **changes, **kw),
                      _lead, LeadPayload)

    @strawberry.mutation(description="new → working")
    def mark_lead_contacted(self, info: strawberry.Info, input: LeadActionInput) -> LeadPayload:
        return mutate(info, [("write", "lead")], trigger(ops.mark_lead_contacted, _lead_id, input), _lead, LeadPayload)

    @strawberry.mutation
    def disqualify_lead(self, info: strawberry.Info, input: DisqualifyLeadInput) -> LeadPayload:
        return mutate(info, [("write", "lead")], trigger(ops.disqualify_lead, _lead_id, input, input.reason), _lead,
                      LeadPayload)

    @strawberry.mutation
    def reactivate_lead(self, info: strawberry.Info, input: LeadActionInput) -> LeadPayload:
        return mutate(info, [("write", "lead")], trigger(ops.reactivate_lead, _lead_id, input), _lead, LeadPayload)

    @strawberry.mutation(description="Create or link an account and a contact, and create an opportunity, at once.")
    def convert_lead(self, info: strawberry.Info, input: ConvertLeadInput) -> ConvertLeadPayload:
        needs = [("write", "lead")]
        if input.create_account and input.account_id is None:
            needs.append(("create", "account"))
        if input.create_contact and input.contact_id is None:
            needs.append(("create", "contact"))
        if input.create_opportunity:
            needs.append(("create", "opportunity"))

        def call(uow, **kw):
            return ops.convert_lead(
                uow, _lead_id(input), account_id=ref_id(input.account_id, "Account", "accountId"),
                create_account=input.create_account, contact_id=ref_id(input.contact_id, "Contact", "contactId"),
                create_contact=input.create_contact, create_opportunity=input.create_opportunity,
                opportunity_title=input.opportunity_title, currency=input.currency, dry_run=input.dry_run,
                allow_duplicates=input.allow_duplicates, **kw)
        return mutate(info, needs, call, _conversion, ConvertLeadPayload, name="convertLead", data=input,
                      key=None if input.dry_run else input.idempotency_key)
