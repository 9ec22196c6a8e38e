"""What the operator-command tests share: a migrated database and `salesflow …` run in-process against it."""

from __future__ import annotations

import pytest

from salesflow.adapters.sql import install
from salesflow.gateway.cli import main


@pytest.fixture
def url(tmp_path) -> str:
    """A database `salesflow migrate` made (the operator commands refuse one that does not exist)."""
    made = f"sqlite:///{tmp_path / 'salesflow.db'}"
    install(made).dispose()
    return made


@pytest.fixture
def salesflow(url, capsys):
    """Run `salesflow <args> --database-url <url>`: (exit code, stdout, stderr)."""

    def run(*args: str) -> tuple[int, str, str]:
        code = main([*args, "--database-url", url])
        out, err = capsys.readouterr()
        return code, out, err

    return run
