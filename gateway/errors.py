"""`/graphql` refusals at the HTTP level (401, 400, 405 …) answer GraphQL JSON, as every GraphQL client parses it.

GraphiQL and Apollo read any answer of a GraphQL endpoint as a GraphQL response: a plain-text body
makes them fail with a JSON parse error instead of showing why the request was refused. So the body
is `{"errors": [{"message": …, "extensions": {"code": …}}]}` and the status stays the HTTP one. A
missing or bad token also carries the bearer challenge of RFC 6750.
"""

from __future__ import annotations

import orjson
from cross_web import HTTPException
from starlette.responses import Response

#: HTTP status -> `extensions.code` of the error (Apollo's names where it has one)
CODES = {
    400: "BAD_REQUEST",
    401: "UNAUTHENTICATED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED",
    413: "PAYLOAD_TOO_LARGE",
    415: "UNSUPPORTED_MEDIA_TYPE",
}
REALM = "salesflow"
ALLOWED_METHODS = "GET, POST"  # of /graphql over HTTP (RFC 9110: a 405 says which ones)


class Unauthorized(HTTPException):
    """No valid bearer token: 401 with `WWW-Authenticate: Bearer` (RFC 6750 §3)."""

    def __init__(self, token_sent: bool):
        super().__init__(401, "a valid bearer token is required (Authorization: Bearer <token>)")
        # A request without credentials gets the bare challenge; a token that was sent but is
        # unknown, expired or revoked is named as the reason (error="invalid_token").
        challenge = f'Bearer realm="{REALM}"'
        if token_sent:
            challenge += ', error="invalid_token", error_description="the bearer token is not valid"'
        self.headers = {"WWW-Authenticate": challenge}


def error_response(exc: HTTPException) -> Response:
    """The refusal as a GraphQL response body with the refusal's HTTP status (and headers)."""
    body = {"errors": [{"message": exc.reason, "extensions": {"code": CODES.get(exc.status_code, "BAD_REQUEST")}}]}
    headers = dict(getattr(exc, "headers", None) or {})
    if exc.status_code == 405:
        headers["Allow"] = ALLOWED_METHODS
    return Response(orjson.dumps(body), status_code=exc.status_code, media_type="application/json", headers=headers)
