"""Every GraphQL example in the README and docs/ is one the server accepts: the ```graphql blocks, the
queries inside the curl examples (with their variables) and the JavaScript client's query, each
validated against the built schema as graphql-core validates a request."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from graphql import OperationDefinitionNode, parse, validate
from graphql.execution.values import get_variable_values

from salesflow.schema.schema import build_schema

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

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


ALL = [example for page in PAGES for example in examples(page)]


@pytest.fixture(scope="module")
def schema():
    return build_schema()._schema


def test_the_readme_has_examples_of_every_kind():
    readme = examples(ROOT / "README.md")
    kinds = {
        "graphql": len(FENCED.findall((ROOT / "README.md").read_text())),
        "curl": len(CURL.findall((ROOT / "README.md").read_text())),
        "js": len(TEMPLATE.findall((ROOT / "README.md").read_text())),
    }
    assert all(kinds.values()), kinds
    assert len(readme) == sum(kinds.values())


@pytest.mark.parametrize("where,document,variables", ALL, ids=[e[0] for e in ALL])
def test_the_example_is_valid_against_the_schema(schema, where, document, variables):
    ast = parse(document)
    errors = [e.message for e in validate(schema, ast)]
    assert not errors, f"{where}: {errors}"
    if variables is not None:
        operation = next(d for d in ast.definitions if isinstance(d, OperationDefinitionNode))
        coerced = get_variable_values(schema, operation.variable_definitions, variables)
        assert not isinstance(coerced, list), f"{where}: {[e.message for e in coerced]}"
