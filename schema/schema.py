"""The Schema, assembled from each document's types and mutations, with the limits against abuse."""

from __future__ import annotations

import logging
import uuid

import strawberry
from graphql import GraphQLError
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaskErrors,
    MaxAliasesLimiter,
    MaxTokensLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)
from strawberry.schema.config import StrawberryConfig
from strawberry.types.graphql import OperationType

from ..domain.errors import DomainError
from .company.mutations import CompanyMutations
from .compiled import execution as compiled
from .core.answer import DEFAULT_MAX_RESPONSE_BYTES
from .core.blocking import ThreadedEvents, ThreadedOperations
from .core.cost import DEFAULT_MAX_COST, QueryCost
from .core.errors import LocalisedErrors
from .core.fast import FastExecutionContext, accelerate
from .core.mail import MailMutations
from .core.running import GuardedRuns
from .core.scalars import DECIMAL_SCALAR, Decimal
from .events.subscription import Subscription
from .invoices.mutations import InvoiceMutations
from .invoices.types import Invoice, InvoiceLine, Payment
from .leads.mutations import LeadMutations
from .leads.types import Lead
from .opportunities.mutations import OpportunityMutations
from .opportunities.types import Opportunity, Stage
from .orders.mutations import OrderMutations
from .orders.types import Delivery, Order, OrderLine
from .parties.mutations import PartyMutations
from .parties.types import Account, Contact, User
from .people.mutations import PeopleMutations
from .people.types import ApiToken
from .query import Query
from .quotes.mutations import QuoteMutations
from .quotes.types import Quote, QuoteLine

log = logging.getLogger("salesflow.errors")

LIMITS = {"max_depth": 10, "max_aliases": 15, "max_tokens": 2000, "max_cost": DEFAULT_MAX_COST}


@strawberry.type(
    description="Everything a client can change. Each mutation takes one `input` (its own input "
    "type, named after it) and returns its own payload type: the affected records and "
    "`errors: [UserError!]!`. It happens entirely, in one transaction, or not at all."
)
class Mutation(
    LeadMutations,
    PartyMutations,
    OpportunityMutations,
    QuoteMutations,
    OrderMutations,
    InvoiceMutations,
    MailMutations,
    PeopleMutations,
    CompanyMutations,
):
    """Every mutation takes one `input` and returns a payload with `errors: [UserError!]!`."""


class Schema(GuardedRuns, ThreadedOperations, strawberry.Schema):
    """Client mistakes (syntax, validation, limits) are answered, not logged as server errors;
    unexpected ones are logged once, with their error id, by MaskUnexpected. Each request runs
    the one operation it names, within its deadline (core/running.py); queries, mutations and
    subscription events run in a worker thread on every transport (core/blocking.py)."""

    def process_errors(self, errors, execution_context=None) -> None:
        for error in errors:
            coded(error)
            log.debug("client error: %s", error.message)


def coded(error: GraphQLError) -> None:
    """A domain error that reached the top level (e.g. RESPONSE_TOO_LARGE from the store) says its code,
    as every request-level error does in `extensions.code`."""
    original = error.original_error
    if isinstance(original, DomainError) and "code" not in (error.extensions or {}):
        error.extensions = {**(error.extensions or {}), "code": original.code.value}


class Execution(ThreadedEvents, FastExecutionContext):
    """graphql-core's executor, completing plain leaves directly (core/fast.py) and resolving each
    subscription event in a worker thread (core/blocking.py)."""


class CloseReads(SchemaExtension):
    """Ends the request's read transaction when a query or mutation is done, on any transport.

    (Subscriptions read each event in a transaction of its own.)
    """

    def on_execute(self):
        yield
        ctx = self.execution_context.context
        if (
            getattr(ctx, "loader", None) is not None
            and self.execution_context.operation_type != OperationType.SUBSCRIPTION
        ):
            ctx.loader.close()


class MaskUnexpected(MaskErrors):
    """Unexpected exceptions leave as a generic message and an error id; the log has the trace."""

    def __init__(self):
        super().__init__(should_mask_error=self._unexpected, error_message="Internal server error.")

    @staticmethod
    def _unexpected(error: GraphQLError) -> bool:
        original = error.original_error
        expected = (GraphQLError, DomainError)  # ours, with messages meant for the client
        return original is not None and not isinstance(original, expected) and error.path is not None

    def anonymise_error(self, error: GraphQLError) -> GraphQLError:
        error_id = uuid.uuid4().hex[:12]
        log.error(
            "error %s at %s",
            error_id,
            ".".join(map(str, error.path or [])),
            exc_info=(type(error.original_error), error.original_error, error.original_error.__traceback__),
        )
        return GraphQLError(
            f"Internal server error (error id {error_id}).",
            nodes=error.nodes,
            path=error.path,
            extensions={"code": "INTERNAL_SERVER_ERROR", "errorId": error_id},
        )


class SafeParserCache(ParserCache):
    """strawberry's parse cache, except that a query that fails to parse is left to strawberry.

    The cached parse runs in the extension hook, outside strawberry's error handling: a syntax
    error (or too many tokens) there would escape as an exception, which over WebSocket ends a
    subscription with a bare `complete`. Leaving the document unset lets strawberry parse it
    again and answer with a proper GraphQL error.
    """

    def on_parse(self):
        ctx = self.execution_context
        try:
            ctx.graphql_document = self.cached_parse_document(ctx.query, **ctx.parse_options)
        except GraphQLError:
            ctx.graphql_document = None
        yield


def build_schema(
    *,
    introspection: bool = True,
    max_depth: int = LIMITS["max_depth"],
    max_aliases: int = LIMITS["max_aliases"],
    max_tokens: int = LIMITS["max_tokens"],
    max_cost: int | None = LIMITS["max_cost"],
    timeout: float | None = None,
    max_response_bytes: int | None = DEFAULT_MAX_RESPONSE_BYTES,
    compiled_reads: bool = True,
) -> strawberry.Schema:
    """The schema with its limits; max_cost 0 or None counts and reports the cost but refuses nothing,
    timeout (seconds) bounds each query and mutation that no caller gave a deadline of its own, and
    each subscription event; max_response_bytes (0 or None: no limit) bounds every answer's JSON.
    compiled_reads: a query's root fields are answered by one SQL statement each where they can be
    (schema/compiled); False: always by the resolvers (the same answers, slower)."""
    # Factories: strawberry builds each extension per request. The limit rules are built once here,
    # so the validation cache (keyed by the rules) hits; the parse and validation caches live at
    # module level and are shared by every request.
    limits = [
        rule
        for limiter in (QueryDepthLimiter(max_depth=max_depth), MaxAliasesLimiter(max_alias_count=max_aliases))
        for rule in limiter.validation_rules
    ]
    extensions = [
        lambda: AddValidationRules(limits),
        lambda: MaxTokensLimiter(max_token_count=max_tokens),
        lambda: SafeParserCache(maxsize=Schema.parse_cache_size),
        lambda: ValidationCache(maxsize=512),
        lambda: QueryCost(max_cost),
        MaskUnexpected,
        LocalisedErrors,
        CloseReads,
    ]
    if not introspection:
        extensions.append(DisableIntrospection)
    schema = Schema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        extensions=extensions,
        types=[
            Lead,
            Account,
            Contact,
            User,
            Stage,
            Opportunity,
            Quote,
            QuoteLine,
            Order,
            OrderLine,
            Delivery,
            Invoice,
            InvoiceLine,
            Payment,
            ApiToken,
        ],
        config=StrawberryConfig(disable_field_suggestions=not introspection, scalar_map={Decimal: DECIMAL_SCALAR}),
        execution_context_class=Execution,
    )
    schema.timeout, schema.max_tokens = timeout, max_tokens
    schema.max_response_bytes = max_response_bytes or None
    accelerate(schema)
    compiled.prepare(schema, enabled=compiled_reads)
    return schema


def sdl() -> str:
    """The schema as SDL: what `schema.graphql` holds."""
    return build_schema().as_str() + "\n"
