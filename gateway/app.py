"""The ASGI app: `/graphql` (POST, GET for queries, WebSocket), `/healthz` and `/readyz`.

GraphQL operations run synchronously in a worker thread: resolvers are plain functions over the
store, and the event loop stays free for other requests and for subscriptions.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from functools import partial

import anyio
import orjson
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route, WebSocketRoute
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError
from cross_web import HTTPException
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from ..adapters.sql import SqlUnitOfWork, create_engine
from ..adapters.sql.events import EventFeed
from ..adapters.sql.migrate import current_revision, head_revision
from ..domain.access import default_policy
from ..schema.core.context import RequestContext, Stores
from ..schema.schema import build_schema
from .auth import Authenticator, bearer
from .broker import Broker
from .hooks import payment_hook
from .settings import Settings

log = logging.getLogger("salesflow.gateway")


class GraphQLView(GraphQL):
    """strawberry's ASGI view, with our context, bearer auth, orjson, and sync execution in a thread."""

    def __init__(self, schema, *, stores: Stores, auth: Authenticator, broker: Broker, graphql_ide: bool):
        super().__init__(schema, graphql_ide="graphiql" if graphql_ide else None, allow_queries_via_get=True,
                         keep_alive=True, keep_alive_interval=15)
        self.stores, self.auth, self.broker = stores, auth, broker
        self.policy = default_policy()

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        value = orjson.loads(data)
        if not isinstance(value, (dict, list)):  # a list is a batch, which strawberry refuses itself
            raise HTTPException(400, "the request body must be a JSON object")
        return value

    async def get_context(self, request, response) -> RequestContext:
        ctx = RequestContext(stores=self.stores, policy=self.policy, request=request, broker=self.broker)
        if request.scope["type"] == "http":
            token = bearer(request.headers.get("authorization"))
            ctx.user = await anyio.to_thread.run_sync(self.auth.user, token) if token else None
            if ctx.user is None and not self._ide_page(request):
                raise HTTPException(401, "a valid bearer token is required (Authorization: Bearer <token>)")
        return ctx

    def _ide_page(self, request) -> bool:
        """A browser opening /graphql gets the IDE page (it holds no data; its requests carry the token)."""
        return bool(self.graphql_ide) and self.should_render_graphql_ide(self.request_adapter_class(request))

    async def on_ws_connect(self, context: RequestContext):
        params = context.connection_params if isinstance(context.connection_params, dict) else {}
        raw = params.get("Authorization") or params.get("authorization") or params.get("token")
        token = bearer(raw) if isinstance(raw, str) and " " in raw else raw
        user = await anyio.to_thread.run_sync(self.auth.user, token) if isinstance(token, str) else None
        if user is None:
            raise ConnectionRejectionError({"message": "a valid bearer token is required in connection_init"})
        context.user = user
        return {"worker": os.getpid()}  # which process serves this socket (tests prove cross-worker events)

    async def execute_single(self, request, request_adapter, sub_response, context, root_value, request_data):
        # subscriptions need a WebSocket: over HTTP they are a 400, not a result that cannot complete
        allowed = OperationType.from_http(request_adapter.method) - {OperationType.SUBSCRIPTION}
        run = partial(self.schema.execute_sync, request_data.query, root_value=root_value,
                      variable_values=request_data.variables, context_value=context,
                      operation_name=request_data.operation_name, allowed_operation_types=allowed,
                      operation_extensions=request_data.extensions)

        def execute():
            try:
                return run()
            finally:
                context.loader.close()
        try:
            return await anyio.to_thread.run_sync(execute)
        except InvalidOperationTypeError as exc:  # e.g. a mutation over GET
            raise HTTPException(400, exc.as_http_error_reason(request_adapter.method)) from exc
        except CannotGetOperationTypeError as exc:
            raise HTTPException(400, exc.as_http_error_reason()) from exc
        except MissingQueryError as exc:
            raise HTTPException(400, "No GraphQL query found in the request") from exc


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    engine = create_engine(settings.database_url)
    stores = Stores(writer=lambda: SqlUnitOfWork(engine), reader=lambda: SqlUnitOfWork(engine, read_only=True))
    broker = Broker()
    schema = build_schema(introspection=settings.introspection, max_depth=settings.max_depth,
                          max_aliases=settings.max_aliases, max_tokens=settings.max_tokens)
    view = GraphQLView(schema, stores=stores, auth=Authenticator(stores.reader, settings.auth_cache_seconds),
                       broker=broker, graphql_ide=settings.graphql_ide)

    async def healthz(request: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    head = head_revision()

    def _ready() -> tuple[bool, str]:
        revision = current_revision(engine)
        return revision == head, revision or "none"

    async def readyz(request: Request) -> JSONResponse:
        try:
            ok, revision = await anyio.to_thread.run_sync(_ready)
        except Exception:  # noqa: BLE001 - not ready is an answer, not an error
            log.exception("readiness check failed")
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
        body = {"status": "ok" if ok else "unavailable", "database": "ok", "migration": revision}
        return JSONResponse(body, status_code=200 if ok else 503)

    @contextlib.asynccontextmanager
    async def lifespan(app):
        feed = asyncio.create_task(EventFeed(engine, broker.publish).run())
        try:
            yield
        finally:
            # Cancel until it has stopped: on Python 3.11, asyncio.wait_for (which psycopg's waits use) can
            # swallow a cancellation that lands as its timeout fires; the feed would then wait for the next
            # NOTIFY and shutdown would hang (seen in CI). Cancelling again ends it.
            while not feed.done():
                feed.cancel()
                await asyncio.wait({feed}, timeout=1)
            with contextlib.suppress(asyncio.CancelledError):
                await feed
            engine.dispose()

    middleware = []
    if settings.cors_origins:
        middleware.append(Middleware(CORSMiddleware, allow_origins=list(settings.cors_origins),
                                     allow_methods=["GET", "POST", "OPTIONS"],
                                     allow_headers=["Authorization", "Content-Type"], max_age=600))
    routes = [Route("/graphql", view, methods=["GET", "POST"]), WebSocketRoute("/graphql", view),
              Route("/healthz", healthz), Route("/readyz", readyz)]
    if settings.webhook_secret:
        routes.append(Route("/hooks/payments", payment_hook(stores.writer, settings.webhook_secret), methods=["POST"]))
    app = Starlette(routes=routes,
                    middleware=middleware, lifespan=lifespan)
    app.state.engine, app.state.broker, app.state.schema = engine, broker, schema
    return app


def app_from_env() -> Starlette:
    """uvicorn's factory for worker processes: settings come from SALESFLOW_* variables."""
    return create_app(Settings.from_env())
