"""Opportunity and stage mutations."""

from __future__ import annotations

from typing import Optional

import strawberry

from ...statemachine import opportunity as ops
from ...statemachine import records
from ..core.errors import UserError
from ..core.inputs import ref_id, sent
from ..core.mutations import Input, errors_field, mutate, mutation, payload_type, trigger
from .inputs import (
    CreateOpportunityInput,
    CreateStageInput,
    LoseOpportunityInput,
    MoveOpportunityStageInput,
    ReopenOpportunityInput,
    ReorderStagesInput,
    UpdateOpportunityInput,
    UpdateStageInput,
    WinOpportunityInput,
)
from .types import Opportunity, Stage

_REFS = {"account_id": ("Account", "accountId"), "contact_id": ("Contact", "contactId")}


@strawberry.type
class OpportunityResult:
    """What a mutation of one opportunity answers (each mutation has its own payload type from it)."""

    opportunity: Optional[Opportunity] = strawberry.field(
        default=None, description="The opportunity as it is now; null if the mutation did not happen."
    )
    errors: list[UserError] = errors_field()


@strawberry.type
class StageResult:
    """What a mutation of one stage answers (each mutation has its own payload type from it)."""

    stage: Optional[Stage] = strawberry.field(
        default=None, description="The stage as it is now; null if the mutation did not happen."
    )
    errors: list[UserError] = errors_field()


CreateOpportunityPayload = payload_type(
    "CreateOpportunityPayload", OpportunityResult, "What createOpportunity answers: the new opportunity."
)
UpdateOpportunityPayload = payload_type(
    "UpdateOpportunityPayload", OpportunityResult, "What updateOpportunity answers: the changed opportunity."
)
MoveOpportunityStagePayload = payload_type(
    "MoveOpportunityStagePayload",
    OpportunityResult,
    "What moveOpportunityStage answers: the opportunity on its new stage.",
)
WinOpportunityPayload = payload_type(
    "WinOpportunityPayload", OpportunityResult, "What winOpportunity answers: the opportunity, now WON."
)
LoseOpportunityPayload = payload_type(
    "LoseOpportunityPayload", OpportunityResult, "What loseOpportunity answers: the opportunity, now LOST."
)
ReopenOpportunityPayload = payload_type(
    "ReopenOpportunityPayload", OpportunityResult, "What reopenOpportunity answers: the opportunity, OPEN again."
)
CreateStagePayload = payload_type("CreateStagePayload", StageResult, "What createStage answers: the new stage.")
UpdateStagePayload = payload_type("UpdateStagePayload", StageResult, "What updateStage answers: the changed stage.")


@strawberry.type(description="What reorderStages answers: the stages in their new order.")
class ReorderStagesPayload:
    stages: list[Stage] = strawberry.field(
        default_factory=list, description="Every active stage, in the new order; empty if the mutation did not happen."
    )
    errors: list[UserError] = errors_field()


def _opportunity(result):
    return {"opportunity": result}


def _opp_id(data) -> int:
    return ref_id(data.opportunity_id, "Opportunity", "opportunityId")


@strawberry.type
class OpportunityMutations:
    @mutation("Record a sale we hope to make: OPEN, on the given stage or the first one.", ("create", "opportunity"))
    def create_opportunity(
        self, info: strawberry.Info, input: Input[CreateOpportunityInput]
    ) -> CreateOpportunityPayload:
        def call(uow, **kw):
            return ops.create_opportunity(
                uow,
                input.title,
                account_id=ref_id(input.account_id, "Account", "accountId"),
                contact_id=ref_id(input.contact_id, "Contact", "contactId"),
                stage_id=ref_id(input.stage_id, "Stage", "stageId"),
                currency=input.currency,
                amount=input.amount,
                owner_id=ref_id(input.owner_id, "User", "ownerId"),
                expected_close=input.expected_close,
                **kw,
            )

        return mutate(
            info,
            (),
            call,
            _opportunity,
            CreateOpportunityPayload,
            name="createOpportunity",
            data=input,
            key=input.idempotency_key,
        )

    @mutation("Change an opportunity's details (its amount only while OPEN).", ("write", "opportunity"))
    def update_opportunity(
        self, info: strawberry.Info, input: Input[UpdateOpportunityInput]
    ) -> UpdateOpportunityPayload:
        def call(uow, **kw):
            changes = sent(input, *ops.EDITABLE)
            for name, (type_name, field) in _REFS.items():
                if name in changes:
                    changes[name] = ref_id(changes[name], type_name, field)
            return ops.update_opportunity(uow, _opp_id(input), expected_version=input.expected_version, **changes, **kw)

        return mutate(info, (), call, _opportunity, UpdateOpportunityPayload)

    @mutation(
        "Move an OPEN opportunity to another active stage (a kanban move); it takes the stage's probability.",
        ("write", "opportunity"),
    )
    def move_opportunity_stage(
        self, info: strawberry.Info, input: Input[MoveOpportunityStageInput]
    ) -> MoveOpportunityStagePayload:
        def call(uow, **kw):
            return ops.move_opportunity_stage(
                uow,
                _opp_id(input),
                ref_id(input.stage_id, "Stage", "stageId"),
                expected_version=input.expected_version,
                **kw,
            )

        return mutate(info, (), call, _opportunity, MoveOpportunityStagePayload)

    @mutation(
        "OPEN → WON without an order (placing an order wins it by itself); probability becomes 100.",
        ("write", "opportunity"),
    )
    def win_opportunity(self, info: strawberry.Info, input: Input[WinOpportunityInput]) -> WinOpportunityPayload:
        return mutate(info, (), trigger(ops.win_opportunity, _opp_id, input), _opportunity, WinOpportunityPayload)

    @mutation("OPEN → LOST, with a reason; probability becomes 0.", ("write", "opportunity"))
    def lose_opportunity(self, info: strawberry.Info, input: Input[LoseOpportunityInput]) -> LoseOpportunityPayload:
        return mutate(
            info, (), trigger(ops.lose_opportunity, _opp_id, input, input.reason), _opportunity, LoseOpportunityPayload
        )

    @mutation(
        "LOST → OPEN, or WON → OPEN while it has no live order; it takes its stage's probability again.",
        ("write", "opportunity"),
    )
    def reopen_opportunity(
        self, info: strawberry.Info, input: Input[ReopenOpportunityInput]
    ) -> ReopenOpportunityPayload:
        return mutate(info, (), trigger(ops.reopen_opportunity, _opp_id, input), _opportunity, ReopenOpportunityPayload)

    @mutation("Add a stage to the sales process.", ("create", "stage"))
    def create_stage(self, info: strawberry.Info, input: Input[CreateStageInput]) -> CreateStagePayload:
        return mutate(
            info,
            (),
            lambda uow, **kw: records.create_stage(uow, input.name, input.probability, input.sequence, **kw),
            lambda stage: {"stage": stage},
            CreateStagePayload,
        )

    @mutation("Rename a stage, change its probability, or archive it (active: false).", ("write", "stage"))
    def update_stage(self, info: strawberry.Info, input: Input[UpdateStageInput]) -> UpdateStagePayload:
        return mutate(
            info,
            (),
            lambda uow, **kw: records.update_stage(
                uow,
                ref_id(input.stage_id, "Stage", "stageId"),
                name=input.name,
                probability=input.probability,
                active=input.active,
                **kw,
            ),
            lambda stage: {"stage": stage},
            UpdateStagePayload,
        )

    @mutation("Put the active stages in a new order (every one named once).", ("write", "stage"))
    def reorder_stages(self, info: strawberry.Info, input: Input[ReorderStagesInput]) -> ReorderStagesPayload:
        return mutate(
            info,
            (),
            lambda uow, **kw: records.reorder_stages(
                uow, [ref_id(s, "Stage", f"stageIds.{i}") for i, s in enumerate(input.stage_ids)], **kw
            ),
            lambda stages: {"stages": stages},
            ReorderStagesPayload,
        )
