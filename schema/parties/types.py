"""Users, accounts (companies) and contacts (people): plain records, shared by every role that reads them."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Optional

import strawberry
from strawberry import relay

from ...domain import parties as d
from ..company.types import TaxIdentityFields
from ..core.fields import children_field, is_type_of, ref_field, resolve_nodes_for

if TYPE_CHECKING:
    from ..opportunities.types import Opportunity
    from ..people.types import ApiToken

OpportunityRef = Annotated["Opportunity", strawberry.lazy("salesflow.schema.opportunities.types")]
ApiTokenRef = Annotated["ApiToken", strawberry.lazy("salesflow.schema.people.types")]


@strawberry.type(description="Someone who signs in: a sales rep, a manager, an accountant, an integration.")
class User(relay.Node):
    name: str = strawberry.field(description="The user's name, as `salesflow token create --user` gave it.")
    role: str = strawberry.field(
        description="`sales_rep`, `sales_manager`, `accountant`, `integration` or `admin` "
        "(what each may do: security/access.csv)."
    )
    active: bool = strawberry.field(description="False once the user may no longer sign in.")
    locale: Optional[str] = strawberry.field(
        description="The language of its messages (a BCP 47 tag of en, fa or tr, set with setUserLocale); null: "
        "each request's Accept-Language decides, else English."
    )

    _id_attr = "id"
    resolve_nodes = resolve_nodes_for("users", "user")
    is_type_of = is_type_of(d.User)

    tokens: list[ApiTokenRef] = children_field(
        "tokens",
        "user_id",
        "api_token",
        "Its bearer tokens, oldest first, revoked and expired ones included (admins only); at most `first`.",
    )


@strawberry.type(
    description="A company we sell to, with the tax identity its documents print. Accounts are shared: every "
    "sales role sees them all."
)
class Account(TaxIdentityFields, relay.Node):
    name: str = strawberry.field(description="The company's name.")
    email: Optional[str] = strawberry.field(description="Its e-mail address, as entered.")
    phone: Optional[str] = strawberry.field(description="Its phone number, as entered.")
    website: Optional[str] = strawberry.field(description="Its website, as entered.")
    version: int = strawberry.field(description="Goes up by one with every change; pass it as `expectedVersion`.")
    created_at: datetime = strawberry.field(description="When it was created (ISO 8601, UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (ISO 8601, UTC).")

    _id_attr = "id"
    resolve_nodes = resolve_nodes_for("accounts", "account")
    is_type_of = is_type_of(d.Account)

    owner: Optional[User] = ref_field(
        "owner_id",
        "users",
        "user",
        "The user responsible for it; null if none or if the viewer's role may not read users.",
    )

    contacts: list[Contact] = children_field(
        "contacts",
        "account_id",
        "contact",
        "Its contacts, oldest first; at most `first` (for more, list `contacts(filter: {accountId})`).",
    )

    opportunities: list[OpportunityRef] = children_field(
        "opportunities",
        "account_id",
        "opportunity",
        "Its opportunities the viewer may see, oldest first; at most `first` (for more, "
        "list `opportunities(filter: {accountId})`).",
    )


@strawberry.type(description="A person we talk to, usually at an account. Contacts are shared like accounts.")
class Contact(relay.Node):
    name: str = strawberry.field(description="The person's name.")
    email: Optional[str] = strawberry.field(description="The person's e-mail address, as entered.")
    phone: Optional[str] = strawberry.field(description="The person's phone number, as entered.")
    version: int = strawberry.field(description="Goes up by one with every change; pass it as `expectedVersion`.")
    created_at: datetime = strawberry.field(description="When it was created (ISO 8601, UTC).")
    updated_at: datetime = strawberry.field(description="When it last changed (ISO 8601, UTC).")

    _id_attr = "id"
    resolve_nodes = resolve_nodes_for("contacts", "contact")
    is_type_of = is_type_of(d.Contact)

    account: Optional[Account] = ref_field(
        "account_id",
        "accounts",
        "account",
        "The account the person works at; null if none or if the viewer may not read accounts.",
    )

    owner: Optional[User] = ref_field(
        "owner_id",
        "users",
        "user",
        "The user responsible for it; null if none or if the viewer's role may not read users.",
    )
