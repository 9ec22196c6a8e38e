"""Where compiled reads meet the executor: a query's root fields answered by the store's JSON.

`answer` is asked for each root field of a query before graphql-core resolves it (fast.py). It
plans the field (planner.py); if the plan holds, the store answers it in one statement, the
cursors in it are sealed, and the JSON goes into the response as it is (an orjson Fragment, never
parsed), charged to the answer's byte budget. If not — a computed field, an error a resolver would
raise — it returns None, and graphql-core resolves the field as before, in the same response.
"""

from __future__ import annotations

import json
import logging
import re
from collections import defaultdict
from types import SimpleNamespace

import orjson
from graphql import GraphQLList, GraphQLNonNull

from ...domain import deadline
from ...domain.errors import DomainError
from ...domain.reads import COMPUTED_KEY, CURSOR_KEY
from ..core import answer as answers
from ..core.cursors import seal
from ..core.memo import Recent
from .planner import STRAWBERRY, Planner, Unplannable, origin

log = logging.getLogger("salesflow.compiled")

#: A cursor marker as either database writes it (PostgreSQL's json spaces its punctuation).
_CURSOR = re.compile(r'\{\s*"' + re.escape(CURSOR_KEY) + r'"\s*:\s*\[\s*("(?:[^"\\]|\\.)*")\s*,\s*(-?\d+)\s*\]\s*\}')
ENABLED = "salesflow.compiled_reads"
_COMPUTED = re.compile(r'\{\s*"' + re.escape(COMPUTED_KEY) + r'"\s*:\s*\[\s*"([\w.]+)"\s*,\s*(\d+)\s*\]\s*\}')


def prepare(strawberry_schema, *, enabled: bool = True) -> None:
    """Compile the schema's reads (or not), and let the planner reach the strawberry schema (to convert
    arguments as resolvers get them)."""
    gql = strawberry_schema._schema
    gql.extensions = {**(gql.extensions or {}), STRAWBERRY: strawberry_schema, ENABLED: enabled}


#: Recent plans, per operation, root field, viewer, language and variables: a query asked again
#: is planned once (and the store writes its statement once: compiler.statement).
_PLANS = Recent(1024)


def _plan(execution, gql_field, nodes):
    """(read tree, cursors' list key, whether it holds computed values) of one root field, or None if
    the resolvers answer it."""
    planner = Planner(execution.schema, execution.fragments, execution.variable_values, execution.context_value)
    try:
        read, list_key = planner.root(gql_field, nodes)
        return read, list_key, planner.computed
    except Unplannable as why:
        log.debug("answered by the resolvers: %s needs them", why)
        return None
    except Exception as error:  # noqa: BLE001 - a resolver's error (FORBIDDEN, BAD_USER_INPUT): it raises it itself
        log.debug("answered by the resolvers, which report: %r", error)
        return None


def plan(execution, gql_field, nodes):
    """The remembered plan of a root field for this viewer and these variables, else a new one."""
    ctx = execution.context_value
    user = ctx.user
    who = (user.id, user.role) if user is not None else None
    key = (
        id(nodes[0]),
        id(ctx.policy),
        who,
        ctx.language,
        repr(getattr(execution.variable_values, "coerced", execution.variable_values)),
    )
    return _PLANS.get(execution.operation, key, lambda: _plan(execution, gql_field, nodes))


def sealed(text: str, list_key: str | None) -> str:
    """The answer with each cursor marker replaced by the cursor sealed to its list."""
    if list_key is None:
        return text
    return _CURSOR.sub(lambda m: json.dumps(seal(list_key, json.loads(m.group(1)), int(m.group(2)))), text)


def filled(execution, text: str) -> str:
    """The answer with each computed value's marker replaced by what its resolver gives. The records
    are loaded together, per type (one cohort: what their resolvers read is read for all at once)."""
    ctx = execution.context_value
    wanted: dict[str, set[int]] = defaultdict(set)
    for found in _COMPUTED.finditer(text):
        wanted[found.group(1).partition(".")[0]].add(int(found.group(2)))
    records = {}
    for type_name, ids in wanted.items():
        repo = origin(execution.schema.get_type(type_name)).resolve_nodes.repo
        records[type_name] = {r.id: r for r in ctx.loader.get_many(repo, sorted(ids)) if r is not None}
    info = SimpleNamespace(context=ctx)  # what a direct resolver reads of its info (core/fast.py)
    values: dict[tuple[str, int], str] = {}

    def value(found) -> str:
        key = (found.group(1), int(found.group(2)))
        if key not in values:
            type_name, _, name = key[0].partition(".")
            gql_field = execution.schema.get_type(type_name).fields[name]
            shown = _serialized(gql_field.type, gql_field.resolve(records[type_name][key[1]], info))
            values[key] = orjson.dumps(shown).decode()
        return values[key]

    return _COMPUTED.sub(value, text)


def _serialized(gql_type, value):
    """A resolver's value as graphql-core completes a leaf or a list of leaves; ValueError where it
    would report an error (then the resolvers answer, and report it)."""
    if isinstance(gql_type, GraphQLNonNull):
        if value is None:
            raise ValueError("null for a non-null field")
        return _serialized(gql_type.of_type, value)
    if value is None:
        return None
    if isinstance(gql_type, GraphQLList):
        return [_serialized(gql_type.of_type, item) for item in value]
    return gql_type.serialize(value)


def answer(execution, gql_field, nodes, response_name: str | None = None) -> orjson.Fragment | None:
    """The compiled answer of one root field, or None if the resolvers answer it (or `gql_field` is
    None: `__typename`). What it did is noted on the context, by response name, for replay.py."""
    planned = None
    if gql_field is not None and execution.schema.extensions[ENABLED]:
        planned = plan(execution, gql_field, nodes)
    ctx = execution.context_value
    built = None if planned is None else run(ctx, planned, lambda text: filled(execution, text))
    roots = getattr(ctx, "compiled_roots", None)
    if roots is not None:
        roots.append((response_name, planned if built is not None else None))
    return built


def run(ctx, planned, fill=None) -> orjson.Fragment | None:
    """The store's answer to a plan, its cursors sealed (and its computed values `fill`ed), charged to the
    answer's budget; None if the resolvers must answer instead."""
    read, _, computed = planned
    if computed:
        ctx.loader.uow  # noqa: B018 - begun first: the answer and the records its values come from share a snapshot
    try:
        text = ctx.loader.answer(read)
    except DomainError:  # e.g. an ordering this list lacks: the resolver reports it
        return None
    except Exception:  # a statement the store could not run: the resolvers still can
        log.exception("compiled read failed; answered by the resolvers instead")
        return None
    return finish(planned, text, fill)


def finish(planned, text: str | None, fill=None) -> orjson.Fragment | None:
    """The answer to a plan, from the JSON text the store gave for it (see run)."""
    _, list_key, computed = planned
    limit = deadline.current()
    if limit is not None:
        limit.check()  # a statement that ended past the request's deadline still stops the request
    if text is not None and computed:
        try:
            text = fill(text)
        except Exception:  # noqa: BLE001 - a resolver's error: the resolvers answer the field, and report it
            return None
    data = ("null" if text is None else sealed(text, list_key)).encode()
    budget = answers.current()
    if budget is not None:
        budget.charge(len(data))
    return orjson.Fragment(data)
