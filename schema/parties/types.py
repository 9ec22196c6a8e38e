"""Users, accounts (companies) and contacts (people): plain records, shared by every role that reads them."""
from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Optional

import strawberry
from strawberry import relay

from ...domain import parties as d
from ..core.fields import children, is_type_of, ref, resolve_nodes_for

if TYPE_CHECKING:
    from ..opportunities.types import Opportunity
    from ..people.types import ApiToken

OpportunityRef = Annotated["Opportunity", strawberry.lazy("salesflow.schema.opportunities.types")]
ApiTokenRef = Annotated["ApiToken", strawberry.lazy("salesflow.schema.people.types")]


@strawberry.type(description="Someone who signs in: a sales rep, a manager, an accountant, an integration.")
class User(relay.Node):
    name: str
    role: str
    active: bool

    _id_attr = "id"
    resolve_nodes = resolve_nodes_for("users", "user")
    is_type_of = is_type_of(d.User)

    @strawberry.field(description="Its bearer tokens, oldest first, revoked and expired ones included (admins only).")
    def tokens(self, info: strawberry.Info) -> list[ApiTokenRef]:
        return children(info, self, "tokens", "user_id", "api_token")


@strawberry.type(description="A company we sell to.")
class Account(relay.Node):
    name: str
    email: Optional[str]
    phone: Optional[str]
    website: Optional[str]
    version: int
    created_at: datetime
    updated_at: datetime

    _id_attr = "id"
    resolve_nodes = resolve_nodes_for("accounts", "account")
    is_type_of = is_type_of(d.Account)

    @strawberry.field
    def owner(self, info: strawberry.Info) -> Optional[User]:
        return ref(info, self, "owner_id", "users", "user")

    @strawberry.field
    def contacts(self, info: strawberry.Info) -> list[Contact]:
        return children(info, self, "contacts", "account_id", "contact")

    @strawberry.field
    def opportunities(self, info: strawberry.Info) -> list[OpportunityRef]:
        return children(info, self, "opportunities", "account_id", "opportunity")


@strawberry.type(description="A person we talk to, usually at an account.")
class Contact(relay.Node):
    name: str
    email: Optional[str]
    phone: Optional[str]
    version: int
    created_at: datetime
    updated_at: datetime

    _id_attr = "id"
    resolve_nodes = resolve_nodes_for("contacts", "contact")
    is_type_of = is_type_of(d.Contact)

    @strawberry.field
    def account(self, info: strawberry.Info) -> Optional[Account]:
        return ref(info, self, "account_id", "accounts", "account")

    @strawberry.field
    def owner(self, info: strawberry.Info) -> Optional[User]:
        return ref(info, self, "owner_id", "users", "user")
