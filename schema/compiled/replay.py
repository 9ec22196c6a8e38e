"""Asking again what the store answered whole: the same statements, without the GraphQL around them.

A request is *compiled whole* when every root field of its operation was planned and built by the
store (execution.answer notes each on the context), none holds a value a resolver computes, and the
answer has no error. Its plans depend only on the request's bytes (document, variables, operation
name, sent as a POST's body or a GET's query string), on who asks (user and role) and in which
language: so when the same request comes again from the same viewer, parsing, validation, the cost
count and graphql-core's execution would all arrive at the plans already kept here. A replay runs
those plans' statements and writes the answer as graphql-core's execution would have (the cost
extension is the first answer's: it depends on the document and variables only). Hasura keeps its query plans the same way, by query text and role.

What a replay does not skip: the bearer token is checked on every request, as always; the request's
deadline, answer budget and read budget hold; cursors are sealed anew. A token is remembered (by its
hash, with the language the request asked for) with the viewer it was last seen as, and forgotten when
it is refused; when that viewer's plans are kept, the gateway reads the token and the answers of
every root field in one statement (`Guess`), and they are used only if the token, read in the same
snapshot, still names that viewer. Anything else replays nothing and the request goes the whole way,
which answers it as before: a viewer whose plans are not kept yet, a statement the store could not
run, a deadline or a budget spent.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

import orjson

from ...domain.deadline import DeadlineExceeded
from ...domain.errors import DomainError
from ..core import answer as answers
from ..core.memo import Recent
from .execution import finish, run

#: Requests asking more than this are not remembered: the key is what they ask, byte for byte.
MAX_BODY_BYTES = 16 * 1024
#: Viewers whose plans one body keeps (a body every user sends keeps the most recent ones).
MAX_VIEWERS = 256


@dataclass(frozen=True)
class Guess:
    """The root fields a token's last viewer had planned for a request: read beside the token's lookup."""

    viewer: tuple
    plans: tuple[tuple[str, tuple], ...]  # (response name, plan), as Replay keeps them

    @property
    def reads(self) -> tuple:
        return tuple(planned[0] for _, planned in self.plans)


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

    def __init__(self, size: int = 512, tokens: int = 4096):
        self._recent = Recent(size)
        self._lock = threading.Lock()
        self._seen = Recent(tokens)  # (token hash, Accept-Language) → the viewer it was last seen as

    @staticmethod
    def key(method: str, asked: bytes, content_type: str | None, accept: str | None) -> tuple:
        """What a remembered request is found by: its method, what it asks (a POST's body, a GET's query
        string; at most MAX_BODY_BYTES, the caller checks) and the headers strawberry reads."""
        return (method, asked, content_type, accept)

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
        with self._lock:  # worker threads remember at once; readers only get
            if len(replay.plans) >= MAX_VIEWERS:
                replay.plans.pop(next(iter(replay.plans)), None)
            replay.plans[viewer(ctx)] = tuple(roots)

    def find(self, key: tuple) -> Replay | None:
        return self._recent.peek(None, key)

    def guess(self, replay: Replay, token_hash: str, accept_language: str | None) -> Guess | None:
        """What to read beside this token's lookup: the root fields of its last viewer's plans, if any."""
        seen = self._seen.peek(None, (token_hash, accept_language))
        plans = replay.plans.get(seen) if seen is not None else None
        return Guess(seen, plans) if plans else None

    def seen(self, token_hash: str, ctx) -> None:
        self._seen.put(None, (token_hash, ctx.accept_language), viewer(ctx))

    def forget(self, token_hash: str, accept_language: str | None) -> None:
        """A refused token: nothing is read beside it any more (a revoked token's requests cost its lookup alone)."""
        self._seen.put(None, (token_hash, accept_language), None)

    @staticmethod
    def answer(
        replay: Replay, ctx, max_bytes: int | None, guessed: tuple[Guess, tuple[str | None, ...]] | None = None
    ) -> dict | None:
        """The response of a replay for the context's viewer (data and extensions, as strawberry's
        process_result makes it), or None if the request must go the whole way. `guessed`: a Guess and the
        texts read for it, used only if the context's viewer is the one guessed and its plans are these.
        Call it in the worker thread, under the request's deadline."""
        who = viewer(ctx)
        plans = replay.plans.get(who)
        if plans is None:
            return None
        read = {}
        if guessed is not None and guessed[0].viewer == who and guessed[0].plans is plans:
            read = dict(zip((name for name, _ in plans), guessed[1], strict=True))
        try:
            with answers.scope(max_bytes):
                built = {}
                for name, planned in plans:
                    built[name] = finish(planned, ctx.loader.counted(read[name])) if name in read else run(ctx, planned)
                    if built[name] is None:
                        return None
                budget = answers.current()
                if budget is not None:
                    answers.charge_object(budget, built)  # the root object, as the executor charges it (fast.py)
            data = orjson.dumps(built)
        except (DeadlineExceeded, answers.ResponseTooLarge, DomainError):
            return None  # the whole way answers TIMEOUT or RESPONSE_TOO_LARGE, under the same deadline
        finally:
            ctx.loader.close()
        if max_bytes and len(data) > max_bytes:
            return None
        response = {"data": orjson.Fragment(data)}
        if replay.extensions:
            response["extensions"] = replay.extensions
        return response
