"""Per-request reading without N+1: one read-only unit of work and batching by siblings.

Objects loaded together (a page, or all the children of a page) form a cohort. When one member
asks for a related record, the relation is loaded for the whole cohort in one query, and the
result becomes a cohort of its own. So a query costs one statement per level of nesting, however
long the page, and resolvers stay synchronous: no per-field futures to schedule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

from ...domain.ports import UnitOfWork


class Loader:
    def __init__(self, new_reader: Callable[[], UnitOfWork]):
        self._new_reader = new_reader
        self._uow: UnitOfWork | None = None
        self._cohort: dict[int, list] = {}
        self._refs: dict[tuple[str, Any], Any] = {}
        self._children: dict[tuple, list] = {}
        self.operation_context = None  # the statemachine Context over this loader's reader

    @property
    def uow(self) -> UnitOfWork:
        """The request's read transaction, begun on first use."""
        if self._uow is None:
            uow = self._new_reader()
            uow.__enter__()
            self._uow = uow
        return self._uow

    def answer(self, read):
        """The store's JSON answer to a read tree (domain/reads.py): in the request's read transaction
        if it has begun, else as one statement on its own (no transaction for one statement)."""
        return (self._uow or self._new_reader()).answer(read)

    def counted(self, text: str | None) -> str | None:
        """An answer read by other means, counted against the read budget as `answer` counts its own."""
        return (self._uow or self._new_reader()).counted(text)

    def close(self) -> None:
        if self._uow is not None:
            uow, self._uow = self._uow, None
            uow.__exit__(None, None, None)
        self._cohort.clear()
        self._refs.clear()
        self._children.clear()
        self.operation_context = None

    def batch(self, objs: list) -> list:
        """Remember objects loaded together, so a relation asked of one is loaded for all."""
        for obj in objs:
            self._cohort[id(obj)] = objs
        return objs

    def get(self, repo: str, ident: int | None):
        if ident is None:
            return None
        key = (repo, ident)
        if key not in self._refs:
            obj = getattr(self.uow, repo).get(ident)
            self._refs[key] = obj
            if obj is not None:
                self.batch([obj])
        return self._refs[key]

    def get_many(self, repo: str, idents: list[int]) -> list:
        missing = [i for i in idents if (repo, i) not in self._refs]
        if missing:
            self._remember(repo, missing, getattr(self.uow, repo).find_in("id", missing))
        return [self._refs[(repo, i)] for i in idents]

    def _remember(self, repo: str, idents, found: list) -> None:
        self.batch(found)
        for i in idents:
            self._refs.setdefault((repo, i), None)
        for obj in found:
            self._refs[(repo, obj.id)] = obj

    def ref(self, obj, attr: str, repo: str):
        """The record obj.<attr> points at, loaded with those of obj's whole cohort."""
        ident = getattr(obj, attr)
        if ident is None:
            return None
        key = (repo, ident)
        if key not in self._refs:
            cohort = self._cohort.get(id(obj), [obj])
            wanted = {getattr(o, attr) for o in cohort} - {None}
            missing = [i for i in wanted if (repo, i) not in self._refs]
            self._remember(repo, missing, getattr(self.uow, repo).find_in("id", missing))
        return self._refs[key]

    def children(
        self,
        obj,
        repo: str,
        attr: str,
        key_attr: str = "id",
        *,
        first: int | None = None,
        after: int | None = None,
        **equals,
    ) -> list:
        """Records of repo whose <attr> is obj.<key_attr> (and whose other attributes equal `equals`),
        loaded for obj's whole cohort at once; with `first`, the first that many of each (by id).

        `after` (an id) reads on within obj's own list, so it is loaded for obj alone.
        """
        options = (first, after, tuple(sorted(equals.items())))
        key = (repo, attr, getattr(obj, key_attr), options)
        if key not in self._children:
            cohort = [obj] if after is not None else self._cohort.get(id(obj), [obj])
            parents = {getattr(o, key_attr) for o in cohort} - {None}
            parents = [p for p in parents if (repo, attr, p, options) not in self._children]
            found = self.batch(getattr(self.uow, repo).find_in(attr, parents, per_value=first, after=after, **equals))
            grouped: dict[Any, list] = defaultdict(list)
            for child in found:
                grouped[getattr(child, attr)].append(child)
            for p in parents:
                self._children[(repo, attr, p, options)] = grouped.get(p, [])
        return self._children[key]
