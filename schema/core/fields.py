"""Field helpers shared by the document types: money, quantities, references, node lookup."""

from __future__ import annotations

import strawberry

from ...domain.query import DEFAULT_PAGE
from ...statemachine import LIFECYCLES
from ..compiled import rules
from .ids import database_id
from .lists import ChildFirst, child_first
from .scalars import Decimal, money, quantity, reported


def money_field(attr: str, description: str | None = None):
    """An amount shown at its currency's precision (the document's, or the line's document's)."""

    def resolve(root) -> Decimal:
        return money(getattr(root, attr), root.currency)

    resolve.__name__ = attr
    return strawberry.field(resolver=resolve, description=description, metadata={rules.RULE: rules.Money(attr)})


def reported_field(attr: str, description: str):
    """An amount reported from outside, at its currency's precision without rounding away a digit."""

    def resolve(root) -> Decimal:
        return reported(getattr(root, attr), root.currency)

    resolve.__name__ = attr
    return strawberry.field(
        resolver=resolve, description=description, metadata={rules.RULE: rules.Money(attr, reported=True)}
    )


def quantity_field(attr: str, description: str | None = None):
    """A quantity, price or percentage without the storage scale's trailing zeros."""

    def resolve(root) -> Decimal:
        return quantity(getattr(root, attr))

    resolve.__name__ = attr
    return strawberry.field(resolver=resolve, description=description, metadata={rules.RULE: rules.Quantity(attr)})


def with_currency(doc) -> list:
    """A document's lines, told the document's currency so their amounts show at its precision."""
    for line in doc.lines:
        line.currency = doc.currency
    return doc.lines


def lines_field(description: str, *, priced: bool = True):
    """A document's lines, in order (`priced`: told the document's currency)."""

    def lines(root):
        return with_currency(root) if priced else root.lines

    return strawberry.field(resolver=lines, description=description, metadata={rules.RULE: rules.DocumentLines()})


def ref_field(attr: str, repo: str, model: str, description: str):
    """The record obj.<attr> points at, if the viewer may see it (else null); the type is the annotation's."""

    def resolve(root, info: strawberry.Info):
        return ref(info, root, attr, repo, model)

    resolve.__name__ = attr.removesuffix("_id")
    return strawberry.field(
        resolver=resolve, description=description, metadata={rules.RULE: rules.ToOne(attr, repo, model)}
    )


def children_field(repo: str, attr: str, model: str, description: str):
    """The first `first` records of repo pointing at obj by <attr> that the viewer may see, oldest first."""

    def resolve(root, info: strawberry.Info, first: ChildFirst = DEFAULT_PAGE):
        return children(info, root, repo, attr, model, first)

    resolve.__name__ = repo
    return strawberry.field(
        resolver=resolve, description=description, metadata={rules.RULE: rules.ToMany(repo, attr, model)}
    )


def resolve_nodes_for(repo: str, model: str):
    """`Node.resolve_nodes` for a type: by id through the loader, unseen ones as missing.

    A role that may not read the type gets null for each id, exactly as for a made-up id: `node`
    and `nodes` answer what may be seen and say nothing of the rest (the contract).
    """

    def resolve_nodes(cls, *, info, node_ids, required=False):
        ctx = info.context
        ctx.viewer  # noqa: B018 - unauthenticated is still a top-level error
        if not ctx.may("read", model):
            return [None] * len(node_ids)
        idents = [database_id(i) for i in node_ids]
        found = ctx.loader.get_many(repo, [i for i in idents if i is not None])
        by_id = {o.id: o for o in found if o is not None and ctx.sees(o)}
        return [by_id.get(i) for i in idents]

    resolve_nodes.repo, resolve_nodes.model = repo, model  # what a compiled `node` reads (schema/compiled)
    return classmethod(resolve_nodes)


def is_type_of(domain_cls):
    def check(cls, obj, info) -> bool:
        return isinstance(obj, domain_cls)

    check.record = domain_cls  # the records a type shows, for compiled reads (schema/compiled)
    return classmethod(check)


def ref(info, obj, attr: str, repo: str, model: str):
    """The record obj.<attr> points at, if the viewer may see it (else null)."""
    ctx = info.context
    if not ctx.may("read", model):
        return None
    target = ctx.loader.ref(obj, attr, repo)
    return target if target is not None and ctx.sees(target) else None


def children(info, obj, repo: str, attr: str, model: str, first: int | None) -> list:
    """The first `first` (checked against the cap) of obj's children that the viewer may see, by id.

    A sales rep's documents are picked in SQL (its own only), so the cap counts only what it sees.
    """
    ctx = info.context
    user = ctx.require("read", model)
    mine = {"owner_id": user.id} if model in LIFECYCLES and ctx.operation_context().owner_scoped else {}
    return ctx.visible(ctx.loader.children(obj, repo, attr, first=child_first(first), **mine))
