"""A GraphQL client for tests: the real Starlette app in-process (httpx over ASGI), one token per client."""

from __future__ import annotations

import threading
from contextlib import contextmanager

from sqlalchemy import event
from starlette.testclient import TestClient

from salesflow.adapters.sql import SqlUnitOfWork, create_engine
from salesflow.gateway.app import create_app
from salesflow.gateway.settings import Settings
from salesflow.statemachine.users import create_token


def code(body: dict) -> str | None:
    """The first error's `extensions.code` of a GraphQL answer, or None."""
    errors = body.get("errors") or []
    return (errors[0].get("extensions") or {}).get("code") if errors else None


@contextmanager
def statements(gateway, *tables: str, with_parameters: bool = False):
    """The statements requests send on the app's readers' engine within the block, in order: not the event
    feed's polls (asyncio's threads); with `tables`, only those that name one of them (which also leaves out
    PostgreSQL's SET statement_timeout). With_parameters: (statement, parameters) pairs."""
    seen: list = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if threading.current_thread().name.startswith("asyncio_"):
            return
        if not tables or any(table in statement for table in tables):
            seen.append((statement, parameters) if with_parameters else statement)

    engine = gateway.app.state.engine
    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


class GraphQL:
    """Posts operations as a user; `run` returns `data`, and fails the test on top-level errors."""

    def __init__(self, http: TestClient, token: str | None):
        self.http, self.token = http, token

    def post(self, query: str, variables: dict | None = None, **extra) -> dict:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        response = self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}, **extra}, headers=headers
        )
        return (
            response.json()
            if response.headers.get("content-type", "").startswith("application/json")
            else {"status": response.status_code, "text": response.text}
        )

    def run(self, query: str, variables: dict | None = None) -> dict:
        body = self.post(query, variables)
        assert "errors" not in body, body.get("errors")
        return body["data"]

    def mutate(self, name: str, query: str, variables: dict | None = None) -> dict:
        """Run a mutation and return its payload, failing on any UserError."""
        payload = self.run(query, variables)[name]
        assert payload["errors"] == [], payload["errors"]
        return payload


class Gateway:
    """One app over one database, handing out clients per role."""

    def __init__(self, database_url: str, **settings):
        self.database_url = database_url
        self.app = create_app(Settings(database_url=database_url, **settings))
        self.http = TestClient(self.app)
        self.http.__enter__()
        self._engine = create_engine(database_url)

    def token(self, user: str, role: str) -> str:
        return create_token(SqlUnitOfWork(self._engine), user, role)[1]

    def client(self, user: str = "admin", role: str = "admin") -> GraphQL:
        return GraphQL(self.http, self.token(user, role))

    def close(self) -> None:
        self.http.__exit__(None, None, None)
        self._engine.dispose()
