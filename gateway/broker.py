"""Fans committed transitions out to this process's subscribers (the feed brings them from any process)."""

from __future__ import annotations

import asyncio
from contextlib import asynccontextmanager

from ..domain.activity import Activity

QUEUE_SIZE = 1000


class Broker:
    def __init__(self):
        self._queues: set[asyncio.Queue] = set()

    @asynccontextmanager
    async def subscribe(self):
        queue: asyncio.Queue = asyncio.Queue(maxsize=QUEUE_SIZE)
        self._queues.add(queue)
        try:
            yield queue
        finally:
            self._queues.discard(queue)

    async def publish(self, batch: list[Activity]) -> None:
        for queue in list(self._queues):
            for activity in batch:
                if queue.full():  # a subscriber that stopped reading loses the oldest, not the server
                    queue.get_nowait()
                queue.put_nowait(activity)

    @property
    def subscribers(self) -> int:
        return len(self._queues)
