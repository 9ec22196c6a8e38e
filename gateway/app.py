"""The ASGI app: `/graphql` (POST, GET for queries, WebSocket), `/healthz` and `/readyz`.

GraphQL queries and mutations run synchronously in a worker thread, over HTTP and WebSocket alike:
resolvers are plain functions over the store, and the event loop stays free for other requests and
for subscriptions. The WebSocket specifics are in websocket.py; refusals answer GraphQL JSON (errors.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref

import anyio
import orjson
from cross_web import HTTPException
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.exceptions import ConnectionRejectionError, MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType
from strawberry.types.unset import UNSET

from ..adapters.sql import SqlUnitOfWork, create_engine
from ..adapters.sql.events import EventFeed
from ..adapters.sql.migrate import current_revision, head_revision
from ..adapters.sql.tokens import TokenLookup
from ..domain import deadline as deadlines
from ..domain.access import default_policy
from ..domain.deadline import Deadline
from ..domain.normalize import use_phone_regions
from ..domain.tokens import hash_token
from ..i18n import preferred
from ..schema.compiled.replay import MAX_BODY_BYTES, Replays
from ..schema.core.blocking import execute_in_thread
from ..schema.core.context import RequestContext, Stores
from ..schema.schema import build_schema
from ..statemachine.engine import utcnow
from . import cors, ide
from .auth import Authenticator, bearer
from .broker import Broker
from .documents import Downloads
from .errors import Unauthorized, error_response
from .hooks import payment_hook
from .limits import BodyLimit, run_until_done, startup_heap_frozen
from .sessions import CLOSE_CODE, CLOSE_REASON, Sessions
from .settings import Settings
from .websocket import (
    DEFAULT_MAX_SUBSCRIPTIONS,
    DEFAULT_MAX_SUBSCRIPTIONS_PER_USER,
    LimitedOperations,
    TextFrames,
    connection_language,
    connection_token,
)

log = logging.getLogger("salesflow.gateway")
_UNREAD = object()
#: The requests a replay may answer: queries come as POST, or as GET from clients set to (Apollo's
#: useGETForQueries, persisted-query links, caches in front of the gateway).
REPLAYED_METHODS = frozenset({"GET", "POST"})


async def _close_socket(context: RequestContext) -> None:
    """Close a WebSocket whose access ended (gateway/sessions.py)."""
    await context.request.close(code=CLOSE_CODE, reason=CLOSE_REASON)


class GraphQLView(GraphQL):
    """strawberry's ASGI view, with our context, bearer auth, orjson, and sync execution in a thread."""

    websocket_adapter_class = TextFrames
    graphql_transport_ws_handler_class = LimitedOperations

    def __init__(
        self,
        schema,
        *,
        stores: Stores,
        auth: Authenticator,
        broker: Broker,
        sessions: Sessions,
        graphql_ide: bool,
        allowed_origins: tuple[str, ...] = (),
        query_timeout: float = 0,
        max_subscriptions: int = DEFAULT_MAX_SUBSCRIPTIONS,
        max_subscriptions_per_user: int = DEFAULT_MAX_SUBSCRIPTIONS_PER_USER,
    ):
        super().__init__(
            schema,
            graphql_ide="graphiql" if graphql_ide else None,
            allow_queries_via_get=True,
            keep_alive=True,
            keep_alive_interval=15,
            allowed_origins=allowed_origins,
        )
        self.stores, self.auth, self.broker, self.sessions = stores, auth, broker, sessions
        self.query_timeout = query_timeout
        self.max_subscriptions_per_connection = max_subscriptions or None  # strawberry's name; 0: no limit
        self.max_operations_per_user = max_subscriptions_per_user or None  # websocket.LimitedOperations
        self.sockets_by_user: dict[int, weakref.WeakSet] = {}
        self.policy = default_policy()
        self.replays = Replays()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await super().__call__(scope, receive, send)
        request = Request(scope, receive)
        try:
            response = await self._replayed(request) if scope["method"] in REPLAYED_METHODS else None
            if response is None:
                response = await self.run(request)
        except HTTPException as exc:  # strawberry would answer plain text, which GraphQL clients cannot parse
            response = error_response(exc)
        await response(scope, receive, send)

    async def _replayed(self, request: Request) -> Response | None:
        """The answer of a request the store answered whole before (schema/compiled/replay.py), or None:
        then it goes the whole way, under the deadline and with the viewer found here, if any."""
        headers = request.headers
        token = bearer(headers.get("authorization"))
        if token is None:
            return None
        if request.method == "GET":  # the request is its query string: strawberry reads nothing else of a GET
            asked = request.scope["query_string"]
            if len(asked) > MAX_BODY_BYTES:
                return None
        else:
            declared = headers.get("content-length", "")
            if not declared.isdigit() or int(declared) > MAX_BODY_BYTES:
                return None
            asked = await request.body()
        key = Replays.key(request.method, asked, headers.get("content-type"), headers.get("accept"))
        request.state.replay_key = key
        replay = self.replays.find(key)
        if replay is None:
            return None
        language = preferred(headers.get("accept-language"))
        request.state.deadline = deadline = Deadline(self.query_timeout or None)

        def work():
            token_hash = hash_token(token)
            guess, found, guessed = self.replays.guess(replay, token_hash, language), _UNREAD, None
            if guess is not None:
                try:  # the token and the answers its last viewer would get, in one statement
                    found, texts = self.auth.lookup.with_answers(token_hash, guess.reads)
                    guessed = (guess, texts)
                except deadlines.DeadlineExceeded:
                    return None  # the whole way answers TIMEOUT
                except Exception:  # noqa: BLE001 - the token is still looked up alone, and the read run again
                    log.exception("a compiled read beside the token's lookup failed")
            with deadlines.scope(None):  # as before the operation: the token's use is no change it made
                credential = self.auth.accepted(self.auth.lookup(token_hash) if found is _UNREAD else found)
            if credential is None:
                self.replays.forget(token_hash, language)
                raise Unauthorized(token_sent=True)
            request.state.viewer = user = credential.user  # the whole way, if it must be gone, asks no more
            ctx = RequestContext(self.stores, self.policy, user=user, accept_language=language, broker=self.broker)
            self.replays.seen(token_hash, ctx)
            return Replays.answer(replay, ctx, self.schema.max_response_bytes, guessed)

        answered = await run_until_done(work, deadline=deadline, receive=request.receive)
        if answered is None:
            return None
        return self.create_response(answered, await self.get_sub_response(request))

    def encode_json(self, data: object) -> bytes:
        return orjson.dumps(data)

    def decode_json(self, data: str | bytes) -> object:
        value = orjson.loads(data)
        if not isinstance(value, (dict, list)):  # a list is a batch, which strawberry refuses itself
            raise HTTPException(400, "the request body must be a JSON object")
        return value

    async def get_context(self, request, response) -> RequestContext:
        ctx = RequestContext(
            stores=self.stores,
            policy=self.policy,
            request=request,
            broker=self.broker,
            accept_language=preferred(request.headers.get("accept-language")),
        )
        if request.scope["type"] == "http":
            # The token is checked in the worker thread that runs the operation (execute_single): one
            # thread hop a request, not two. A request without one is refused here at once.
            ctx.token = bearer(request.headers.get("authorization"))
            ctx.user = getattr(request.state, "viewer", None)  # found by _replayed for this very request
            if ctx.token is None and not self._ide_page(request):
                raise Unauthorized(token_sent=False)
        return ctx

    def _authenticated(self, context: RequestContext, work):
        """`work` after the request's bearer token names a user (401 otherwise), in the same thread."""

        def run():
            if context.user is None:
                with deadlines.scope(None):  # as before the operation: the token's use is no change it made
                    context.user = self.auth.user(context.token) if context.token else None
                if context.user is None:
                    raise Unauthorized(token_sent=context.token is not None)
            return work()

        return run

    def _ide_page(self, request) -> bool:
        """A browser opening /graphql gets the IDE page (it holds no data; its requests carry the token)."""
        return bool(self.graphql_ide) and self.should_render_graphql_ide(self.request_adapter_class(request))

    async def render_graphql_ide(self, request):
        return ide.page(request)  # our own build, served from the package: no CDN (see gateway/ide.py)

    async def on_ws_connect(self, context: RequestContext):
        token = connection_token(context.connection_params)
        found = await anyio.to_thread.run_sync(self.auth.credential, token) if token else None
        if found is None:
            raise ConnectionRejectionError({"message": "a valid bearer token is required in connection_init"})
        context.user = found.user
        context.accept_language = connection_language(context.connection_params) or context.accept_language
        self.sessions.open(context, found, _close_socket)
        return UNSET  # a connection_ack without payload: it has nothing to say about the server

    async def execute_single(self, request, request_adapter, sub_response, context, root_value, request_data):
        # subscriptions need a WebSocket: over HTTP they are a 400, not a result that cannot complete
        allowed = OperationType.from_http(request_adapter.method) - {OperationType.SUBSCRIPTION}
        # no timeout: still stopped if the client goes; the deadline _replayed began, if it began one
        deadline = getattr(request.state, "deadline", None) or Deadline(self.query_timeout or None)
        key = getattr(request.state, "replay_key", None)
        if key is not None:
            self.replays.watch(context)
        try:
            result = await execute_in_thread(
                self.schema,
                request_data.query,
                root_value=root_value,
                variable_values=request_data.variables,
                context_value=context,
                operation_name=request_data.operation_name,
                allowed_operation_types=allowed,
                operation_extensions=request_data.extensions,
                run=lambda work: run_until_done(
                    self._authenticated(context, work), deadline=deadline, receive=request.receive
                ),
            )
        except InvalidOperationTypeError as exc:  # e.g. a mutation over GET
            raise HTTPException(400, exc.as_http_error_reason(request_adapter.method)) from exc
        except CannotGetOperationTypeError as exc:
            raise HTTPException(400, exc.as_http_error_reason()) from exc
        except MissingQueryError as exc:
            raise HTTPException(400, "No GraphQL query found in the request") from exc
        if key is not None:
            self.replays.remember(key, context, result)
        return result


#: Connections a pool keeps beyond one per worker thread: the event feed's reads run on asyncio's own
#: executor, outside anyio's limit.
POOL_SPARE = 2
#: Connections a pool may open past that, closed again when returned: only if something unforeseen holds
#: connections outside the worker threads (then a request waits for none, but the pool churns).
POOL_OVERFLOW = 8


def pools(settings: Settings) -> dict:
    """Pool sizes for the worker's concurrency: every thread that may hold a connection at once has one
    kept for it, so under load connections are never closed and opened again. (SQLAlchemy's default of
    5 kept and 10 more closed on return opened about 630 PostgreSQL connections in 10 s under 8
    concurrent requests.) Connections are opened only when that many run at once."""
    return {"pool_size": settings.worker_threads + POOL_SPARE, "max_overflow": POOL_OVERFLOW}


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings.from_env()
    use_phone_regions(settings.phone_regions.split(","))
    engine = create_engine(settings.database_url, **pools(settings))
    # Writers draw from a pool of their own. A request holds its read transaction, and a connection of
    # the reader pool, until it ends, and may take a writer meanwhile (a rendered document is kept, the
    # link key made). Sharing one pool, as many such requests as it has connections (15) each held a
    # reader and waited for a writer that never came back: 20 concurrent first renders all timed out
    # (benchmarks/documents_load.py). A writer never waits for a reader, so with two pools every wait ends.
    write_engine = create_engine(settings.database_url, **pools(settings))
    stores = Stores(
        writer=lambda: SqlUnitOfWork(write_engine),
        # every request's reads, over HTTP and WebSocket alike (subscription events included)
        reader=lambda: SqlUnitOfWork(engine, read_only=True, max_read_bytes=settings.max_read_bytes),
    )
    broker = Broker()
    schema = build_schema(
        introspection=settings.introspection,
        max_depth=settings.max_depth,
        max_aliases=settings.max_aliases,
        max_tokens=settings.max_tokens,
        max_cost=settings.max_cost,
        timeout=settings.query_timeout or None,
        max_response_bytes=settings.max_response_bytes,
        compiled_reads=settings.compiled_reads,
    )
    auth = Authenticator(TokenLookup(engine), stores.writer)
    downloads = Downloads(stores, auth, default_policy(), utcnow)
    sessions = Sessions(stores.reader)  # the open WebSockets, closed when their access ends
    view = GraphQLView(
        schema,
        stores=stores,
        auth=auth,
        broker=broker,
        sessions=sessions,
        graphql_ide=settings.graphql_ide,
        allowed_origins=settings.cors_origins,
        query_timeout=settings.query_timeout,
        max_subscriptions=settings.max_subscriptions_per_socket,
        max_subscriptions_per_user=settings.max_subscriptions_per_user,
    )

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
        # the threads the pools are sized for (anyio's default is 40, which the default setting matches)
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.worker_threads
        tasks = [
            asyncio.create_task(EventFeed(engine, sessions.relay(broker.publish)).run()),
            asyncio.create_task(sessions.sweep()),
        ]
        try:
            with startup_heap_frozen():
                yield
        finally:
            # Cancel until each has stopped: on Python 3.11, asyncio.wait_for (which psycopg's waits use) can
            # swallow a cancellation that lands as its timeout fires; the feed would then wait for the next
            # NOTIFY and shutdown would hang (seen in CI). Cancelling again ends it.
            for task in tasks:
                while not task.done():
                    task.cancel()
                    await asyncio.wait({task}, timeout=1)
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            engine.dispose()
            write_engine.dispose()

    middleware = cors.middleware(settings.cors_origins, settings.cors_headers)  # the origins the view above allows
    middleware.append(Middleware(BodyLimit, max_bytes=settings.max_body_bytes))
    routes = [
        Route("/graphql", view),
        WebSocketRoute("/graphql", view),  # the view refuses other methods (405)
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/documents/{type}/{id}/{sha256}/{filename}", downloads.serve, methods=["GET"]),
    ]
    if settings.graphql_ide:
        routes += ide.routes()
    if settings.webhook_secret:
        routes.append(Route("/hooks/payments", payment_hook(stores.writer, settings.webhook_secret), methods=["POST"]))
    app = Starlette(routes=routes, middleware=middleware, lifespan=lifespan)
    app.state.engine, app.state.broker, app.state.schema, app.state.sessions = engine, broker, schema, sessions
    app.state.write_engine = write_engine  # mutations and the stores they write through
    app.state.stores = stores
    return app


def app_from_env() -> Starlette:
    """uvicorn's factory for worker processes: settings come from SALESFLOW_* variables."""
    return create_app(Settings.from_env())
