"""Plain records with no lifecycle: accounts, contacts and the sales stages."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from ..domain.company import TAX_IDENTITY_FIELDS, TaxIdentity
from ..domain.errors import DomainError, ErrorCode, invalid
from ..domain.lines import input_number
from ..domain.message import Message
from ..domain.opportunity import MAX_STAGES, Stage
from ..domain.parties import Account, Contact
from ..domain.taxids import check_tax_identity
from .engine import Context, check_version, operation, require_text

ACCOUNT_FIELDS = ("name", "email", "phone", "website", *TAX_IDENTITY_FIELDS)
CONTACT_FIELDS = ("name", "email", "phone", "account_id")


def _stamp(ctx: Context, record: Account | Contact) -> None:
    record.created_at = record.created_at or ctx.now
    record.updated_at = ctx.now
    record.owner_id = ctx.owner(record.owner_id)


def optional_text(value: str | None) -> str | None:
    """A text a record may leave empty, trimmed; blank is empty (None)."""
    return (value.strip() or None) if isinstance(value, str) else value


def tax_identity(party: TaxIdentity | None, changes: Mapping) -> dict:
    """The tax identity among `changes` to a party (None: a new one), trimmed and in canonical form,
    each identifier checked against the country the party will have (domain/taxids.py)."""
    given = {k: v for k, v in changes.items() if k in TAX_IDENTITY_FIELDS}
    current = {k: getattr(party, k) for k in TAX_IDENTITY_FIELDS} if party is not None else {}
    checked = check_tax_identity(current, given)
    if "address" in checked:
        checked["address"] = optional_text(checked["address"])
    return checked


def build_account(ctx: Context, name: str, **fields) -> Account:
    """A new account, not yet stored."""
    fields.update(tax_identity(None, fields))
    account = Account(name=require_text(name, "name", Message("an account name")), **fields)
    account.rekey()
    _stamp(ctx, account)
    return account


def build_contact(ctx: Context, name: str, **fields) -> Contact:
    """A new contact, not yet stored."""
    if fields.get("account_id") is not None:
        ctx.require(ctx.uow.accounts, fields["account_id"], "account", "accountId")
    contact = Contact(name=require_text(name, "name", Message("a contact name")), **fields)
    contact.rekey()
    _stamp(ctx, contact)
    return contact


def store(ctx: Context, repo, record):
    """Add a record and flush so that it has its id."""
    repo.add(record)
    ctx.uow.flush()
    return record


@operation
def create_account(ctx: Context, name: str, **fields) -> Account:
    fields = {k: v for k, v in fields.items() if k in ACCOUNT_FIELDS + ("owner_id",)}
    return store(ctx, ctx.uow.accounts, build_account(ctx, name, **fields))


@operation
def update_account(ctx: Context, account_id: int, *, expected_version: int | None = None, **changes) -> Account:
    account = ctx.require(ctx.uow.accounts, account_id, "account", "accountId", lock=True)
    check_version(account, expected_version)
    for key in changes:
        if key not in ACCOUNT_FIELDS:
            raise invalid("{key} cannot be changed", key, key=key)
    changes.update(tax_identity(account, changes))
    for key, value in changes.items():
        setattr(account, key, require_text(value, "name", Message("an account name")) if key == "name" else value)
    account.rekey()
    account.updated_at = ctx.now
    return account


@operation
def create_contact(ctx: Context, name: str, **fields) -> Contact:
    fields = {k: v for k, v in fields.items() if k in CONTACT_FIELDS + ("owner_id",)}
    return store(ctx, ctx.uow.contacts, build_contact(ctx, name, **fields))


@operation
def update_contact(ctx: Context, contact_id: int, *, expected_version: int | None = None, **changes) -> Contact:
    contact = ctx.require(ctx.uow.contacts, contact_id, "contact", "contactId", lock=True)
    check_version(contact, expected_version)
    for key, value in changes.items():
        if key not in CONTACT_FIELDS:
            raise invalid("{key} cannot be changed", key, key=key)
        if key == "account_id" and value is not None:
            ctx.require(ctx.uow.accounts, value, "account", "accountId")
        setattr(contact, key, require_text(value, "name", Message("a contact name")) if key == "name" else value)
    contact.rekey()
    contact.updated_at = ctx.now
    return contact


def _probability(value, field: str = "probability") -> Decimal:
    return input_number(value, field, low=Decimal(0), high=Decimal(100))


def stages_in_order(uow) -> list[Stage]:
    return uow.stages.find(active=True, order_by="sequence")


def _room_for_a_stage(existing: list[Stage], field: str | None = None) -> None:
    if len(existing) >= MAX_STAGES:
        raise invalid("a sales process has at most {most} active stages: deactivate one first", field, most=MAX_STAGES)


@operation
def create_stage(ctx: Context, name: str, probability, sequence: int | None = None) -> Stage:
    existing = stages_in_order(ctx.uow)
    _room_for_a_stage(existing)
    if sequence is None:
        sequence = (existing[-1].sequence + 10) if existing else 10
    stage = Stage(
        name=require_text(name, "name", Message("a stage name")),
        probability=_probability(probability),
        sequence=sequence,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    return store(ctx, ctx.uow.stages, stage)


@operation
def update_stage(
    ctx: Context, stage_id: int, *, name: str | None = None, probability=None, active: bool | None = None
) -> Stage:
    stage = ctx.require(ctx.uow.stages, stage_id, "stage", "stageId", lock=True)
    if name is not None:
        stage.name = require_text(name, "name", Message("a stage name"))
    if probability is not None:
        stage.probability = _probability(probability)
    if active is not None:
        if active and not stage.active:
            _room_for_a_stage(stages_in_order(ctx.uow), "active")
        stage.active = active
    stage.updated_at = ctx.now
    return stage


@operation
def reorder_stages(ctx: Context, stage_ids: list[int]) -> list[Stage]:
    """Give the listed stages the sequence of their position; every active stage must be named."""
    current = {s.id for s in stages_in_order(ctx.uow)}
    if len(set(stage_ids)) != len(stage_ids) or set(stage_ids) != current:
        raise DomainError(ErrorCode.VALIDATION, "list every active stage exactly once", "stageIds")
    stages = []
    for position, sid in enumerate(stage_ids, start=1):
        stage = ctx.uow.stages.get(sid, lock=True)
        stage.sequence, stage.updated_at = position * 10, ctx.now
        stages.append(stage)
    return stages
