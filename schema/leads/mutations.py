"""Lead mutations: create, update, the lifecycle triggers and convertLead."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Optional

import strawberry

from ...statemachine import lead as ops
from ..core.errors import UserError
from ..core.ids import global_id
from ..core.inputs import ref_id, sent
from ..core.mutations import Input, errors_field, mutate, mutation, payload_type, trigger
from .inputs import (
    ConvertLeadInput,
    CreateLeadInput,
    DisqualifyLeadInput,
    MarkLeadContactedInput,
    ReactivateLeadInput,
    UpdateLeadInput,
)
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
class LeadResult:
    """What a mutation of one lead answers (each mutation has its own payload type from it)."""

    lead: Optional[Lead] = strawberry.field(
        default=None, description="The lead as it is now; null if the mutation did not happen."
    )
    errors: list[UserError] = errors_field()


CreateLeadPayload = payload_type("CreateLeadPayload", LeadResult, "What createLead answers: the new lead.")
UpdateLeadPayload = payload_type("UpdateLeadPayload", LeadResult, "What updateLead answers: the changed lead.")
MarkLeadContactedPayload = payload_type(
    "MarkLeadContactedPayload", LeadResult, "What markLeadContacted answers: the lead, now WORKING."
)
DisqualifyLeadPayload = payload_type(
    "DisqualifyLeadPayload", LeadResult, "What disqualifyLead answers: the lead, now DISQUALIFIED."
)
ReactivateLeadPayload = payload_type(
    "ReactivateLeadPayload", LeadResult, "What reactivateLead answers: the lead, WORKING again."
)


@strawberry.type(
    description="What convertLead answers: the converted lead and what it became, or, on a dry run, "
    "only the look-alikes."
)
class ConvertLeadPayload:
    lead: Optional[Lead] = strawberry.field(
        default=None, description="The lead: CONVERTED (unchanged on a dry run); null if the mutation did not happen."
    )
    account: Optional[AccountRef] = strawberry.field(
        default=None, description="The account created or linked; null if none (or on a dry run)."
    )
    contact: Optional[ContactRef] = strawberry.field(
        default=None, description="The contact created or linked; null if none (or on a dry run)."
    )
    opportunity: Optional[OpportunityRef] = strawberry.field(
        default=None, description="The opportunity created; null if none (or on a dry run)."
    )
    duplicates: list[Duplicate] = strawberry.field(
        default_factory=list,
        description="Existing accounts, contacts and open leads that look like this lead "
        "(same e-mail, phone or company), whether or not it was converted.",
    )
    errors: list[UserError] = errors_field()


def _lead(result):
    return {"lead": result}


def _lead_id(data) -> int:
    return ref_id(data.lead_id, "Lead", "leadId")


def _conversion(result) -> dict:
    if result.dry_run:  # a plan: what would be created has no id yet, so only the look-alikes show
        return {"lead": result.lead, "duplicates": _duplicates(result.duplicates)}
    return {
        "lead": result.lead,
        "account": result.account,
        "contact": result.contact,
        "opportunity": result.opportunity,
        "duplicates": _duplicates(result.duplicates),
    }


def _duplicates(found) -> list[Duplicate]:
    return [
        Duplicate(
            kind=d.kind,
            id=strawberry.ID(global_id(_TYPE_OF_KIND[d.kind], d.id)),
            name=d.name,
            matched_on=_MATCHED_ON.get(d.matched_on, d.matched_on),
        )
        for d in found
    ]


@strawberry.type
class LeadMutations:
    @mutation("Record a new lead, in state NEW.", ("create", "lead"))
    def create_lead(self, info: strawberry.Info, input: Input[CreateLeadInput]) -> CreateLeadPayload:
        fields = {n: getattr(input, n) for n in ops.EDITABLE if n != "title" and getattr(input, n) is not None}
        return mutate(
            info,
            (),
            lambda uow, **kw: ops.create_lead(
                uow, input.title, ref_id(input.owner_id, "User", "ownerId"), **fields, **kw
            ),
            _lead,
            CreateLeadPayload,
            name="createLead",
            data=input,
            key=input.idempotency_key,
        )

    @mutation("Change a lead's details; a converted lead is read-only (ALREADY_CONVERTED).", ("write", "lead"))
    def update_lead(self, info: strawberry.Info, input: Input[UpdateLeadInput]) -> UpdateLeadPayload:
        changes = sent(input, *ops.EDITABLE)
        return mutate(
            info,
            (),
            lambda uow, **kw: ops.update_lead(
                uow, _lead_id(input), expected_version=input.expected_version, **changes, **kw
            ),
            _lead,
            UpdateLeadPayload,
        )

    @mutation("Someone got in touch: NEW → WORKING.", ("write", "lead"))
    def mark_lead_contacted(
        self, info: strawberry.Info, input: Input[MarkLeadContactedInput]
    ) -> MarkLeadContactedPayload:
        return mutate(info, (), trigger(ops.mark_lead_contacted, _lead_id, input), _lead, MarkLeadContactedPayload)

    @mutation("Not worth pursuing: NEW or WORKING → DISQUALIFIED, with a reason.", ("write", "lead"))
    def disqualify_lead(self, info: strawberry.Info, input: Input[DisqualifyLeadInput]) -> DisqualifyLeadPayload:
        return mutate(
            info, (), trigger(ops.disqualify_lead, _lead_id, input, input.reason), _lead, DisqualifyLeadPayload
        )

    @mutation("Work on a disqualified lead again: DISQUALIFIED → WORKING.", ("write", "lead"))
    def reactivate_lead(self, info: strawberry.Info, input: Input[ReactivateLeadInput]) -> ReactivateLeadPayload:
        return mutate(info, (), trigger(ops.reactivate_lead, _lead_id, input), _lead, ReactivateLeadPayload)

    @mutation(
        "The seed's first conversion, all at once or not at all: a NEW or WORKING lead becomes CONVERTED, with "
        "an account and a contact (each created from the lead, linked, or left out) and an opportunity. "
        "Look-alike accounts and contacts are refused (DUPLICATE) unless linked or allowed; dryRun shows them "
        "first. It also needs `create` on each kind of record it creates.",
        ("write", "lead"),
    )
    def convert_lead(self, info: strawberry.Info, input: Input[ConvertLeadInput]) -> ConvertLeadPayload:
        needs = []
        if input.create_account and input.account_id is None:
            needs.append(("create", "account"))
        if input.create_contact and input.contact_id is None:
            needs.append(("create", "contact"))
        if input.create_opportunity:
            needs.append(("create", "opportunity"))

        def call(uow, **kw):
            return ops.convert_lead(
                uow,
                _lead_id(input),
                account_id=ref_id(input.account_id, "Account", "accountId"),
                create_account=input.create_account,
                contact_id=ref_id(input.contact_id, "Contact", "contactId"),
                create_contact=input.create_contact,
                create_opportunity=input.create_opportunity,
                opportunity_title=input.opportunity_title,
                currency=input.currency,
                dry_run=input.dry_run,
                allow_duplicates=input.allow_duplicates,
                **kw,
            )

        return mutate(
            info,
            needs,
            call,
            _conversion,
            ConvertLeadPayload,
            name="convertLead",
            data=input,
            key=None if input.dry_run else input.idempotency_key,
        )
