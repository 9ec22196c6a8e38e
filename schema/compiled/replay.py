"""Asking again what the store answered whole: the same statements, without the GraphQL around them.

A request is *compiled whole* when every root field of its operation was planned and built by the
store (execution.answer notes each on the context), none holds a value a resolver computes, and the
answer has no error. Its plans depend only on the request's bytes (document, variables, operation
name), on who asks (user and role) and in which language: so when the same body comes again from
the same viewer, parsing, validation, the cost count and graphql-core's execution would all arrive
at the plans already kept here. A replay runs those plans' statements and writes the answer as
graphql-core's execution would have (the cost extension is the first answer's: it depends on the
document and variables only). Hasura keeps its query plans the same way, by query text and role.

What a replay does not skip: the bearer token is checked on every request, as always; the request's
deadline and answer budget hold; cursors are sealed anew. Anything else replays nothing and the
request goes the whole way, which answers it as before: a viewer whose plans are not kept yet, a
statement the store could not run, a deadline or a byte budget spent.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import orjson

from ...domain.deadline import DeadlineExceeded
from ..core import answer as answers
from ..core.memo import Recent
from .execution import run

#: Bodies above this size are not remembered: the key is the body itself.
MAX_BODY_BYTES = 16 * 1024
#: Viewers whose plans one body keeps (a body every user sends keeps the most recent ones).
MAX_VIEWERS = 256


@dataclass
class Replay:
    """One request body's answer: its extensions, and each viewer's plans (response name → plan)."""

    extensions: dict | None
    plans: dict[tuple, tuple[tuple[str, tuple], ...]] = field(default_factory=dict)


def viewer(ctx) -> tuple:
    """What a plan depends on besides the request: the user, its role, the language, the access rules."""
    user = ctx.user
    return (user.id, user.role, ctx.language, id(ctx.policy))


class Replays:
    """The requests whose answers the store built whole, by key (`key()`), most recently used kept."""

    def __init__(self, size: int = 512):
        self._recent = Recent(size)

    @staticmethod
    def key(body: bytes, content_type: str | None, accept: str | None) -> tuple | None:
        """What a remembered request is found by; None if it is not one to remember."""
        if len(body) > MAX_BODY_BYTES:
            return None
        return (body, content_type, accept)

    @staticmethod
    def watch(ctx) -> None:
        """Have the execution note its root fields on the context (execution.answer)."""
        ctx.compiled_roots = []

    def remember(self, key: tuple, ctx, result) -> None:
        """Keep the plans of a request that was compiled whole."""
        roots = ctx.compiled_roots
        if (
            result.errors
            or not isinstance(result.data, orjson.Fragment)
            or not roots
            or ctx.user is None
            or any(name is None or planned is None or planned[2] for name, planned in roots)
        ):
            return
        replay = self._recent.get(None, key, lambda: Replay(result.extensions or None))
        if len(replay.plans) >= MAX_VIEWERS:
            replay.plans.pop(next(iter(replay.plans)), None)
        replay.plans[viewer(ctx)] = tuple(roots)

    def find(self, key: tuple) -> Replay | None:
        return self._recent.peek(None, key)

    @staticmethod
    def answer(replay: Replay, ctx, max_bytes: int | None) -> dict | None:
        """The response of a replay for the context's viewer (data and extensions, as strawberry's
        process_result makes it), or None if the request must go the whole way. Call it in the worker
        thread, under the request's deadline."""
        plans = replay.plans.get(viewer(ctx))
        if plans is None:
            return None
        try:
            with answers.scope(max_bytes):
                built = {}
                for name, planned in plans:
                    built[name] = run(ctx, planned)
                    if built[name] is None:
                        return None
            data = orjson.dumps(built)
        except (DeadlineExceeded, answers.ResponseTooLarge):
            return None  # the whole way answers TIMEOUT or RESPONSE_TOO_LARGE, under the same deadline
        finally:
            ctx.loader.close()
        if max_bytes and len(data) > max_bytes:
            return None
        response = {"data": orjson.Fragment(data)}
        if replay.extensions:
            response["extensions"] = replay.extensions
        return response
