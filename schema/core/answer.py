"""How large an answer may grow: a byte budget charged while the answer is built, checked once more
when it is encoded, and the encoding done where the work is (a worker thread), not on the event loop.

The cost limit (cost.py) bounds an answer before it runs, in the worst case its texts could reach;
this bounds what it really holds. Every object the executor completes charges the bytes of its keys
and values (a text by its UTF-8 length) to the request's `AnswerBudget` (fast.py); when the budget
is spent, `ResponseTooLarge` unwinds the whole execution (a BaseException, like DeadlineExceeded, so
that graphql-core cannot turn it into a field error and carry on) and the answer is one top-level
error with code RESPONSE_TOO_LARGE. The charge is close to the JSON's size, not exact (escapes,
punctuation); `seal` then encodes the data, compares the exact size with the limit, and hands on
orjson's pre-encoded `Fragment`, so the event loop only copies it into the message it sends.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import orjson
from graphql import GraphQLError

#: The default for `SALESFLOW_MAX_RESPONSE_BYTES`: a page of a hundred documents with their long
#: texts is a few MiB; a kanban board a few hundred KiB.
DEFAULT_MAX_RESPONSE_BYTES = 16 * 1024 * 1024

#: What a value other than a text is charged, its punctuation included: a number, a boolean, null.
SCALAR_BYTES = 8


class ResponseTooLarge(BaseException):
    """The answer has grown past its budget: unwind the execution and answer RESPONSE_TOO_LARGE."""

    def __init__(self, limit: int):
        self.limit = limit
        super().__init__(f"the answer grew larger than {limit} bytes")


class AnswerBudget:
    """How many bytes of JSON one answer may still take."""

    __slots__ = ("limit", "spent")

    def __init__(self, limit: int):
        self.limit, self.spent = limit, 0

    def charge(self, size: int) -> None:
        """Count `size` more bytes; ResponseTooLarge once the limit is passed."""
        self.spent += size
        if self.spent > self.limit:
            raise ResponseTooLarge(self.limit)


_CURRENT: ContextVar[AnswerBudget | None] = ContextVar("salesflow_answer_budget", default=None)


def current() -> AnswerBudget | None:
    """The budget of the answer being built in this context, if it has one."""
    return _CURRENT.get()


@contextmanager
def scope(limit: int | None) -> Iterator[AnswerBudget | None]:
    """Build the answer in the block under a budget of `limit` bytes (None or 0: no limit)."""
    budget = AnswerBudget(limit) if limit else None
    token = _CURRENT.set(budget)
    try:
        yield budget
    finally:
        _CURRENT.reset(token)


def charge_object(budget: AnswerBudget, fields: dict) -> None:
    """Charge one completed object: its keys, and each value that is a text (its UTF-8 length; its
    length if it is ASCII, without encoding it) or another scalar (objects and lists below it charge
    themselves as they are completed)."""
    size = 2 + 4 * len(fields)  # {} and each key's "":,
    for key, value in fields.items():  # run for every object of every answer: kept to plain operations
        size += len(key)
        kind = type(value)
        if kind is str:
            size += len(value) if value.isascii() else len(value.encode("utf-8", "surrogatepass"))
        elif kind is not dict and kind is not list:
            size += SCALAR_BYTES
    budget.charge(size)


def too_large(limit: int, committed: int = 0) -> GraphQLError:
    """The top-level error of an answer over its budget."""
    kept = (
        f"; {committed} change(s) made before that were saved: read them back before trying again" if committed else ""
    )
    return GraphQLError(
        f"The answer would be larger than {limit} bytes, the most this server sends: ask for fewer items "
        f"per list (`first`), fewer long texts, or split the query into several requests{kept}.",
        extensions={"code": "RESPONSE_TOO_LARGE", "maximumBytes": limit, "committed": bool(committed)},
    )


def seal(result, limit: int | None, committed: int = 0):
    """The result with its data encoded here (call it in the worker thread), or, if the encoded data
    is larger than `limit`, the same result with no data and a RESPONSE_TOO_LARGE error (saying how
    many of the request's mutations had `committed`)."""
    if result.data is None or isinstance(result.data, orjson.Fragment):
        return result
    encoded = orjson.dumps(result.data)
    if limit and len(encoded) > limit:
        result.data, result.errors = None, [too_large(limit, committed), *(result.errors or ())]
        return result
    result.data = orjson.Fragment(encoded)
    return result
