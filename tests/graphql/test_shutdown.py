"""Stopping the server is prompt even when the event feed misses its first cancellation."""

from __future__ import annotations

import asyncio
import threading

from salesflow.gateway import app as gateway_app


class _DeafFeed:
    """An event feed whose wait swallows the first cancellation, as asyncio.wait_for on Python 3.11 can
    when the cancellation lands just as its timeout fires (psycopg waits for NOTIFY that way)."""

    def __init__(self, engine, publish):
        self.cancellations = 0

    async def run(self):
        while True:
            try:
                await asyncio.sleep(3600)
            except asyncio.CancelledError:
                self.cancellations += 1
                if self.cancellations > 1:
                    raise


def test_the_app_stops_promptly_even_if_its_event_feed_misses_a_cancellation(database_url, monkeypatch):
    from gql import Gateway

    monkeypatch.setattr(gateway_app, "EventFeed", _DeafFeed)
    gateway = Gateway(database_url)
    stopping = threading.Thread(target=gateway.close, daemon=True)
    stopping.start()
    stopping.join(15)
    assert not stopping.is_alive(), "the app's shutdown hung waiting for the event feed to stop"
