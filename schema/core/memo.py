"""Remembering what was worked out for a query document: its cost, its compiled plans.

The parser cache hands the same parsed document to every request with the same text (running.py,
ParserCache), so work that depends only on the document, the variables and who asks is done once
per such key and reused. A document is kept with what was worked out for it, so its identity (the
key) cannot be reused by another document while the entry lives.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")
_MISSING = object()


class Recent:
    """The `size` most recently used results, by key; safe to share between worker threads."""

    def __init__(self, size: int = 512):
        self.size = size
        self._items: OrderedDict[Hashable, tuple[Any, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, document: Any, key: Hashable, make: Callable[[], T]) -> T:
        """What `make()` gave for this document and key, made now if it is not remembered."""
        found = self.peek(document, key, _MISSING)
        if found is not _MISSING:
            return found
        value = make()
        self.put(document, key, value)
        return value

    def put(self, document: Any, key: Hashable, value: Any) -> None:
        """Remember `value` for this document and key."""
        with self._lock:
            self._items[(id(document), key)] = (document, value)
            self._items.move_to_end((id(document), key))
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def peek(self, document: Any, key: Hashable, default: Any = None) -> Any:
        """What is remembered for this document and key, else `default`."""
        full = (id(document), key)
        with self._lock:
            found = self._items.get(full, _MISSING)
            if found is not _MISSING and found[0] is document:
                self._items.move_to_end(full)
                return found[1]
        return default
