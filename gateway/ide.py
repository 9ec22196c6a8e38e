"""The GraphiQL IDE, served by the gateway itself so that it works on a network with no internet.

A browser opening GET /graphql gets `graphiql/index.html` (strawberry decides when: the request
accepts text/html). The page loads one script and one stylesheet from /graphiql/, named by their
content hash and so cached for a year, and talks only to this server: POST /graphql and the
graphql-ws WebSocket at /graphql, with the headers the user types (the bearer token). It holds no
data, so it needs no token itself. The files are built from pinned npm packages by
tools/graphiql/build.sh, which also writes the manifest naming them and the bundled packages' licences.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, PlainTextResponse, Response
from starlette.routing import Mount, Route, Router

ASSETS = Path(__file__).with_name("graphiql")
PREFIX = "/graphiql"  # the page (at /graphql) refers to "graphiql/<file>", relative to itself
FOREVER = "public, max-age=31536000, immutable"  # safe: a changed file gets a new name

# What the page may load: its own script and stylesheet, the data: URLs inlined in the stylesheet
# (fonts, icons), and requests to this server only. The dialogs' scroll lock injects a <style>
# element, hence 'unsafe-inline' for styles (styles cannot send anything anywhere under this policy).
POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'{sockets}; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
HOST = re.compile(r"[A-Za-z0-9.-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?")


@cache
def manifest() -> dict:
    """What tools/graphiql/build.sh built: the graphiql version, the page, the hashed assets, the notices."""
    return json.loads((ASSETS / "manifest.json").read_text(encoding="utf-8"))


@cache
def _page_html() -> str:
    return (ASSETS / manifest()["page"]).read_text(encoding="utf-8")


def _policy(request: Request) -> str:
    # Browsers that predate CSP 3 do not count ws:/wss: to the page's own host as 'self'; name them.
    host = request.headers.get("host", "")
    sockets = f" ws://{host} wss://{host}" if HOST.fullmatch(host) else ""
    return POLICY.format(sockets=sockets)


def page(request: Request) -> Response:
    """The IDE's HTML page, revalidated on every load so that a new release's asset names are picked up."""
    return HTMLResponse(
        _page_html(),
        headers={
            "Cache-Control": "no-cache",
            "Content-Security-Policy": _policy(request),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        },
    )


async def _asset(request: Request) -> Response:
    name, built = request.path_params["name"], manifest()
    if name in built["assets"]:
        return FileResponse(ASSETS / name, headers={"Cache-Control": FOREVER, "X-Content-Type-Options": "nosniff"})
    if name == built["notices"]:
        return FileResponse(
            ASSETS / name, media_type="text/plain; charset=utf-8", headers={"Cache-Control": "no-cache"}
        )
    return PlainTextResponse("Not Found", status_code=404)


def routes() -> list[Mount]:
    """The IDE's files under /graphiql/, gzipped on the way out (the script is 1.4 MB, 0.45 MB gzipped)."""
    manifest()  # a package installed without its IDE files fails here, at startup, not on a user's click
    files = Router(routes=[Route("/{name}", _asset, methods=["GET", "HEAD"])])
    return [Mount(PREFIX, app=GZipMiddleware(files, minimum_size=1024))]
