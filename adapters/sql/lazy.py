"""Lines read when something touches them: what a read-only unit of work gives its documents.

Most reads never need a document's lines (its totals are columns), yet a quote may hold a thousand.
So a read-only unit of work gives each document a LazyLines: a list that stays empty and unread
until any code uses it, and then reads the lines of every document loaded in the same statement
(its cohort) in one statement, as schema/core/loader.py does for relations. N+1 never comes back,
and the domain keeps its plain lists: a LazyLines is a list, filled before any list operation.
"""

from __future__ import annotations

from collections.abc import Callable


class Cohort:
    """Documents loaded together; `load` reads the lines of those whose lines are still unread."""

    __slots__ = ("read", "mapping", "members")

    def __init__(self, read: Callable, mapping, members: list):
        self.read, self.mapping, self.members = read, mapping, members

    def load(self) -> None:
        unread = [m for m in self.members if m.lines is None]
        if unread:
            self.read(self.mapping, unread)  # fills each member's LazyLines (LazyLines.fill)
        self.members = []


def _loading(name: str):
    """list.<name>, after the lines (this list's, and any LazyLines argument's) are read."""
    method = getattr(list, name)

    def call(self, *args, **kwargs):
        if self._cohort is not None:
            self._cohort.load()
        for arg in args:  # list's C code reads another list's items directly: `a == b`, `a + b`
            if isinstance(arg, LazyLines) and arg._cohort is not None:
                arg._cohort.load()
        return method(self, *args, **kwargs)

    call.__name__ = call.__qualname__ = name
    call.__doc__ = method.__doc__
    return call


class LazyLines(list):
    """A document's lines, read with its cohort's on first use; a plain list in every other way.

    Built as a list is (from an iterable, as `dataclasses.asdict` rebuilds lists), it is an ordinary one.
    """

    __slots__ = ("_cohort",)

    def __init__(self, iterable=()):
        super().__init__(iterable)
        self._cohort: Cohort | None = None

    @classmethod
    def unread(cls, cohort: Cohort) -> LazyLines:
        """An empty list that reads its lines (with the cohort's) when first used."""
        lines = cls()
        lines._cohort = cohort
        return lines

    @property
    def is_unread(self) -> bool:
        return self._cohort is not None

    def load(self) -> None:
        """Read the lines now (with the cohort's), if they are not yet."""
        if self._cohort is not None:
            self._cohort.load()

    def fill(self, lines: list) -> None:
        """Take the lines read for it (the cohort's read calls this), and stop being lazy."""
        self._cohort = None
        list.extend(self, lines)

    def __radd__(self, other):  # other + self: list's own would read this list's items directly
        self.load()
        return other + list(self)

    def __reduce_ex__(self, protocol):  # copies and pickles are plain lists, without the store
        self.load()
        return list, (list(self),)


_LIST_METHODS = (
    "__iter__", "__len__", "__getitem__", "__setitem__", "__delitem__", "__contains__", "__reversed__",
    "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__add__", "__iadd__", "__mul__", "__rmul__",
    "__imul__", "__repr__", "__sizeof__", "append", "extend", "insert", "remove", "pop", "clear", "sort",
    "reverse", "index", "count", "copy",
)  # fmt: skip
for _name in _LIST_METHODS:
    setattr(LazyLines, _name, _loading(_name))
