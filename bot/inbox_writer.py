"""Group commit for callbacks: concurrent deliveries share one transaction (and one fsync).

Each callback still gets its answer only after the transaction holding its row has committed,
so a 200 always means the row is on disk; under load many rows ride on one commit.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass

from models.clock import Clock
from models.db import Database
from models.messages import Incoming
from models.repos.inbox import InboxRepo

log = logging.getLogger("qingjia.inbox")

MAX_BATCH = 200


@dataclass
class _Pending:
    message: Incoming
    done: asyncio.Future[bool]


class InboxWriter:
    """Queues callbacks and writes them in batches; `record` returns once its row is durable."""

    def __init__(self, db: Database, *, school_id: int, clock: Clock) -> None:
        self._db = db
        self._school_id = school_id
        self._clock = clock
        self._queue: list[_Pending] = []
        self._flusher: asyncio.Task[None] | None = None

    async def record(self, message: Incoming) -> bool:
        """True when the message is new, False for a repeat; raises if it could not be stored."""
        future: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
        self._queue.append(_Pending(message, future))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        return await future

    async def _flush(self) -> None:
        """Write what is queued, batch after batch, until the queue is empty."""
        while self._queue:
            batch, self._queue = self._queue[:MAX_BATCH], self._queue[MAX_BATCH:]
            try:
                async with self._db.unit_of_work() as session:
                    fresh = await InboxRepo(session, self._school_id).record_many(
                        [p.message for p in batch], self._clock())
            except Exception as exc:  # every waiter in the batch answers 503
                for pending in batch:
                    if not pending.done.done():
                        pending.done.set_exception(exc)
                continue
            for pending in batch:  # a key twice in one batch: only the first is new
                key = pending.message.dedupe_key
                if not pending.done.done():
                    pending.done.set_result(key in fresh)
                fresh.discard(key)
