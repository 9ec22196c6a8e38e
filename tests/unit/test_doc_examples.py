"""Every GraphQL example in the README and docs/ is one the server accepts: the ```graphql blocks, the
queries inside the curl examples (with their variables) and the JavaScript client's query, each
validated against the built schema as graphql-core validates a request."""

from __future__ import annotations

import pytest
from docexamples import CURL, FENCED, PAGES, README, TEMPLATE, examples
from graphql import OperationDefinitionNode, parse, validate
from graphql.execution.values import get_variable_values

from salesflow.schema.schema import build_schema

ALL = [example for page in PAGES for example in examples(page)]


@pytest.fixture(scope="module")
def schema():
    return build_schema()._schema


def test_the_readme_has_examples_of_every_kind():
    readme = examples(README)
    text = README.read_text()
    kinds = {"graphql": len(FENCED.findall(text)), "curl": len(CURL.findall(text)), "js": len(TEMPLATE.findall(text))}
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
