"""The WebSocket side of `/graphql` (graphql-transport-ws): text frames, who may open a socket, who is on it.

- **Text frames.** The protocol's clients (graphql-ws, Apollo's GraphQLWsLink, urql, GraphiQL)
  parse only text frames; a binary one fails with "Message is missing the 'type' property". Our
  JSON encoder returns orjson's bytes, which strawberry would send as binary frames, so the
  socket's adapter sends each message as text (HTTP keeps the bytes).
- **Origins.** Browsers apply no CORS to WebSockets: any page can open one. The handshake checks
  `Origin` (strawberry's `allowed_origins`, fed with the CORS origins): pages on those origins and
  on our own connect, pages elsewhere get 403 (cross-site WebSocket hijacking). Clients that send
  no `Origin` (Node, curl, servers) are not browsers and connect; like everyone, they must then
  authenticate in `connection_init`.
- **Messages in.** Only JSON objects: a client that sends anything else is told so (close 4400).
- **Authentication.** The bearer token travels in `connection_init`'s payload, since browsers
  cannot set headers on a WebSocket handshake.
- **Operations at once.** A socket runs at most `max_subscriptions_per_socket` operations at a
  time (subscriptions, and queries and mutations in flight), and a user's sockets together at most
  `max_subscriptions_per_user` in one process: each active subscription costs a resolution per
  event. One more `subscribe` is answered, as graphql-transport-ws answers an operation that cannot
  run, with an `error` message for its id (code TOO_MANY_SUBSCRIPTIONS); the socket and its other
  operations go on, and once one completes there is room again.
"""

from __future__ import annotations

import weakref
from collections.abc import AsyncGenerator, Mapping

from cross_web import HTTPException
from graphql import GraphQLError
from starlette.websockets import WebSocketDisconnect
from strawberry.asgi import ASGIWebSocketAdapter
from strawberry.http.exceptions import NonJsonMessageReceived, WebSocketDisconnected
from strawberry.subscriptions.protocols.graphql_transport_ws.handlers import BaseGraphQLTransportWSHandler

from ..i18n import preferred
from .auth import bearer

#: The default for `SALESFLOW_MAX_SUBSCRIPTIONS_PER_SOCKET`: a screen subscribes to a few kinds of
#: documents; every active subscription resolves its selection at every event it may see.
DEFAULT_MAX_SUBSCRIPTIONS = 10
#: The default for `SALESFLOW_MAX_SUBSCRIPTIONS_PER_USER`: a few tabs' worth of sockets.
DEFAULT_MAX_SUBSCRIPTIONS_PER_USER = 30


class TextFrames(ASGIWebSocketAdapter):
    """strawberry's Starlette WebSocket adapter, sending every message as a text frame, and taking
    only JSON objects (the protocol's messages): anything else closes the socket with 4400."""

    async def iter_json(self, *, ignore_parsing_errors: bool = False) -> AsyncGenerator[object, None]:
        try:
            async for message in super().iter_json(ignore_parsing_errors=ignore_parsing_errors):
                if not isinstance(message, dict):
                    raise NonJsonMessageReceived
                yield message
        except HTTPException as exc:  # our decode_json refuses what is not an object, as for an HTTP body
            raise NonJsonMessageReceived from exc

    async def send_json(self, message: Mapping[str, object]) -> None:
        encoded = self.view.encode_json(message)
        try:
            await self.ws.send_text(encoded.decode() if isinstance(encoded, bytes) else encoded)
        except WebSocketDisconnect as exc:
            raise WebSocketDisconnected from exc


def connection_token(params: object) -> str | None:
    """The bearer token of a connection_init payload: `{"Authorization": "Bearer …"}` (or a bare `token`)."""
    if not isinstance(params, dict):
        return None
    raw = params.get("Authorization") or params.get("authorization") or params.get("token")
    if not isinstance(raw, str):
        return None
    return bearer(raw) if " " in raw else raw


def connection_language(params: object) -> str | None:
    """The language a connection_init payload asks for: its `Accept-Language` entry (browsers cannot set
    the handshake's headers; their own Accept-Language on the handshake is the fallback)."""
    if not isinstance(params, dict):
        return None
    raw = params.get("Accept-Language") or params.get("accept-language")
    return preferred(raw) if isinstance(raw, str) else None


def too_many_operations(limit: int, per: str = "connection") -> GraphQLError:
    """The error of a subscribe beyond the limit of its socket (or of its user's sockets)."""
    where = "This connection already runs" if per == "connection" else "Your connections to this server already run"
    return GraphQLError(
        f"{where} {limit} operations, the most allowed: complete one before subscribing again.",
        extensions={"code": "TOO_MANY_SUBSCRIPTIONS", "maximumOperations": limit, "per": per},
    )


class LimitedOperations(BaseGraphQLTransportWSHandler):
    """strawberry's graphql-transport-ws handler, refusing a subscribe beyond the limits with a coded error.

    Per socket: strawberry counts every operation in flight against `max_subscriptions_per_connection`
    and refuses the next with an uncoded "Subscription limit reached"; the check is the same, made
    first. Per user: the operations of all the sockets the user holds open in this process
    (`view.sockets_by_user`, which forgets a socket's handler once it is gone) count against the
    view's `max_operations_per_user`.
    """

    async def handle_subscribe(self, message) -> None:
        if self.connection_acknowledged and message["id"] not in self.operations:
            refusal = self._over_a_limit()
            if refusal is not None:
                await self.send_message({"id": message["id"], "type": "error", "payload": [refusal.formatted]})
                return
        await super().handle_subscribe(message)

    def _over_a_limit(self) -> GraphQLError | None:
        limit = self.max_subscriptions_per_connection
        if limit is not None and len(self.operations) >= limit:
            return too_many_operations(limit)
        per_user = getattr(self.view, "max_operations_per_user", None)
        user = self.context.user
        if per_user and user is not None:
            sockets = self.view.sockets_by_user.setdefault(user.id, weakref.WeakSet())
            sockets.add(self)
            if sum(len(handler.operations) for handler in sockets) >= per_user:
                return too_many_operations(per_user, "user")
        return None
