"""Sends queued messages: claim due rows, call WeCom outside any transaction, record results."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from bot.config import OutboxConfig
from bot.wecom_client import TRANSPORT_ERRCODE, WeComClient, WeComError
from models.clock import Clock
from models.db import Database
from models.messages import ButtonCard, CardUpdate, Text, reply_from_payload
from models.repos.outbox import Claimed, OutboxRepo

log = logging.getLogger("qingjia.outbox")

TASK_ID_USED = 42014  # a card's task_id WeCom has seen: on a retry, the first send arrived


@dataclass(frozen=True)
class _Result:
    row_id: int
    attempts: int
    error: WeComError | None
    response_code: str | None = None


class OutboxWorker:
    """Delivers every queued message once, in order per recipient, within WeCom's pace limits."""

    def __init__(self, db: Database, client: WeComClient, config: OutboxConfig, *,
                 school_id: int, clock: Clock, batch: int = 50) -> None:
        self._db = db
        self._client = client
        self._config = config
        self._school_id = school_id
        self._clock = clock
        self._batch = batch
        self.wakeup = asyncio.Event()

    async def run_once(self) -> int:
        """Send what is due now; the number of rows claimed."""
        async with self._db.unit_of_work() as session:
            rows = await OutboxRepo(session, self._school_id).claim_due(
                self._clock(), limit=self._batch,
                lease=timedelta(seconds=self._config.lease_seconds),
                per_minute=self._config.per_member_per_minute)
        if not rows:
            return 0
        results = await asyncio.gather(*(self._send(claim) for claim in rows))
        await self._record(results)
        return len(rows)

    async def _send(self, claim: Claimed) -> _Result:
        row = claim.row
        reply = reply_from_payload(row.kind, row.payload)
        if isinstance(reply, CardUpdate) and not reply.response_code:
            code = await self._card_code(reply.task_id)
            if code is None and not reply.fallback:
                return _Result(row.id, row.attempts, WeComError(0, "card has no response code",
                                                                retryable=False))
            # a card we hold no code for (its send's answer was lost) is closed by a text
            reply = (Text(reply.fallback) if code is None
                     else dataclasses.replace(reply, response_code=code))
        check = self._config.duplicate_check_seconds if _may_have_arrived(claim) else 0
        try:
            code = await self._client.send(row.touser, reply, duplicate_check_seconds=check)
        except WeComError as exc:
            if exc.errcode == TASK_ID_USED and isinstance(reply, ButtonCard) \
                    and _may_have_arrived(claim):
                log.info("card already delivered outbox=%s touser=%s", row.id, row.touser)
                return _Result(row.id, row.attempts, None, None)
            log.warning("send failed outbox=%s touser=%s errcode=%s retryable=%s", row.id,
                        row.touser, exc.errcode, exc.retryable)
            return _Result(row.id, row.attempts, exc)
        return _Result(row.id, row.attempts, None, code)

    async def _card_code(self, task_id: str) -> str | None:
        async with self._db.read() as session:
            return await OutboxRepo(session, self._school_id).card_response_code(task_id)

    async def _record(self, results: Sequence[_Result]) -> None:
        now = self._clock()
        async with self._db.unit_of_work() as session:
            repo = OutboxRepo(session, self._school_id)
            for result in results:
                if result.error is None:
                    await repo.mark_sent(result.row_id, now, result.response_code)
                elif result.error.retryable:
                    await repo.retry_later(result.row_id, now + self._backoff(result.attempts),
                                           str(result.error))
                else:
                    await repo.give_up(result.row_id, str(result.error))
        sent = sum(1 for r in results if r.error is None)
        log.info("outbox batch sent=%d failed=%d", sent, len(results) - sent)

    def _backoff(self, attempts: int) -> timedelta:
        """Exponential with jitter, capped: 1 s, 2 s, 4 s … up to the configured maximum."""
        base = min(self._config.max_backoff_seconds, 2 ** max(0, attempts - 1))
        return timedelta(seconds=base * random.uniform(0.8, 1.2))

    async def run_forever(self, idle_poll_seconds: float = 1.0) -> None:
        while True:
            self.wakeup.clear()
            try:
                claimed = await self.run_once()
            except Exception:
                log.exception("outbox worker error; retrying")
                claimed = 0
            if not claimed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self.wakeup.wait(), idle_poll_seconds)


def _may_have_arrived(claim: Claimed) -> bool:
    """Whether an earlier attempt may have reached WeCom: only then ask its duplicate check.

    A first attempt, or a retry after WeCom refused (busy, rate limit, token), cannot repeat
    anything; asking the check then would drop a legitimately repeated reply (the same help
    text twice in half an hour). A sender that died mid-send, or a network error or timeout,
    leaves it unknown, and WeCom's check is the second guard against a double send.
    """
    if not claim.tried_before:
        return False
    return claim.last_error is None or claim.last_error.startswith(f"errcode {TRANSPORT_ERRCODE}:")
