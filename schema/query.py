"""The Query root: nodes, the lists, stages, the pipeline and the viewer."""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal as PyDecimal
from typing import Optional

import strawberry
from strawberry import relay

from ..domain.access import Perm
from ..domain.query import MAX_PAGE, Filter
from ..domain.status import OpportunityStatus
from .core.ordering import OrderDirection, Ordering, order_of
from .core.pages import BadInput, Connection, domain_filter, paginate
from .core.scalars import money
from .events.subscription import Changes, changes
from .invoices.inputs import InvoiceFilter
from .invoices.types import Invoice, Payment, RejectedPayment
from .leads.inputs import LeadFilter
from .leads.types import Lead
from .opportunities.inputs import OpportunityFilter
from .opportunities.types import Opportunity, PipelineAmount, PipelineStage, Stage
from .orders.inputs import OrderFilter
from .orders.types import Delivery, Order
from .parties.inputs import AccountFilter, ContactFilter
from .parties.types import Account, Contact, User
from .quotes.inputs import QuoteFilter
from .quotes.types import Quote

HUNDRED = PyDecimal(100)
NODE_TYPES = {t.__name__: t for t in (Lead, Account, Contact, User, Stage, Opportunity, Quote, Order, Delivery,
                                      Invoice, Payment, RejectedPayment)}


def resolve_nodes(info, ids: list[str]) -> list:
    """Group the ids by type, fetch each type's in one go; unknown types and made-up ids give null."""
    wanted: dict[str, list[str]] = defaultdict(list)
    parsed = []
    for raw in ids:
        try:
            gid = relay.GlobalID.from_id(raw)
        except (ValueError, TypeError, UnicodeError):
            gid = None
        if gid is None or gid.type_name not in NODE_TYPES:
            parsed.append(None)
            continue
        parsed.append(gid)
        wanted[gid.type_name].append(gid.node_id)
    found: dict[tuple[str, str], object] = {}
    for type_name, node_ids in wanted.items():
        for node_id, obj in zip(node_ids, NODE_TYPES[type_name].resolve_nodes(info=info, node_ids=node_ids)):
            found[(type_name, node_id)] = obj
    return [found.get((g.type_name, g.node_id)) if g else None for g in parsed]


def _repeated(ids: list[str]) -> str | None:
    """An id asked twice, if any.

    Refused rather than folded: an answer's i-th entry is the i-th id's record, so folding would
    shift the positions clients rely on, while answering each repeat multiplies the response for
    nothing (a hundred copies of one large document).
    """
    seen: set[str] = set()
    for ident in ids:
        if ident in seen:
            return ident
        seen.add(ident)
    return None


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
    @strawberry.field(description="Any record by its global id; null if there is none the viewer may see.")
    def node(self, info: strawberry.Info, id: strawberry.ID) -> Optional[relay.Node]:
        return resolve_nodes(info, [id])[0]

    @strawberry.field(description="Records by global id, in the order asked; null where there is none to see. "
                                  "At most 100 ids, each once.")
    def nodes(self, info: strawberry.Info, ids: list[strawberry.ID]) -> list[Optional[relay.Node]]:
        if len(ids) > MAX_PAGE:
            raise BadInput(f"at most {MAX_PAGE} ids at once")
        repeated = _repeated(ids)
        if repeated is not None:
            raise BadInput(f"ids: {repeated} is asked more than once; ask for each record once")
        return resolve_nodes(info, ids)

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

    @strawberry.field(description="Payments accounting backends reported that were refused (unknown invoice, more "
                                  "than is due, another currency), oldest first; none of them was applied.")
    def rejected_payments(self, info: strawberry.Info, backend: Optional[str] = None, first: Optional[int] = None,
                          after: Optional[str] = None) -> Connection[RejectedPayment]:
        return paginate(info, "rejected_payments", "rejected_payment", Filter(backend=backend), "id",
                        OrderDirection.ASC, first, after)

    changes: Changes = strawberry.field(
        resolver=changes,
        description="Committed transitions in commit order, gap-free: resume from `endCursor` and "
                    "nothing is missed or repeated (for accounting systems that pull).")

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
