"""The default store: SQLAlchemy 2 over SQLite (default) or PostgreSQL."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from .data_loader import load_data
from .engine import DEFAULT_URL, UnsupportedDatabase, create_engine, describe
from .migrate import installed, upgrade
from .uow import SqlUnitOfWork


class NoDatabase(LookupError):
    """No salesflow database where a command looked; `where` says where that was."""

    def __init__(self, where: str):
        super().__init__(f"no salesflow database at {where}")
        self.where = where


def install(url: str = DEFAULT_URL) -> Engine:
    """Create or upgrade the database and load the data files; returns its engine."""
    engine = create_engine(url)
    upgrade(engine)
    load_data(engine)
    return engine


def open_installed(url: str = DEFAULT_URL) -> Engine:
    """The engine of a database `install` created, brought up to date; NoDatabase if there is none.

    Every command but `migrate` and `serve` opens the database this way, so one run in the wrong
    directory says so instead of quietly creating an empty database there.
    """
    engine = create_engine(url)
    if not installed(engine):
        engine.dispose()
        raise NoDatabase(describe(url))
    upgrade(engine)
    load_data(engine)
    return engine


__all__ = [
    "DEFAULT_URL",
    "NoDatabase",
    "SqlUnitOfWork",
    "UnsupportedDatabase",
    "create_engine",
    "describe",
    "install",
    "load_data",
    "open_installed",
    "upgrade",
]
