"""The addon as it ships: the wheel carries the manifest, the data files and the migrations, and an
installed wheel works on its own, without the source tree.

Slow for a unit test (a few seconds): it really builds a wheel with pip, because package data
that is missing from the wheel only shows up once the package runs from site-packages. The source is
copied to a temporary directory first so the build leaves no build/ or egg-info behind in the repo.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

import salesflow

pytestmark = pytest.mark.slow

ROOT = Path(salesflow.__file__).resolve().parent
MANIFEST_KEYS = {"name", "version", "summary", "license", "depends", "data", "external_dependencies"}
NOT_SHIPPED = shutil.ignore_patterns(
    ".git",
    ".ci",
    "build",
    "dist",
    "*.egg-info",
    "__pycache__",
    ".pytest_cache",
    ".hypothesis",
    ".benchmarks",
    ".venv",
    "*.db",
    "*.db-wal",
    "*.db-shm",
    "node_modules",
)  # tests/js's JavaScript clients


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    src = tmp_path_factory.mktemp("src") / "salesflow"
    shutil.copytree(ROOT, src, ignore=NOT_SHIPPED)
    out = tmp_path_factory.mktemp("wheelhouse")
    done = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-w", str(out)],
        cwd=src,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    wheels = list(out.glob("salesflow-*.whl"))
    assert len(wheels) == 1, wheels
    return wheels[0]


@pytest.fixture(scope="module")
def wheel_files(wheel) -> set[str]:
    with zipfile.ZipFile(wheel) as zf:
        return set(zf.namelist())


def read_manifest(wheel: Path) -> dict:
    with zipfile.ZipFile(wheel) as zf:
        return ast.literal_eval(zf.read("salesflow/__manifest__.py").decode("utf-8"))


def test_the_wheel_carries_manifest_security_data_and_migrations(wheel_files):
    for path in (
        "salesflow/__init__.py",
        "salesflow/__manifest__.py",
        "salesflow/security/access.csv",
        "salesflow/data/stages.csv",
        "salesflow/data/number_series.csv",
        "salesflow/adapters/sql/migrations/env.py",
        "salesflow/adapters/sql/migrations/script.py.mako",
    ):
        assert path in wheel_files, path
    shipped = {p for p in wheel_files if p.startswith("salesflow/adapters/sql/migrations/versions/")}
    in_tree = {
        f"salesflow/adapters/sql/migrations/versions/{p.name}"
        for p in (ROOT / "adapters/sql/migrations/versions").glob("*.py")
    }
    assert in_tree and in_tree <= shipped


def test_the_wheel_carries_the_offline_graphiql_ide(wheel_files):
    built = {f"salesflow/gateway/graphiql/{p.name}" for p in (ROOT / "gateway/graphiql").iterdir()}
    assert {"salesflow/gateway/graphiql/manifest.json", "salesflow/gateway/graphiql/index.html"} <= built
    assert built <= wheel_files, built - wheel_files


def test_every_python_package_in_the_tree_is_in_the_wheel(wheel_files):
    # pyproject lists packages by hand: a new package directory left off that list would ship empty.
    for init in ROOT.rglob("__init__.py"):
        rel = init.relative_to(ROOT)
        if rel.parts[0] in ("tests", "benchmarks", "build") or any(p.startswith(".") for p in rel.parts):
            continue
        assert f"salesflow/{rel.as_posix()}" in wheel_files, rel


def test_the_manifest_has_odoos_keys_and_lists_shipped_data(wheel, wheel_files):
    manifest = read_manifest(wheel)
    assert MANIFEST_KEYS <= set(manifest)
    assert manifest["name"] == "salesflow"
    assert isinstance(manifest["depends"], list) and isinstance(manifest["external_dependencies"], dict)
    for name in manifest["data"]:
        assert f"salesflow/{name}" in wheel_files, name
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert manifest["version"] == pyproject["project"]["version"] == salesflow.__version__
    assert wheel.name.startswith(f"salesflow-{manifest['version']}-")


def test_the_editable_install_imports_from_anywhere(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import salesflow, salesflow.adapters.sql, salesflow.statemachine;print(salesflow.__file__)",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()).resolve() == ROOT / "__init__.py"


def test_the_installed_wheel_migrates_a_database_from_site_packages(wheel, tmp_path):
    """Install the wheel into a plain venv and run `salesflow migrate` from it.

    The dependencies cannot all be resolved offline here (not every one is in a local index), and
    `--system-site-packages` would let the editable install's import hook shadow the wheel. So the
    wheel goes in with --no-deps, and a .pth line appends the host's site-packages as a bare path:
    its modules become importable, but its own .pth files (the editable finder among them) are not
    run. The test checks that salesflow is then imported from the venv, not from the source tree.
    """
    env_dir = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    done = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index", str(wheel)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    host = dict.fromkeys(sysconfig.get_paths()[k] for k in ("purelib", "platlib"))
    (site / "_host_dependencies.pth").write_text("\n".join(host) + "\n", encoding="utf-8")

    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    where = subprocess.run(
        [
            str(python),
            "-c",
            "import salesflow.adapters.sql.migrate as m, salesflow;print(salesflow.__file__); print(m.MIGRATIONS)",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert where.returncode == 0, where.stderr
    package_file, migrations = where.stdout.split()
    assert Path(package_file).is_relative_to(site), package_file
    assert Path(migrations).is_relative_to(site)

    url = f"sqlite:///{tmp_path / 'from_wheel.db'}"
    migrate = subprocess.run(
        [str(env_dir / "bin" / "salesflow"), "migrate", "--database-url", url],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrate.returncode == 0, migrate.stderr
    check = subprocess.run(
        [
            str(python),
            "-c",
            f"""
from sqlalchemy import func, select
from salesflow.adapters.sql import create_engine, tables as t
from salesflow.adapters.sql.migrate import current_revision, head_revision
e = create_engine({url!r})
with e.connect() as c:
    print(current_revision(e) == head_revision(), c.scalar(select(func.count()).select_from(t.stages)))
""",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr
    expected_stages = sum(1 for _ in (ROOT / "data/stages.csv").open(encoding="utf-8")) - 1
    assert check.stdout.split() == ["True", str(expected_stages)]
