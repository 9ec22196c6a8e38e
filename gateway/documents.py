"""`GET /documents/<type>/<id>/<sha256>/<filename>`: the bytes of one rendering of a document.

The GraphQL `document` field gives the path (`RenderedDocument.url`) and a signed link
(`signedUrl`). With `Authorization: Bearer <token>` the path is served to whoever may read the
document: the same role and owner rules as the document itself (a sales rep gets another rep's
document as 404, as GraphQL answers NOT_FOUND). With `?expires=…&signature=…` (documents/links.py)
it is served to anyone until the link expires: that is the link a customer gets by e-mail.

Only bytes recorded as a rendition of that very document are served, so a digest of another
document's bytes is 404 too. Frozen documents' bytes never change: they go out `immutable`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

import anyio
from starlette.requests import Request
from starlette.responses import Response

from ..documents import links
from ..documents.archive import REPOSITORIES
from ..domain.access import AccessPolicy
from ..schema.core.context import Stores
from ..statemachine.documents import rendition_of
from ..statemachine.engine import Context
from .auth import Authenticator, bearer

SAFE_NAME = re.compile(r"[A-Za-z0-9._-]{1,100}")
#: A rendered page needs nothing from anywhere (its images are inline): it may run and fetch nothing.
PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; font-src data:"
NOT_FOUND = Response("no such document\n", status_code=404, media_type="text/plain")


class Downloads:
    def __init__(
        self,
        stores: Stores,
        auth: Authenticator,
        policy: AccessPolicy,
        clock: Callable[[], datetime],
    ):
        self.stores, self.auth, self.policy, self.clock = stores, auth, policy, clock

    async def serve(self, request: Request) -> Response:
        return await anyio.to_thread.run_sync(self.answer, request)

    def answer(self, request: Request) -> Response:
        kind, ident, digest = (request.path_params[k] for k in ("type", "id", "sha256"))
        if kind not in REPOSITORIES or not (ident.isascii() and ident.isdigit()):
            return NOT_FOUND
        query = request.query_params
        user = None
        if "signature" in query or "expires" in query:
            if not links.valid(
                self.stores.link_key(self.clock()),
                request.url.path,
                query.get("expires"),
                query.get("signature"),
                self.clock(),
            ):
                return Response("this link is not valid or has expired\n", status_code=403, media_type="text/plain")
        else:
            token = bearer(request.headers.get("authorization"))
            user = self.auth.user(token) if token else None
            if user is None:
                return Response(
                    "a bearer token or a signed link is required\n",
                    status_code=401,
                    media_type="text/plain",
                    headers={"WWW-Authenticate": "Bearer"},
                )
            if not self.policy.may(user.role, "read", kind):
                return NOT_FOUND
        with self.stores.reader() as uow:
            document = getattr(uow, REPOSITORIES[kind]).get(int(ident))
            if document is None or (user is not None and not Context(uow, user).sees(document)):
                return NOT_FOUND
            rendition = rendition_of(uow, kind, document.id, digest)
            found = uow.blobs.find(sha256=digest) if rendition is not None else []
            if not found:
                return NOT_FOUND
            blob = found[0]
        name = request.path_params["filename"]
        headers = {
            "Content-Disposition": f'inline; filename="{name if SAFE_NAME.fullmatch(name) else "document"}"',
            "ETag": f'"{blob.sha256}"',
            "X-Content-Type-Options": "nosniff",
            # the bytes under a digest never change; a customer's link stays private to its holder
            "Cache-Control": "private, max-age=31536000, immutable",
        }
        if blob.content_type.startswith("text/html"):
            headers["Content-Security-Policy"] = PAGE_POLICY
        return Response(blob.content, media_type=blob.content_type, headers=headers)
