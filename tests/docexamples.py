"""The GraphQL examples of the README and docs/: the ```graphql blocks, the queries inside the curl examples
(with their variables) and the JavaScript client's query, each with where it is written."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]

FENCED = re.compile(r"```graphql\n(.*?)```", re.S)
#: A JSON request body in single quotes, as the curl examples send it (gql '…', curl -d '…').
CURL = re.compile(r"""'(\{\s*"query"\s*:.*?\})'""", re.S)
#: A JavaScript client's query: `query: `…`` (a template literal).
TEMPLATE = re.compile(r"\bquery:\s*`([^`]*)`", re.S)


def examples(page: Path) -> list[tuple[str, str, dict | None]]:
    """(where, GraphQL text, variables) for every example on a page."""
    text = page.read_text(encoding="utf-8")
    found = []

    def line(match) -> str:
        return f"{page.name}:{text.count(chr(10), 0, match.start()) + 1}"

    for match in FENCED.finditer(text):
        found.append((line(match), match.group(1), None))
    for match in CURL.finditer(text):
        body = json.loads(match.group(1))
        found.append((line(match), body["query"], body.get("variables")))
    for match in TEMPLATE.finditer(text):
        found.append((line(match), match.group(1), None))
    return found
