"""The GraphiQL IDE is served by the gateway itself: a browser opening /graphql gets a page that loads
its script and stylesheet from this server (content-hashed, cached for a year) and may talk to
nothing else; `--no-ide` serves neither. (tests/e2e/test_graphiql.py runs it in Chromium.)
"""

from __future__ import annotations

import re

import pytest
from gql import Gateway

from salesflow.gateway import ide

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture
def built() -> dict:
    return ide.manifest()


def test_a_browser_opening_graphql_gets_the_ide_page_without_a_token(gateway, built):
    page = gateway.http.get("/graphql", headers=BROWSER)

    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert page.headers["cache-control"] == "no-cache"  # a new release's asset names are seen at once
    loaded = re.findall(r'(?:src|href)="([^"]*)"', page.text)
    assert sorted(loaded) == sorted(["data:,", *(f"graphiql/{name}" for name in built["assets"])])


def test_the_ide_page_may_load_and_reach_only_its_own_server(gateway):
    page = gateway.http.get("/graphql", headers={**BROWSER, "Host": "sales.example:8443"})

    policy = dict(d.strip().split(" ", 1) for d in page.headers["content-security-policy"].split(";"))
    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == "'self'"
    assert policy["connect-src"] == "'self' ws://sales.example:8443 wss://sales.example:8443"
    assert policy["font-src"] == policy["img-src"] == "'self' data:"


def test_a_host_header_that_is_not_a_host_adds_nothing_to_the_policy(gateway):
    page = gateway.http.get("/graphql", headers={**BROWSER, "Host": "evil; script-src *"})

    assert "connect-src 'self';" in page.headers["content-security-policy"]
    assert "evil" not in page.headers["content-security-policy"]


def test_the_ide_files_are_cached_for_a_year_and_sent_gzipped(gateway, built):
    for name in built["assets"]:
        response = gateway.http.get(f"/graphiql/{name}", headers={"Accept-Encoding": "gzip"})

        assert response.status_code == 200, name
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert response.headers["content-encoding"] == "gzip"
        assert response.content == (ide.ASSETS / name).read_bytes()  # httpx has decoded it
        expected = "text/javascript" if name.endswith(".js") else "text/css"
        assert response.headers["content-type"].startswith(expected)


def test_the_licences_of_the_bundled_packages_are_served_beside_them(gateway, built):
    notices = gateway.http.get(f"/graphiql/{built['notices']}")

    assert notices.status_code == 200
    assert f"graphiql {built['graphiql']} (MIT)" in notices.text
    assert f"react {built['react']} (MIT)" in notices.text


@pytest.mark.parametrize("name", ["manifest.json", "index.html", "..%2Fide.py", "graphiql-0000.js"])
def test_the_ide_serves_nothing_but_its_built_files(gateway, name):
    assert gateway.http.get(f"/graphiql/{name}").status_code == 404


def test_with_the_ide_turned_off_a_browser_needs_a_token_and_gets_no_ide_files(database_url, built):
    without = Gateway(database_url, graphql_ide=False)
    try:
        assert without.http.get("/graphql", headers=BROWSER).status_code == 401
        assert without.http.get(f"/graphiql/{built['assets'][0]}").status_code == 404
    finally:
        without.close()


def test_the_ide_stylesheet_inlines_its_fonts_and_icons(built):
    """Nothing for the browser to fetch from elsewhere: every url() in the stylesheet is a data: URL."""
    css = next(name for name in built["assets"] if name.endswith(".css"))
    urls = re.findall(r"url\(\s*['\"]?([^'\")\s]{0,16})", (ide.ASSETS / css).read_text(encoding="utf-8"))
    assert urls and all(u.startswith("data:") for u in urls), {u for u in urls if not u.startswith("data:")}


def test_the_ide_is_one_script_and_one_stylesheet_with_hashed_names(built):
    assert sorted(name.rsplit(".", 1)[1] for name in built["assets"]) == ["css", "js"]
    for name in built["assets"]:
        assert re.fullmatch(r"graphiql-[A-Z0-9]{8}\.(js|css)", name), name  # esbuild's [name]-[hash]
        size = (ide.ASSETS / name).stat().st_size
        assert size > 100_000, f"{name} is {size} bytes: not a GraphiQL bundle (a Git LFS pointer?)"
