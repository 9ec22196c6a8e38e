"""The Query root: nodes, the lists, stages, the pipeline and the viewer."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal as PyDecimal
from typing import Annotated, Optional

import strawberry
from strawberry import relay

from ..domain.access import Perm
from ..domain.errors import DomainError
from ..domain.message import Message
from ..domain.query import DEFAULT_PAGE, MAX_PAGE, Filter
from ..domain.status import OpportunityStatus
from .company.query import CompanyQuery
from .compiled import rules
from .core.lists import After, PageFirst
from .core.mutations import who_may
from .core.ordering import OrderDirection, Ordering, order_of
from .core.pages import BadInput, Connection, domain_filter, page_of, page_request
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
from .people.query import PeopleQuery
from .people.types import ApiToken
from .quotes.inputs import QuoteFilter
from .quotes.types import Quote

HUNDRED = PyDecimal(100)
NODE_TYPES = {
    t.__name__: t
    for t in (
        Lead,
        Account,
        Contact,
        User,
        Stage,
        Opportunity,
        Quote,
        Order,
        Delivery,
        Invoice,
        Payment,
        RejectedPayment,
        ApiToken,
    )
}


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
    model: str = strawberry.field(
        description="The kind of record: `lead`, `quote`, `invoice`, `payment`, `invoice_sync` …"
    )
    read: bool = strawberry.field(description="May read such records (a sales rep only its own documents).")
    write: bool = strawberry.field(description="May change them and move them through their lifecycle.")
    create: bool = strawberry.field(description="May create them.")
    unlink: bool = strawberry.field(description="May delete them.")


@strawberry.type(description="Who is asking, and what its role allows.")
class Viewer:
    user: User = strawberry.field(description="The signed-in user (the token's).")

    @strawberry.field(
        description="The user's role: `sales_rep`, `sales_manager`, `accountant`, `integration` or `admin`."
    )
    def role(self) -> str:
        return self.user.role

    @strawberry.field(description="What the role may do, per kind of record: show or hide actions with it.")
    def permissions(self, info: strawberry.Info) -> list[Permission]:
        policy = info.context.policy
        models = sorted({m for (_r, _p, m) in policy.grants})
        return [Permission(model=m, **{p.value: policy.may(self.user.role, p, m) for p in Perm}) for m in models]

    @strawberry.field(
        description="The mutations the viewer's role may call (security/operations.csv), sorted; a "
        "document's availableActions are those of them its state allows now."
    )
    def operations(self, info: strawberry.Info) -> list[str]:
        return info.context.policy.operations_of(self.user.role)


def list_request(ctx, repo: str, model: str, flt, order_by, first, after):
    """(PageSpec, list key) of a top-level list's arguments: what the resolver and the compiled read page by."""
    field, direction = order_of(order_by)
    return page_request(ctx, repo, model, domain_filter(flt), field, direction, first, after)


def _list(info, repo, model, flt, order_by, first, after):
    return page_of(info, repo, *list_request(info.context, repo, model, flt, order_by, first, after))


def _listing(what: str, model: str, *, shared: bool = False) -> str:
    scope = "Shared: every role that may read them sees them all." if shared else "A sales rep sees only its own."
    return (
        f"{what}, a page at a time (keyset pagination: pass `endCursor` as `after`). {scope} "
        f"{who_may([('read', model)])}"
    )


def listing(repo: str, model: str) -> dict:
    """The metadata of a top-level list: compiled reads page it as `_list` does."""

    def request(ctx, filter=None, order_by=None, first=None, after=None):
        return list_request(ctx, repo, model, filter, order_by, first, after)

    return {rules.RULE: rules.Listing(request)}


def rejected_request(ctx, backend=None, first=None, after=None):
    """(PageSpec, list key) of `rejectedPayments`: oldest first, of one backend or all."""
    try:
        flt = Filter(backend=backend)
    except DomainError as err:
        raise BadInput.of(err) from None
    return page_request(ctx, "rejected_payments", "rejected_payment", flt, "id", OrderDirection.ASC, first, after)


OrderBy = Annotated[
    Optional[Ordering], strawberry.argument(description="How to sort; newest first (CREATED_AT, DESC) if omitted.")
]


def _filter(what: str):
    return strawberry.argument(description=f"Which {what} to list; all the viewer may see if omitted.")


@strawberry.type(
    description="Everything a client can read. Lists are connections (`first`, `after`, `filter`, "
    "`orderBy`, `totalCount`); any record can be fetched by its global id with `node`."
)
class Query(PeopleQuery, CompanyQuery):
    @strawberry.field(
        description="Any record by its global id; null if there is none the viewer may see.",
        metadata={rules.RULE: rules.ByIds(single=True)},
    )
    def node(
        self,
        info: strawberry.Info,
        id: Annotated[strawberry.ID, strawberry.argument(description="A global id, as an `id` field gave it.")],
    ) -> Optional[relay.Node]:
        return resolve_nodes(info, [id])[0]

    @strawberry.field(
        description=f"Records by global id, in the order asked (at most {MAX_PAGE}, each once); null "
        f"where there is none the viewer may see.",
        metadata={rules.RULE: rules.ByIds(single=False)},
    )
    def nodes(
        self,
        info: strawberry.Info,
        ids: Annotated[
            list[strawberry.ID],
            strawberry.argument(
                description=f"Global ids, as `id` fields gave them; at most {MAX_PAGE}, none repeated."
            ),
        ],
    ) -> list[Optional[relay.Node]]:
        if len(ids) > MAX_PAGE:
            raise BadInput(Message("at most {most} ids at once", most=MAX_PAGE))
        repeated = _repeated(ids)
        if repeated is not None:
            raise BadInput(Message("ids: {id} is asked more than once; ask for each record once", id=repeated))
        return resolve_nodes(info, ids)

    @strawberry.field(description="Who is asking: the token's user, its role and what the role may do.")
    def viewer(self, info: strawberry.Info) -> Viewer:
        return Viewer(user=info.context.viewer)

    @strawberry.field(description=_listing("Leads", "lead"), metadata=listing("leads", "lead"))
    def leads(
        self,
        info: strawberry.Info,
        filter: Annotated[Optional[LeadFilter], _filter("leads")] = None,
        order_by: OrderBy = None,
        first: PageFirst = DEFAULT_PAGE,
        after: After = None,
    ) -> Connection[Lead]:
        return _list(info, "leads", "lead", filter, order_by, first, after)

    @strawberry.field(description=_listing("Accounts", "account", shared=True), metadata=listing("accounts", "account"))
    def accounts(
        self,
        info: strawberry.Info,
        filter: Annotated[Optional[AccountFilter], _filter("accounts")] = None,
        order_by: OrderBy = None,
        first: PageFirst = DEFAULT_PAGE,
        after: After = None,
    ) -> Connection[Account]:
        return _list(info, "accounts", "account", filter, order_by, first, after)

    @strawberry.field(description=_listing("Contacts", "contact", shared=True), metadata=listing("contacts", "contact"))
    def contacts(
        self,
        info: strawberry.Info,
        filter: Annotated[Optional[ContactFilter], _filter("contacts")] = None,
        order_by: OrderBy = None,
        first: PageFirst = DEFAULT_PAGE,
        after: After = None,
    ) -> Connection[Contact]:
        return _list(info, "contacts", "contact", filter, order_by, first, after)

    @strawberry.field(
        description=_listing("Opportunities", "opportunity"), metadata=listing("opportunities", "opportunity")
    )
    def opportunities(
        self,
        info: strawberry.Info,
        filter: Annotated[Optional[OpportunityFilter], _filter("opportunities")] = None,
        order_by: OrderBy = None,
        first: PageFirst = DEFAULT_PAGE,
        after: After = None,
    ) -> Connection[Opportunity]:
        return _list(info, "opportunities", "opportunity", filter, order_by, first, after)

    @strawberry.field(description=_listing("Quotes (every revision)", "quote"), metadata=listing("quotes", "quote"))
    def quotes(
        self,
        info: strawberry.Info,
        filter: Annotated[Optional[QuoteFilter], _filter("quotes")] = None,
        order_by: OrderBy = None,
        first: PageFirst = DEFAULT_PAGE,
        after: After = None,
    ) -> Connection[Quote]:
        return _list(info, "quotes", "quote", filter, order_by, first, after)

    @strawberry.field(description=_listing("Orders", "order"), metadata=listing("orders", "order"))
    def orders(
        self,
        info: strawberry.Info,
        filter: Annotated[Optional[OrderFilter], _filter("orders")] = None,
        order_by: OrderBy = None,
        first: PageFirst = DEFAULT_PAGE,
        after: After = None,
    ) -> Connection[Order]:
        return _list(info, "orders", "order", filter, order_by, first, after)

    @strawberry.field(description=_listing("Invoices", "invoice"), metadata=listing("invoices", "invoice"))
    def invoices(
        self,
        info: strawberry.Info,
        filter: Annotated[Optional[InvoiceFilter], _filter("invoices")] = None,
        order_by: OrderBy = None,
        first: PageFirst = DEFAULT_PAGE,
        after: After = None,
    ) -> Connection[Invoice]:
        return _list(info, "invoices", "invoice", filter, order_by, first, after)

    @strawberry.field(
        description="Payments accounting backends reported that were refused (unknown invoice, more "
        "than is due, another currency), oldest first; none of them was applied. "
        + who_may([("read", "rejected_payment")]),
        metadata={rules.RULE: rules.Listing(rejected_request)},
    )
    def rejected_payments(
        self,
        info: strawberry.Info,
        backend: Annotated[
            Optional[str], strawberry.argument(description="Only those one backend reported (by name); all if omitted.")
        ] = None,
        first: PageFirst = DEFAULT_PAGE,
        after: After = None,
    ) -> Connection[RejectedPayment]:
        return page_of(info, "rejected_payments", *rejected_request(info.context, backend, first, after))

    changes: Changes = strawberry.field(
        resolver=changes,
        description="Committed transitions in commit order, gap-free: resume from `endCursor` and "
        "nothing is missed or repeated (for accounting systems that pull). " + who_may([("read", "activity")]),
    )

    @strawberry.field(
        description="The sales process: its active stages, in order (by `sequence`). " + who_may([("read", "stage")])
    )
    def stages(self, info: strawberry.Info) -> list[Stage]:
        info.context.require("read", "stage")
        return info.context.loader.batch(info.context.loader.uow.stages.find(active=True, order_by="sequence"))

    @strawberry.field(
        description="Open opportunities per active stage: count, amount and amount × probability, "
        "per currency (a sales rep's own only). " + who_may([("read", "opportunity"), ("read", "stage")])
    )
    def pipeline(self, info: strawberry.Info) -> list[PipelineStage]:
        ctx = info.context
        user = ctx.require("read", "opportunity")
        ctx.require("read", "stage")
        owner = user.id if ctx.operation_context().owner_scoped else None
        rows = ctx.loader.uow.opportunities.totals(
            Filter(statuses=(OpportunityStatus.OPEN.value,), owner_id=owner),
            ("stage_id", "currency", "probability"),
            "amount",
        )
        per_stage: dict = defaultdict(lambda: defaultdict(lambda: [0, PyDecimal(0), PyDecimal(0)]))
        for stage_id, currency, probability, count, amount in rows:
            cell = per_stage[stage_id][currency or ""]
            cell[0] += count
            cell[1] += amount
            cell[2] += amount * probability / HUNDRED
        out = []
        for stage in ctx.loader.uow.stages.find(active=True, order_by="sequence"):
            cells = per_stage.get(stage.id, {})
            amounts = [
                PipelineAmount(currency=c, count=n, amount=money(a, c or None), weighted_amount=money(w, c or None))
                for c, (n, a, w) in sorted(cells.items())
            ]
            out.append(PipelineStage(stage=stage, count=sum(a.count for a in amounts), per_currency=amounts))
        return out
