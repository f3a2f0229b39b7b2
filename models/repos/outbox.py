"""The outbox: messages written with the change that caused them, sent later by a worker."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models.messages import ButtonCard, Markdown, Outgoing, Text
from models.messaging import OutboxMessage
from models.repos._sql import insert_ignoring_duplicates_many
from models.rules.textparts import split_text

BATCH = 500


@dataclass(frozen=True)
class Claimed:
    """A row taken for sending, with what its previous attempt left behind."""

    row: OutboxMessage
    tried_before: bool
    last_error: str | None  # None after a tried row: the sender died without a result


class OutboxRepo:
    def __init__(self, session: AsyncSession, school_id: int) -> None:
        self._session = session
        self._school_id = school_id

    async def add(self, messages: Iterable[Outgoing], now: datetime) -> int:
        """Queue messages in the current unit of work; keyed ones at most once. Returns added.

        Written in batches of multi-row INSERTs (a truancy run queues thousands), in order.
        """
        rows = [self._values(part, now) for out in messages for part in _parts(out)]
        added = 0
        for start in range(0, len(rows), BATCH):
            added += len(await insert_ignoring_duplicates_many(
                self._session, OutboxMessage.__table__, rows[start:start + BATCH],
                OutboxMessage.id))
        return added

    def _values(self, out: Outgoing, now: datetime) -> dict[str, object]:
        task_id = out.reply.task_id if isinstance(out.reply, ButtonCard) else None
        return {"school_id": self._school_id, "touser": out.touser, "kind": out.reply.kind,
                "payload": out.reply.to_payload(), "created_at": now, "status": "pending",
                "attempts": 0, "next_attempt_at": now, "task_id": task_id,
                "dedupe_key": out.key, "sent_at": None, "last_error": None,
                "response_code": None}

    async def claim_due(self, now: datetime, *, limit: int, lease: timedelta,
                        per_minute: int) -> list[Claimed]:
        """Due rows, at most the oldest pending one per recipient, leased to this worker.

        A recipient who already got `per_minute` messages in the last minute is skipped and
        their row moved to when the minute frees up.
        """
        earlier = aliased(OutboxMessage)
        blocked = select(earlier.id).where(
            earlier.touser == OutboxMessage.touser, earlier.status == "pending",
            earlier.id < OutboxMessage.id, earlier.school_id == self._school_id,
        ).exists()
        rows = list(await self._session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.school_id == self._school_id, OutboxMessage.status == "pending",
                   OutboxMessage.next_attempt_at <= now, ~blocked)
            .order_by(OutboxMessage.id).limit(limit)
            .with_for_update(skip_locked=True)
        ))
        recent = await self._recent_sends({r.touser for r in rows}, now)
        claimed = []
        for row in rows:
            times = recent.get(row.touser, [])
            if len(times) >= per_minute:
                row.next_attempt_at = times[-per_minute] + timedelta(seconds=60)
                continue
            claimed.append(Claimed(row, tried_before=row.attempts > 0,
                                   last_error=row.last_error))
            row.attempts += 1
            row.next_attempt_at = now + lease
            row.last_error = None  # stays None if this worker dies before recording a result
        await self._session.flush()
        return claimed

    async def _recent_sends(self, recipients: set[str],
                            now: datetime) -> dict[str, list[datetime]]:
        if not recipients:
            return {}
        rows = await self._session.execute(
            select(OutboxMessage.touser, OutboxMessage.sent_at)
            .where(OutboxMessage.school_id == self._school_id,
                   OutboxMessage.touser.in_(recipients),
                   OutboxMessage.sent_at > now - timedelta(seconds=60))
            .order_by(OutboxMessage.sent_at))
        recent: dict[str, list[datetime]] = {}
        for touser, sent_at in rows:
            if sent_at is not None:
                recent.setdefault(touser, []).append(sent_at)
        return recent

    async def mark_sent(self, row_id: int, now: datetime, response_code: str | None) -> None:
        await self._session.execute(
            update(OutboxMessage).where(OutboxMessage.id == row_id)
            .values(status="sent", sent_at=now, last_error=None, response_code=response_code))

    async def card_response_code(self, task_id: str) -> str | None:
        """The code WeCom gave when the card was sent, for updating it later."""
        return await self._session.scalar(
            select(OutboxMessage.response_code)
            .where(OutboxMessage.school_id == self._school_id, OutboxMessage.task_id == task_id,
                   OutboxMessage.status == "sent"))

    async def retry_later(self, row_id: int, at: datetime, error: str) -> None:
        await self._session.execute(
            update(OutboxMessage).where(OutboxMessage.id == row_id)
            .values(next_attempt_at=at, last_error=error[:200]))

    async def give_up(self, row_id: int, error: str) -> None:
        """A message WeCom refuses for good (unknown user…): kept, marked, never retried."""
        await self._session.execute(
            update(OutboxMessage).where(OutboxMessage.id == row_id)
            .values(status="dead", last_error=error[:200]))


def _parts(out: Outgoing) -> list[Outgoing]:
    """A text too long for WeCom as numbered parts (keyed ones keyed per part), else itself."""
    if not isinstance(out.reply, Text | Markdown):
        return [out]
    parts = split_text(out.reply.content)
    if len(parts) == 1:
        return [out]
    return [Outgoing(out.touser, dataclasses.replace(out.reply, content=part),
                     f"{out.key[:110]}#{i}" if out.key else None)
            for i, part in enumerate(parts, 1)]
