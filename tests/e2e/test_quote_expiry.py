"""`salesflow serve` expires the quotes whose validity has passed as it starts (and after each midnight
UTC), once, in the serving process, however many workers answer GraphQL."""

from __future__ import annotations

import time

from support import sent_quotes

from salesflow.adapters.sql import SqlUnitOfWork, install
from salesflow.schema.core.ids import global_id

QUOTE = "query($id: ID!) { node(id: $id) { ... on Quote { status availableActions } } }"


def _expirations(url: str) -> list[int]:
    engine = install(url)
    try:
        with SqlUnitOfWork(engine, read_only=True) as uow:
            return sorted(a.document_id for a in uow.activities.find(document_type="quote", trigger="expire"))
    finally:
        engine.dispose()


def test_serve_expires_the_lapsed_quotes_at_start_once_with_two_workers(empty_database, serve_on, tmp_path):
    lapsed_a, lapsed_b, valid = sent_quotes(empty_database, [5, 20, 90])
    with serve_on(empty_database, tmp_path, workers=2) as server:
        deadline = time.monotonic() + 20
        while _expirations(empty_database) != sorted([lapsed_a.id, lapsed_b.id]) and time.monotonic() < deadline:
            time.sleep(0.2)
        admin = server.admin()
        statuses = [
            admin.run(QUOTE, {"id": global_id("Quote", q.id)})["node"]["status"] for q in (lapsed_a, lapsed_b, valid)
        ]
        time.sleep(1)  # a second sweep (one per worker, say) would have run by now
    assert statuses == ["EXPIRED", "EXPIRED", "SENT"]
    assert _expirations(empty_database) == sorted([lapsed_a.id, lapsed_b.id])
    assert "lapsed quotes are expired" in (tmp_path / "serve.out").read_text()
