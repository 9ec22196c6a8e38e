"""pyproject.toml says what the code needs: every third-party package a module imports is declared
(runtime code in `dependencies`, an optional backend in its extra, tests in the `test` extra), and
the runtime package never imports the test tools."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import salesflow

ROOT = Path(salesflow.__file__).resolve().parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
NOT_SHIPPED = {"tests", "benchmarks", "build", "dist", "docs"}
#: Packages of an extra that runtime modules may import, and which modules: the backend the extra is
#: for, and the conformance suite, which imports pytest only when a check runs (see the last test).
OPTIONAL = {"beancount": ("beancount", ("adapters/beancount/",)), "pytest": ("test", ("adapters/testing.py",))}
#: Declared but never imported, and why.
NOT_IMPORTED = {
    "websockets": "uvicorn's WebSocket protocol (serve runs uvicorn with ws='auto')",
    "uvloop": "uvicorn's event loop (serve leaves loop='auto')",
    "httptools": "uvicorn's HTTP/1.1 parser (serve leaves http='auto')",
}


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _declared(*groups: str) -> set[str]:
    project = PYPROJECT["project"]
    names = {_name(r) for r in project["dependencies"]}
    for group in groups:
        names |= {_name(r) for r in project["optional-dependencies"][group]}
    return names


def _sources(area: str) -> list[Path]:
    if area == "runtime":
        return [
            p
            for p in ROOT.rglob("*.py")
            if not (set(p.relative_to(ROOT).parts) & NOT_SHIPPED)
            and not any(part.startswith(".") or part == "node_modules" for part in p.relative_to(ROOT).parts)
        ]
    return list((ROOT / area).rglob("*.py"))


def third_party_imports(files: list[Path]) -> dict[str, set[str]]:
    """Top-level module name -> the files importing it, for every import outside the stdlib and salesflow."""
    found: dict[str, set[str]] = {}
    for path in files:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                modules = [node.module]
            else:
                continue
            for module in modules:
                top = module.split(".")[0]
                if top not in sys.stdlib_module_names and top not in ("salesflow", "__future__"):
                    found.setdefault(top, set()).add(path.relative_to(ROOT).as_posix())
    return found


def _distribution(module: str) -> str:
    dists = packages_distributions().get(module)
    assert dists, f"{module} is imported but no installed distribution provides it"
    return dists[0].lower().replace("_", "-")


def test_every_package_the_runtime_code_imports_is_declared():
    missing = {}
    for module, files in third_party_imports(_sources("runtime")).items():
        dist = _distribution(module)
        if dist in _declared():
            continue
        extra, owners = OPTIONAL.get(dist, (None, ()))
        outside = {f for f in files if not f.startswith(owners)} if extra and dist in _declared(extra) else files
        if outside:
            missing[dist] = sorted(outside)
    assert missing == {}, f"imported by the runtime package but not in [project] dependencies: {missing}"


def test_every_package_the_tests_import_is_in_the_test_extra():
    local = {p.stem for p in (ROOT / "tests").glob("*.py")}  # tests/gql.py, tests/support.py
    missing = {
        _distribution(m): sorted(files)
        for m, files in third_party_imports(_sources("tests")).items()
        if m not in local and _distribution(m) not in _declared("test")
    }
    assert missing == {}, f"imported by the tests but not in the test extra: {missing}"


def test_every_declared_runtime_dependency_is_used():
    imported = {_distribution(m) for m in third_party_imports(_sources("runtime"))}
    unused = _declared() - imported - set(NOT_IMPORTED)
    assert unused == set(), f"declared but imported nowhere (drop them, or say in NOT_IMPORTED why): {unused}"


def test_importing_the_runtime_package_does_not_import_the_test_tools():
    modules = sorted(
        "salesflow." + ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        for p in _sources("runtime")
        if "migrations" not in p.relative_to(ROOT).parts and p.name != "__manifest__.py"
    )
    program = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print(sorted(m for m in ('pytest', '_pytest', 'hypothesis', 'time_machine') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, cwd=ROOT.parent)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", f"the runtime package imported test tools: {done.stdout}"
    assert "salesflow.adapters.testing" in modules and "salesflow.gateway.cli" in modules
