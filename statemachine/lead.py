"""Lead lifecycle: new → working → converted; disqualified and reactivated."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..domain.errors import DomainError, ErrorCode, invalid
from ..domain.lead import Lead
from ..domain.message import KIND_WORDS, Message, named, word
from ..domain.opportunity import Opportunity
from ..domain.parties import Account, Contact
from ..domain.status import LeadStatus as S
from .engine import Context, Lifecycle, check_version, operation, require_text, route, trigger_operation
from .opportunity import build_opportunity
from .records import build_account, build_contact, store

#: What each state means to whoever reads the lead (the GraphQL enum's descriptions).
STATES = {
    S.NEW: "Just recorded; nobody has been in touch yet (markLeadContacted moves it on).",
    S.WORKING: "Someone is in touch: contacted, or reactivated after a disqualification.",
    S.CONVERTED: "Converted into an account, a contact and usually an opportunity (convertedAccount, "
    "convertedContact, convertedOpportunity); read-only from then on.",
    S.DISQUALIFIED: "Not worth pursuing, with a reason (disqualifyReason); reactivateLead makes it WORKING again.",
}

LIFECYCLE = Lifecycle(
    "lead",
    S,
    S.NEW,
    [
        route("mark_contacted", S.NEW, S.WORKING),
        route("convert", [S.NEW, S.WORKING], S.CONVERTED),
        route("disqualify", [S.NEW, S.WORKING], S.DISQUALIFIED),
        route("reactivate", S.DISQUALIFIED, S.WORKING),
    ],
    STATES,
)

EDITABLE = ("title", "contact_name", "company_name", "email", "phone", "source", "notes")


@operation
def create_lead(ctx: Context, title: str, owner_id: int | None = None, **fields) -> Lead:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise invalid("unknown lead fields: {names}", sorted(unknown)[0], names=", ".join(sorted(unknown)))
    lead = Lead(title=require_text(title, "title", Message("a title")), owner_id=owner_id, **fields)
    lead.rekey()
    return ctx.create(ctx.uow.leads, lead)


@operation
def update_lead(ctx: Context, lead_id: int, *, expected_version: int | None = None, **changes) -> Lead:
    lead = ctx.require(ctx.uow.leads, lead_id, "lead", "leadId", lock=True)
    check_version(lead, expected_version)
    if lead.status == S.CONVERTED:
        raise DomainError(ErrorCode.ALREADY_CONVERTED, "{lead} is converted and read-only", "leadId", lead=named(lead))
    for key, value in changes.items():
        if key not in EDITABLE:
            raise invalid("{key} cannot be changed", key, key=key)
        setattr(lead, key, require_text(value, "title", Message("a title")) if key == "title" else value)
    lead.rekey()
    lead.updated_at = ctx.now
    return lead


def _keep_reason(ctx: Context, lead: Lead, reason: str | None) -> None:
    lead.disqualify_reason = reason


def _forget_reason(ctx: Context, lead: Lead, reason: str | None) -> None:
    """A reactivated lead is no longer disqualified; why it was stays in its history (the disqualify row)."""
    lead.disqualify_reason = None


mark_lead_contacted = trigger_operation(LIFECYCLE, "leads", "mark_contacted")
disqualify_lead = trigger_operation(LIFECYCLE, "leads", "disqualify", reason_required=True, then=_keep_reason)
reactivate_lead = trigger_operation(LIFECYCLE, "leads", "reactivate", then=_forget_reason)


#: The most look-alikes a conversion reports: enough to see the lead is known (accounts first, then
#: contacts, then other leads); a phone shared by thousands of leads must not make the answer huge.
MAX_DUPLICATES = 50


@dataclass
class Duplicate:
    """An existing record that looks like what the conversion would create."""

    kind: str  # account | contact | lead
    id: int
    name: str
    matched_on: str  # email | phone | company_name


@dataclass
class Conversion:
    lead: Lead
    account: Account | None = None
    contact: Contact | None = None
    opportunity: Opportunity | None = None
    duplicates: list[Duplicate] = field(default_factory=list)
    dry_run: bool = False


def find_duplicates(uow, lead: Lead, sees=lambda doc: True) -> list[Duplicate]:
    """Accounts, contacts and other open leads (that the actor may see) sharing the lead's email,
    phone or company."""
    found: dict[tuple[str, int], Duplicate] = {}

    def add(kind, rec, name, how):
        found.setdefault((kind, rec.id), Duplicate(kind, rec.id, name, how))

    if lead.company_key:
        for acc in uow.accounts.find(name_key=lead.company_key):
            add("account", acc, acc.name, "company_name")
    for con in uow.contacts.find_any(email_key=lead.email_key, phone_key=lead.phone_key):
        add("contact", con, con.name, "email" if lead.email_key and con.email_key == lead.email_key else "phone")
    open_states = (S.NEW.value, S.WORKING.value)
    for other in uow.leads.find_any(email_key=lead.email_key, phone_key=lead.phone_key, company_key=lead.company_key):
        if other.id != lead.id and other.status in open_states and sees(other):
            how = next(
                how
                for attr, how in (("email_key", "email"), ("phone_key", "phone"), ("company_key", "company_name"))
                if getattr(lead, attr) and getattr(other, attr) == getattr(lead, attr)
            )
            add("lead", other, other.title, how)
    return list(found.values())[:MAX_DUPLICATES]


def _refuse_duplicate(dups: list[Duplicate], kind: str, field_name: str) -> None:
    same = [d for d in dups if d.kind == kind]
    if same:
        d = same[0]
        raise DomainError(
            ErrorCode.DUPLICATE,
            "{kind} {name!r} (id {id}) has the same {matched_on}: link it, or choose not to create one",
            field_name,
            kind=word(KIND_WORDS, kind),
            name=d.name,
            id=d.id,
            matched_on=d.matched_on,
        )


@operation
def convert_lead(
    ctx: Context,
    lead_id: int,
    *,
    account_id: int | None = None,
    create_account: bool = True,
    contact_id: int | None = None,
    create_contact: bool = True,
    create_opportunity: bool = True,
    opportunity_title: str | None = None,
    currency: str | None = None,
    dry_run: bool = False,
    allow_duplicates: bool = False,
) -> Conversion:
    """Atomically turn a lead into an account, a contact and an opportunity (each optional).

    Each of the three is created, linked (by id) or left out. Existing records that look like the
    ones to be created are reported, and creating one anyway needs allow_duplicates. A dry run
    returns the plan (new records without ids) and the duplicates, and writes nothing.
    """
    uow = ctx.uow
    lead = ctx.require(uow.leads, lead_id, "lead", "leadId", lock=not dry_run)
    if lead.status == S.CONVERTED:
        raise DomainError(ErrorCode.ALREADY_CONVERTED, "{lead} was already converted", "leadId", lead=named(lead))
    LIFECYCLE.check_source(lead, "convert")
    dups = find_duplicates(uow, lead, ctx.sees)
    result = Conversion(lead=lead, duplicates=dups, dry_run=dry_run)
    owner = dict(owner_id=lead.owner_id)

    if account_id is not None:
        result.account = ctx.require(uow.accounts, account_id, "account", "accountId")
    elif create_account and lead.company_name:
        if not (allow_duplicates or dry_run):
            _refuse_duplicate(dups, "account", "accountId")
        result.account = build_account(ctx, lead.company_name, **owner)

    if contact_id is not None:
        result.contact = ctx.require(uow.contacts, contact_id, "contact", "contactId")
    elif create_contact and (lead.contact_name or lead.email):
        if not (allow_duplicates or dry_run):
            _refuse_duplicate(dups, "contact", "contactId")
        result.contact = build_contact(
            ctx, lead.contact_name or lead.email, email=lead.email, phone=lead.phone, **owner
        )
    if not (result.account or result.contact or create_opportunity):
        raise invalid("converting must create or link at least one record", "leadId")
    if dry_run:
        if create_opportunity:
            result.opportunity = build_opportunity(
                ctx, opportunity_title or lead.title, lead_id=lead.id, currency=currency, **owner
            )
        return result

    if result.account and result.account.id is None:
        store(ctx, uow.accounts, result.account)
    if result.contact and result.contact.id is None:
        if result.account:
            result.contact.account_id = result.account.id
        store(ctx, uow.contacts, result.contact)
    if create_opportunity:
        opp = build_opportunity(
            ctx,
            opportunity_title or lead.title,
            account_id=result.account.id if result.account else None,
            contact_id=result.contact.id if result.contact else None,
            lead_id=lead.id,
            currency=currency,
            **owner,
        )
        result.opportunity = ctx.create(uow.opportunities, opp)
    lead.converted_account_id = result.account.id if result.account else None
    lead.converted_contact_id = result.contact.id if result.contact else None
    lead.converted_opportunity_id = result.opportunity.id if result.opportunity else None
    lead.converted_at = ctx.now
    LIFECYCLE.fire(lead, "convert", ctx)
    return result
