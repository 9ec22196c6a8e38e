"""graphql-codegen, as SPA developers run it on salesflow's contract, makes TypeScript that compiles.

tests/js/codegen.ts generates the schema's types from schema.graphql (every custom scalar mapped, with
`strictScalars`, so a new scalar without a mapping fails the generation) and each operation's types from
the README's and docs' GraphQL examples (named as a developer pasting them into an SPA would name them)
and the operations of tests/js/*.mjs. `tsc --strict` then checks the generated files with
tests/js/codegen-usage.ts, which uses them as an SPA does, and with the variables the curl examples send.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import jsclients
from docexamples import PAGES, examples
from graphql import OperationDefinitionNode, parse

CODEGEN = jsclients.JS / "node_modules" / "@graphql-codegen" / "cli" / "cjs" / "bin.js"
TSC = jsclients.JS / "node_modules" / "typescript" / "bin" / "tsc"
#: An SPA's compiler settings (a Vite project's): strict, ES modules resolved as a bundler does.
STRICT = ["--noEmit", "--strict", "--target", "es2022", "--module", "esnext", "--moduleResolution", "bundler"]
SECONDS = 60  # each of the two runs; both take about a second


def pascal(text: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in re.split(r"[^A-Za-z0-9]+", text))


def operations() -> list[tuple[str, str, str, dict | None]]:
    """(where, operation type name, GraphQL text, variables) for every example of the README and docs/, an
    anonymous operation named after its page and first field (ReadmeSendQuote), as an SPA would name it."""
    found, taken = [], set()
    for page in PAGES:
        for where, document, variables in examples(page):
            (operation,) = [d for d in parse(document).definitions if isinstance(d, OperationDefinitionNode)]
            kind = operation.operation.value
            if operation.name is None:
                base = pascal(page.stem.lower()) + pascal(operation.selection_set.selections[0].name.value)
                name, n = base, 1
                while name in taken:  # a second example of the same field: ReadmeSendQuote2
                    n += 1
                    name = f"{base}{n}"
                at = operation.loc.start
                if document[at] == "{":  # the query shorthand
                    document = f"{document[:at]}query {name} {document[at:]}"
                else:
                    at += len(kind)
                    document = f"{document[:at]} {name}{document[at:]}"
            else:
                name = operation.name.value
            taken.add(name)
            found.append((where, name + kind.capitalize(), document, variables))
    return found


def run(node: str, args: list, cwd: Path, env: dict | None = None) -> str:
    done = subprocess.run(
        [node, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=SECONDS, env=env, check=False
    )
    output = f"{done.stdout}\n{done.stderr}"
    assert done.returncode == 0, f"{Path(args[0]).name} {args[1:]} failed:\n{output[-6000:]}"
    return output


def test_graphql_codegen_generates_typescript_that_compiles_for_the_readme_operations(tmp_path):
    node = jsclients.install()
    (tmp_path / "documents").mkdir()
    found = operations()
    variables = ['import type * as Operations from "./operations";']
    for i, (where, operation, document, values) in enumerate(found):
        (tmp_path / "documents" / f"{i:02d}-{operation}.graphql").write_text(f"# {where}\n{document}", "utf-8")
        if values is not None:  # what the curl example sends must be what the generated types ask for
            variables.append(f"export const example{i}: Operations.{operation}Variables = {json.dumps(values)};")
    (tmp_path / "examples.ts").write_text("\n".join(variables) + "\n", "utf-8")
    shutil.copy(jsclients.JS / "codegen-usage.ts", tmp_path)

    env = {**os.environ, "SALESFLOW_CODEGEN_DIR": str(tmp_path)}
    output = run(node, [CODEGEN, "--config", "codegen.ts"], jsclients.JS, env)
    generated = (tmp_path / "operations.ts").read_text("utf-8")
    for where, operation, _, _ in found:
        assert f"export type {operation} = " in generated, f"no type for {where} ({operation})"
    assert "export type EventsSubscription = " in generated  # tests/js/apollo-subscriber.mjs
    assert not re.search(r"warn|deprecat", output, re.I), output

    run(node, [TSC, *STRICT, "schema.ts", "operations.ts", "examples.ts", "codegen-usage.ts"], tmp_path)
