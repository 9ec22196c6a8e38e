"""The default store: SQLAlchemy 2 over SQLite (default) or PostgreSQL."""
from __future__ import annotations

from sqlalchemy.engine import Engine

from .data_loader import load_data
from .engine import DEFAULT_URL, create_engine
from .migrate import upgrade
from .uow import SqlUnitOfWork


def install(url: str = DEFAULT_URL) -> Engine:
    """Create or upgrade the database and load the data files; returns its engine."""
    engine = create_engine(url)
    upgrade(engine)
    load_data(engine)
    return engine


__all__ = ["DEFAULT_URL", "SqlUnitOfWork", "create_engine", "install", "load_data", "upgrade"]
