"""The gateway's connections: a request that holds a read transaction can always get a writer.

A request keeps its read transaction (a connection of the reader pool) until it ends, and may take
a writer meanwhile: the `document` field keeps what it rendered, the link key is made once. If both
came from one pool, as many concurrent requests as it has connections would each hold a reader and
wait for a writer forever (benchmarks/documents_load.py: 20 concurrent first renders all timed out).
"""

from __future__ import annotations

from sqlalchemy import text

from salesflow.gateway.app import create_app
from salesflow.gateway.settings import Settings


def test_a_writer_takes_no_connection_from_the_pool_that_request_readers_hold(database_url):
    stores = create_app(Settings(database_url=database_url)).state.stores
    with stores.reader() as reader:
        readers_pool = reader.engine.pool
        held = readers_pool.checkedout()
        assert held >= 1
        with stores.writer() as writer:
            assert writer.connection.execute(text("SELECT 1")).scalar_one() == 1
            assert readers_pool.checkedout() == held
