"""CORS origins and headers are checked and written once, as browsers send them, when settings load."""

from __future__ import annotations

import pytest
from strawberry.http.websocket_origin import normalize_allowed_origins, normalize_origin

from salesflow.gateway import cors
from salesflow.gateway.cors import CorsSettingError


@pytest.mark.parametrize(
    ("written", "sent"),
    [
        ("http://localhost:5173/", "http://localhost:5173"),  # copied from the address bar
        ("HTTPS://App.Example.com:443", "https://app.example.com"),  # browsers leave out the default port
        ("http://127.0.0.1:80", "http://127.0.0.1"),
        ("http://[0:0::1]:5173", "http://[::1]:5173"),
        ("https://bücher.example", "https://xn--bcher-kva.example"),
        ("tauri://localhost", "tauri://localhost"),  # desktop and mobile shells have schemes of their own
    ],
)
def test_an_origin_is_kept_as_browsers_send_it(written, sent):
    assert cors.origin(written) == sent


@pytest.mark.parametrize(
    ("written", "why"),
    [
        ("localhost:5173", "give its scheme, e.g. http://localhost:5173"),
        ("http://app.example/spa", "without a path"),
        ("http://app.example?x=1", "without a path"),
        ("http://app.example:99999", "port must be a number from 1 to 65535"),
        ("http://user@app.example", "no user name or password"),
        ("http://*.example.com", "wildcards are not supported"),
        ("http://local host", "is not a host name"),
        ("http://-app-.example", "is not a host name"),
        ("http://", "names no host"),
        ("ws://app.example", "not the socket's"),
        ("null", "pages without an origin send it"),
    ],
)
def test_an_address_that_is_not_an_origin_is_refused_saying_why(written, why):
    with pytest.raises(CorsSettingError) as refused:
        cors.origin(written)
    assert why in str(refused.value) and repr(written.strip()) in str(refused.value)


def test_the_origins_setting_is_split_at_commas_without_repeats():
    given = " http://localhost:5173/ , https://app.example,http://LOCALHOST:5173,"
    assert cors.origins(given) == ("http://localhost:5173", "https://app.example")
    assert cors.origins("") == () and cors.origins(()) == ()


def test_a_star_allows_every_origin_only_when_alone():
    assert cors.origins("*") == ("*",)
    with pytest.raises(CorsSettingError, match="give it alone"):
        cors.origins("*, https://app.example")


@pytest.mark.parametrize("written", ["http://localhost:5173/", "HTTPS://App.Example:443", "http://[::1]:8080", "*"])
def test_the_websocket_check_reads_the_origins_exactly_as_the_http_one(written):
    """strawberry normalises the origins it is given again: ours must come out unchanged, so the
    HTTP preflight (which compares strings) and the WebSocket handshake allow the same pages."""
    allowed = cors.origins(written)
    assert normalize_allowed_origins(allowed) == frozenset(allowed)
    assert all(o == "*" or normalize_origin(o) == o for o in allowed)


def test_extra_request_headers_are_lower_cased_without_the_default_ones():
    assert cors.headers("X-Tenant-Id, Sentry-Trace, x-tenant-id") == ("x-tenant-id",)
    assert {"apollographql-client-name", "apollographql-client-version", "traceparent"} <= set(cors.DEFAULT_HEADERS)


@pytest.mark.parametrize("written", ["x tenant", "*", "x-tenant:1", "ü"])
def test_a_request_header_that_is_not_a_header_name_is_refused(written):
    with pytest.raises(CorsSettingError, match="is not a header name"):
        cors.headers(written)
