"""Opportunity and stage mutations."""
from __future__ import annotations

from typing import Optional

import strawberry

from ...statemachine import opportunity as ops
from ...statemachine import records
from ..core.errors import UserError
from ..core.inputs import ref_id, sent
from ..core.mutations import mutate, trigger
from .inputs import (CreateOpportunityInput, CreateStageInput, LoseOpportunityInput, MoveOpportunityStageInput,
                     OpportunityActionInput, ReorderStagesInput, UpdateOpportunityInput, UpdateStageInput)
from .types import Opportunity, Stage

_REFS = {"account_id": ("Account", "accountId"), "contact_id": ("Contact", "contactId")}


@strawberry.type
class OpportunityPayload:
    opportunity: Optional[Opportunity] = None
    errors: list[UserError]


@strawberry.type
class StagePayload:
    stage: Optional[Stage] = None
    errors: list[UserError]


@strawberry.type
class ReorderStagesPayload:
    stages: list[Stage] = strawberry.field(default_factory=list)
    errors: list[UserError]


def _opportunity(result):
    return {"opportunity": result}


def _opp_id(data) -> int:
    return ref_id(data.opportunity_id, "Opportunity", "opportunityId")



@strawberry.type
class OpportunityMutations:
    @strawberry.mutation
    def create_opportunity(self, info: strawberry.Info, input: CreateOpportunityInput) -> OpportunityPayload:
        def call(uow, **kw):
            return ops.create_opportunity(
                uow, input.title, account_id=ref_id(input.account_id, "Account", "accountId"),
                contact_id=ref_id(input.contact_id, "Contact", "contactId"),
                stage_id=ref_id(input.stage_id, "Stage", "stageId"), currency=input.currency,
                amount=input.amount, owner_id=ref_id(input.owner_id, "User", "ownerId"),
                expected_close=input.expected_close, **kw)
        return mutate(info, [("create", "opportunity")], call, _opportunity, OpportunityPayload,
                      name="createOpportunity", data=input, key=input.idempotency_key)

    @strawberry.mutation
    def update_opportunity(self, info: strawberry.Info, input: UpdateOpportunityInput) -> OpportunityPayload:
        def call(uow, **kw):
            changes = sent(input, *ops.EDITABLE)
            for name, (type_name, field) in _REFS.items():
                if name in changes:
                    changes[name] = ref_id(changes[name], type_name, field)
            return ops.update_opportunity(uow, _opp_id(input), expected_version=input.expected_version,
                                          **changes, **kw)
        return mutate(info, [("write", "opportunity")], call, _opportunity, OpportunityPayload)

    @strawberry.mutation
    def move_opportunity_stage(self, info: strawberry.Info, input: MoveOpportunityStageInput) -> OpportunityPayload:
        def call(uow, **kw):
            return ops.move_opportunity_stage(uow, _opp_id(input), ref_id(input.stage_id, "Stage", "stageId"),
                                              expected_version=input.expected_version, **kw)
        return mutate(info, [("write", "opportunity")], call, _opportunity, OpportunityPayload)

    @strawberry.mutation
    def win_opportunity(self, info: strawberry.Info, input: OpportunityActionInput) -> OpportunityPayload:
        return mutate(info, [("write", "opportunity")], trigger(ops.win_opportunity, _opp_id, input), _opportunity,
                      OpportunityPayload)

    @strawberry.mutation
    def lose_opportunity(self, info: strawberry.Info, input: LoseOpportunityInput) -> OpportunityPayload:
        return mutate(info, [("write", "opportunity")], trigger(ops.lose_opportunity, _opp_id, input, input.reason),
                      _opportunity, OpportunityPayload)

    @strawberry.mutation
    def reopen_opportunity(self, info: strawberry.Info, input: OpportunityActionInput) -> OpportunityPayload:
        return mutate(info, [("write", "opportunity")], trigger(ops.reopen_opportunity, _opp_id, input), _opportunity,
                      OpportunityPayload)

    @strawberry.mutation
    def create_stage(self, info: strawberry.Info, input: CreateStageInput) -> StagePayload:
        return mutate(info, [("create", "stage")],
                      lambda uow, **kw: records.create_stage(uow, input.name, input.probability, input.sequence, **kw),
                      lambda stage: {"stage": stage}, StagePayload)

    @strawberry.mutation
    def update_stage(self, info: strawberry.Info, input: UpdateStageInput) -> StagePayload:
        return mutate(info, [("write", "stage")],
                      lambda uow, **kw: records.update_stage(uow, ref_id(input.stage_id, "Stage", "stageId"),
                                                             name=input.name, probability=input.probability,
                                                             active=input.active, **kw),
                      lambda stage: {"stage": stage}, StagePayload)

    @strawberry.mutation
    def reorder_stages(self, info: strawberry.Info, input: ReorderStagesInput) -> ReorderStagesPayload:
        return mutate(info, [("write", "stage")],
                      lambda uow, **kw: records.reorder_stages(
                          uow, [ref_id(s, "Stage", f"stageIds.{i}") for i, s in enumerate(input.stage_ids)], **kw),
                      lambda stages: {"stages": stages}, ReorderStagesPayload)
