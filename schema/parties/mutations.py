"""Account and contact mutations."""

from __future__ import annotations

from typing import Optional

import strawberry

from ...statemachine import records as ops
from ..company.inputs import TAX_IDENTITY_INPUTS
from ..core.errors import UserError
from ..core.inputs import ref_id, sent
from ..core.mutations import Input, errors_field, mutate, mutation, payload_type
from .inputs import CreateAccountInput, CreateContactInput, UpdateAccountInput, UpdateContactInput
from .types import Account, Contact


@strawberry.type
class AccountResult:
    """What a mutation of one account answers (each mutation has its own payload type from it)."""

    account: Optional[Account] = strawberry.field(
        default=None, description="The account as it is now; null if the mutation did not happen."
    )
    errors: list[UserError] = errors_field()


@strawberry.type
class ContactResult:
    """What a mutation of one contact answers (each mutation has its own payload type from it)."""

    contact: Optional[Contact] = strawberry.field(
        default=None, description="The contact as it is now; null if the mutation did not happen."
    )
    errors: list[UserError] = errors_field()


CreateAccountPayload = payload_type(
    "CreateAccountPayload", AccountResult, "What createAccount answers: the new account."
)
UpdateAccountPayload = payload_type(
    "UpdateAccountPayload", AccountResult, "What updateAccount answers: the changed account."
)
CreateContactPayload = payload_type(
    "CreateContactPayload", ContactResult, "What createContact answers: the new contact."
)
UpdateContactPayload = payload_type(
    "UpdateContactPayload", ContactResult, "What updateContact answers: the changed contact."
)


def _given(data, *names) -> dict:
    return {n: getattr(data, n) for n in names if getattr(data, n) is not None}


@strawberry.type
class PartyMutations:
    @mutation("Record a company we sell to.", ("create", "account"))
    def create_account(self, info: strawberry.Info, input: Input[CreateAccountInput]) -> CreateAccountPayload:
        return mutate(
            info,
            (),
            lambda uow, **kw: ops.create_account(
                uow,
                input.name,
                **_given(input, "email", "phone", "website", *TAX_IDENTITY_INPUTS),
                owner_id=ref_id(input.owner_id, "User", "ownerId"),
                **kw,
            ),
            lambda a: {"account": a},
            CreateAccountPayload,
            name="createAccount",
            data=input,
            key=input.idempotency_key,
        )

    @mutation("Change an account's details.", ("write", "account"))
    def update_account(self, info: strawberry.Info, input: Input[UpdateAccountInput]) -> UpdateAccountPayload:
        return mutate(
            info,
            (),
            lambda uow, **kw: ops.update_account(
                uow,
                ref_id(input.account_id, "Account", "accountId"),
                expected_version=input.expected_version,
                **sent(input, "name", "email", "phone", "website", *TAX_IDENTITY_INPUTS),
                **kw,
            ),
            lambda a: {"account": a},
            UpdateAccountPayload,
        )

    @mutation("Record a person we talk to, at an account or on their own.", ("create", "contact"))
    def create_contact(self, info: strawberry.Info, input: Input[CreateContactInput]) -> CreateContactPayload:
        return mutate(
            info,
            (),
            lambda uow, **kw: ops.create_contact(
                uow,
                input.name,
                **_given(input, "email", "phone"),
                account_id=ref_id(input.account_id, "Account", "accountId"),
                owner_id=ref_id(input.owner_id, "User", "ownerId"),
                **kw,
            ),
            lambda c: {"contact": c},
            CreateContactPayload,
            name="createContact",
            data=input,
            key=input.idempotency_key,
        )

    @mutation("Change a contact's details, or the account it belongs to.", ("write", "contact"))
    def update_contact(self, info: strawberry.Info, input: Input[UpdateContactInput]) -> UpdateContactPayload:
        def call(uow, **kw):
            changes = sent(input, "name", "email", "phone", "account_id")
            if "account_id" in changes:
                changes["account_id"] = ref_id(changes["account_id"], "Account", "accountId")
            return ops.update_contact(
                uow,
                ref_id(input.contact_id, "Contact", "contactId"),
                expected_version=input.expected_version,
                **changes,
                **kw,
            )

        return mutate(info, (), call, lambda c: {"contact": c}, UpdateContactPayload)
