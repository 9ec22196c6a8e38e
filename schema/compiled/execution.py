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

import orjson

from ...domain import deadline
from ...domain.errors import DomainError
from ...domain.reads import CURSOR_KEY
from ..core import answer as answers
from ..core.cursors import seal
from ..core.memo import Recent
from .planner import STRAWBERRY, Planner, Unplannable

log = logging.getLogger("salesflow.compiled")

#: A cursor marker as either database writes it (PostgreSQL's json spaces its punctuation).
_CURSOR = re.compile(r'\{\s*"' + re.escape(CURSOR_KEY) + r'"\s*:\s*\[\s*("(?:[^"\\]|\\.)*")\s*,\s*(-?\d+)\s*\]\s*\}')
ENABLED = "salesflow.compiled_reads"


def prepare(strawberry_schema, *, enabled: bool = True) -> None:
    """Compile the schema's reads (or not), and let the planner reach the strawberry schema (to convert
    arguments as resolvers get them)."""
    gql = strawberry_schema._schema
    gql.extensions = {**(gql.extensions or {}), STRAWBERRY: strawberry_schema, ENABLED: enabled}


#: Recent plans, per operation, root field, viewer, language and variables: a query asked again
#: is planned once (and the store writes its statement once: compiler.statement).
_PLANS = Recent(1024)


def _plan(execution, gql_field, nodes):
    """(read tree, cursors' list key) of one root field, or None if the resolvers answer it."""
    planner = Planner(execution.schema, execution.fragments, execution.variable_values, execution.context_value)
    try:
        return planner.root(gql_field, nodes)
    except Unplannable:
        return None
    except Exception:  # noqa: BLE001 - a resolver's error (FORBIDDEN, BAD_USER_INPUT): it raises it itself
        return None


def plan(execution, gql_field, nodes):
    """The remembered plan of a root field for this viewer and these variables, else a new one."""
    ctx = execution.context_value
    user = ctx.user
    who = (user.id, user.role) if user is not None else None
    key = (id(nodes[0]), id(ctx.policy), who, ctx.language, repr(execution.variable_values))
    return _PLANS.get(execution.operation, key, lambda: _plan(execution, gql_field, nodes))


def sealed(text: str, list_key: str | None) -> str:
    """The answer with each cursor marker replaced by the cursor sealed to its list."""
    if list_key is None:
        return text
    return _CURSOR.sub(lambda m: json.dumps(seal(list_key, json.loads(m.group(1)), int(m.group(2)))), text)


def answer(execution, gql_field, nodes) -> orjson.Fragment | None:
    """The compiled answer of one root field, or None if the resolvers answer it."""
    if not execution.schema.extensions[ENABLED]:
        return None
    planned = plan(execution, gql_field, nodes)
    if planned is None:
        return None
    read, list_key = planned
    ctx = execution.context_value
    try:
        text = ctx.loader.uow.answer(read)
    except DomainError:  # e.g. an ordering this list lacks: the resolver reports it
        return None
    except Exception:  # a statement the store could not run: the resolvers still can
        log.exception("compiled read failed; answered by the resolvers instead")
        return None
    limit = deadline.current()
    if limit is not None:
        limit.check()  # a statement that ended past the request's deadline still stops the request
    data = ("null" if text is None else sealed(text, list_key)).encode()
    budget = answers.current()
    if budget is not None:
        budget.charge(len(data))
    return orjson.Fragment(data)
