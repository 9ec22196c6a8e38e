"""Account and contact mutations."""
from __future__ import annotations

from typing import Optional

import strawberry

from ...statemachine import records as ops
from ..core.errors import UserError
from ..core.inputs import ref_id, sent
from ..core.mutations import mutate
from .inputs import CreateAccountInput, CreateContactInput, UpdateAccountInput, UpdateContactInput
from .types import Account, Contact


@strawberry.type
class AccountPayload:
    account: Optional[Account] = None
    errors: list[UserError]


@strawberry.type
class ContactPayload:
    contact: Optional[Contact] = None
    errors: list[UserError]


def _given(data, *names) -> dict:
    return {n: getattr(data, n) for n in names if getattr(data, n) is not None}


@strawberry.type
class PartyMutations:
    @strawberry.mutation
    def create_account(self, info: strawberry.Info, input: CreateAccountInput) -> AccountPayload:
        return mutate(info, [("create", "account")],
                      lambda uow, **kw: ops.create_account(uow, input.name, **_given(input, "email", "phone", "website"),
                                                           owner_id=ref_id(input.owner_id, "User", "ownerId"), **kw),
                      lambda a: {"account": a}, AccountPayload, name="createAccount", data=input,
                      key=input.idempotency_key)

    @strawberry.mutation
    def update_account(self, info: strawberry.Info, input: UpdateAccountInput) -> AccountPayload:
        return mutate(info, [("write", "account")],
                      lambda uow, **kw: ops.update_account(
                          uow, ref_id(input.account_id, "Account", "accountId"), expected_version=input.expected_version,
                          **sent(input, "name", "email", "phone", "website"), **kw),
                      lambda a: {"account": a}, AccountPayload)

    @strawberry.mutation
    def create_contact(self, info: strawberry.Info, input: CreateContactInput) -> ContactPayload:
        return mutate(info, [("create", "contact")],
                      lambda uow, **kw: ops.create_contact(
                          uow, input.name, **_given(input, "email", "phone"),
                          account_id=ref_id(input.account_id, "Account", "accountId"),
                          owner_id=ref_id(input.owner_id, "User", "ownerId"), **kw),
                      lambda c: {"contact": c}, ContactPayload, name="createContact", data=input,
                      key=input.idempotency_key)

    @strawberry.mutation
    def update_contact(self, info: strawberry.Info, input: UpdateContactInput) -> ContactPayload:
        def call(uow, **kw):
            changes = sent(input, "name", "email", "phone", "account_id")
            if "account_id" in changes:
                changes["account_id"] = ref_id(changes["account_id"], "Account", "accountId")
            return ops.update_contact(uow, ref_id(input.contact_id, "Contact", "contactId"),
                                      expected_version=input.expected_version, **changes, **kw)
        return mutate(info, [("write", "contact")], call, lambda c: {"contact": c}, ContactPayload)
