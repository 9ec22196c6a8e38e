"""The Query root: nodes, the lists, stages, the pipeline and the viewer."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal as PyDecimal
from typing import Optional

import strawberry
from strawberry import relay

from ..domain.access import Perm
from ..domain.query import Filter
from ..domain.status import OpportunityStatus
from .core.ordering import Ordering, order_of
from .core.pages import Connection, domain_filter, paginate
from .core.scalars import money
from .invoices.inputs import InvoiceFilter
from .invoices.types import Invoice
from .leads.inputs import LeadFilter
from .leads.types import Lead
from .opportunities.inputs import OpportunityFilter
from .opportunities.types import Opportunity, PipelineAmount, PipelineStage, Stage
from .orders.inputs import OrderFilter
from .orders.types import Order
from .parties.inputs import AccountFilter, ContactFilter
from .parties.types import Account, Contact, User
from .quotes.inputs import QuoteFilter
from .quotes.types import Quote

HUNDRED = PyDecimal(100)


@strawberry.type(description="What one role may do with one kind of record (security/access.csv).")
class Permission:
    model: str
    read: bool
    write: bool
    create: bool
    unlink: bool


@strawberry.type(description="Who is asking, and what its role allows.")
class Viewer:
    user: User

    @strawberry.field
    def role(self) -> str:
        return self.user.role

    @strawberry.field
    def permissions(self, info: strawberry.Info) -> list[Permission]:
        policy = info.context.policy
        models = sorted({m for (_r, _p, m) in policy.grants})
        return [Permission(model=m, **{p.value: policy.may(self.user.role, p, m) for p in Perm}) for m in models]


def _list(info, repo, model, flt, order_by, first, after):
    field, direction = order_of(order_by)
    return paginate(info, repo, model, domain_filter(flt), field, direction, first, after)


@strawberry.type
class Query:
    node: relay.Node = relay.node()
    nodes: list[Optional[relay.Node]] = relay.node()

    @strawberry.field
    def viewer(self, info: strawberry.Info) -> Viewer:
        return Viewer(user=info.context.viewer)

    @strawberry.field
    def leads(self, info: strawberry.Info, filter: Optional[LeadFilter] = None, order_by: Optional[Ordering] = None,
              first: Optional[int] = None, after: Optional[str] = None) -> Connection[Lead]:
        return _list(info, "leads", "lead", filter, order_by, first, after)

    @strawberry.field
    def accounts(self, info: strawberry.Info, filter: Optional[AccountFilter] = None, order_by: Optional[Ordering] = None,
                 first: Optional[int] = None, after: Optional[str] = None) -> Connection[Account]:
        return _list(info, "accounts", "account", filter, order_by, first, after)

    @strawberry.field
    def contacts(self, info: strawberry.Info, filter: Optional[ContactFilter] = None, order_by: Optional[Ordering] = None,
                 first: Optional[int] = None, after: Optional[str] = None) -> Connection[Contact]:
        return _list(info, "contacts", "contact", filter, order_by, first, after)

    @strawberry.field
    def opportunities(self, info: strawberry.Info, filter: Optional[OpportunityFilter] = None, order_by: Optional[Ordering] = None,
                      first: Optional[int] = None, after: Optional[str] = None) -> Connection[Opportunity]:
        return _list(info, "opportunities", "opportunity", filter, order_by, first, after)

    @strawberry.field
    def quotes(self, info: strawberry.Info, filter: Optional[QuoteFilter] = None, order_by: Optional[Ordering] = None,
               first: Optional[int] = None, after: Optional[str] = None) -> Connection[Quote]:
        return _list(info, "quotes", "quote", filter, order_by, first, after)

    @strawberry.field
    def orders(self, info: strawberry.Info, filter: Optional[OrderFilter] = None, order_by: Optional[Ordering] = None,
               first: Optional[int] = None, after: Optional[str] = None) -> Connection[Order]:
        return _list(info, "orders", "order", filter, order_by, first, after)

    @strawberry.field
    def invoices(self, info: strawberry.Info, filter: Optional[InvoiceFilter] = None, order_by: Optional[Ordering] = None,
                 first: Optional[int] = None, after: Optional[str] = None) -> Connection[Invoice]:
        return _list(info, "invoices", "invoice", filter, order_by, first, after)

    @strawberry.field(description="The sales process: active stages in order.")
    def stages(self, info: strawberry.Info) -> list[Stage]:
        info.context.require("read", "stage")
        return info.context.loader.batch(info.context.loader.uow.stages.find(active=True, order_by="sequence"))

    @strawberry.field(description="Open opportunities per stage: count, amount and amount × probability.")
    def pipeline(self, info: strawberry.Info) -> list[PipelineStage]:
        ctx = info.context
        user = ctx.require("read", "opportunity")
        ctx.require("read", "stage")
        owner = user.id if ctx.operation_context().owner_scoped else None
        rows = ctx.loader.uow.opportunities.totals(
            Filter(statuses=(OpportunityStatus.OPEN.value,), owner_id=owner),
            ("stage_id", "currency", "probability"), "amount")
        per_stage: dict = defaultdict(lambda: defaultdict(lambda: [0, PyDecimal(0), PyDecimal(0)]))
        for stage_id, currency, probability, count, amount in rows:
            cell = per_stage[stage_id][currency or ""]
            cell[0] += count
            cell[1] += amount
            cell[2] += amount * probability / HUNDRED
        out = []
        for stage in ctx.loader.uow.stages.find(active=True, order_by="sequence"):
            cells = per_stage.get(stage.id, {})
            amounts = [PipelineAmount(currency=c, count=n, amount=money(a, c or None),
                                      weighted_amount=money(w, c or None))
                       for c, (n, a, w) in sorted(cells.items())]
            out.append(PipelineStage(stage=stage, count=sum(a.count for a in amounts), amounts=amounts))
        return out
