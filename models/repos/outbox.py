"""The outbox: messages written with the change that caused them, sent later by a worker."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Integer, Select, bindparam, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from models.db import OUTBOX_CHANNEL, notify
from models.messages import ButtonCard, Markdown, Outgoing, Text
from models.messaging import OutboxMessage
from models.repos._sql import built_once, insert_ignoring_duplicates_many
from models.repos.notices import NoticeRepo
from models.rules.textparts import gather, split_text

BATCH = 500
GATHER_MAX = 50
MINUTE, HOUR = timedelta(seconds=60), timedelta(hours=1)


@built_once
def _due() -> Select[OutboxMessage]:
    """Due rows, none with an older one pending for the same recipient that is due, in flight or
    being retried (binds: school_id, now, limit). An older row that has never been tried and
    waits for a later time (a job's notice held through quiet hours) does not hold back a reply
    that is due now."""
    earlier = aliased(OutboxMessage)
    blocked = select(earlier.id).where(
        earlier.touser == OutboxMessage.touser, earlier.status == "pending",
        earlier.id < OutboxMessage.id, earlier.school_id == bindparam("school_id"),
        or_(earlier.attempts > 0, earlier.next_attempt_at <= bindparam("now")),
    ).exists()
    return (select(OutboxMessage)
            .where(OutboxMessage.school_id == bindparam("school_id"),
                   OutboxMessage.status == "pending",
                   OutboxMessage.next_attempt_at <= bindparam("now"), ~blocked)
            .order_by(OutboxMessage.id).limit(bindparam("limit", type_=Integer))
            .with_for_update(skip_locked=True))


@built_once
def _waiting() -> Select[str, int]:
    return (select(OutboxMessage.touser, func.count())
            .where(OutboxMessage.school_id == bindparam("school_id"),
                   OutboxMessage.touser.in_(bindparam("recipients", expanding=True)),
                   OutboxMessage.status == "pending",
                   OutboxMessage.next_attempt_at <= bindparam("now"))
            .group_by(OutboxMessage.touser))


@built_once
def _sent_since() -> Select[str, datetime | None]:
    return (select(OutboxMessage.touser, OutboxMessage.sent_at)
            .where(OutboxMessage.school_id == bindparam("school_id"),
                   OutboxMessage.touser.in_(bindparam("recipients", expanding=True)),
                   OutboxMessage.status == "sent",
                   OutboxMessage.sent_at > bindparam("since"))
            .order_by(OutboxMessage.sent_at))


@dataclass(frozen=True)
class Pace:
    """At most `per_minute` messages in any 60 s and `per_hour` in any hour to one recipient."""

    per_minute: int
    per_hour: int


@dataclass(frozen=True)
class Claimed:
    """A row taken for sending, with what its previous attempt left behind; `gathered` are the
    recipient's next texts, sent with it as one message (held back by the pace)."""

    row: OutboxMessage
    tried_before: bool
    last_error: str | None  # None after a tried row: the sender died without a result
    gathered: tuple[OutboxMessage, ...] = ()

    @property
    def rows(self) -> tuple[OutboxMessage, ...]:
        return (self.row, *self.gathered)


@dataclass(frozen=True)
class Sent:
    """A row delivered: `gathered` when inside another row's message (not counted by the pace);
    `payload`, when given, replaces the stored one (codes masked once sent)."""
    row_id: int
    response_code: str | None
    gathered: bool = False
    payload: dict[str, Any] | None = None


class OutboxRepo:
    def __init__(self, session: AsyncSession, school_id: int) -> None:
        self._session = session
        self._school_id = school_id

    async def add(self, messages: Iterable[Outgoing], now: datetime, *,
                  not_before: datetime | None = None) -> int:
        """Queue messages in the current unit of work; keyed ones at most once. Returns added.
        `not_before`: none is sent before then (a job's notices wait out quiet hours).

        Written in batches of multi-row INSERTs (a truancy run queues thousands), in order.
        """
        rows = [self._values(part, now) for out in messages for part in _parts(out)]
        if not_before is not None and not_before > now:
            for row in rows:
                row["next_attempt_at"] = not_before
        added = 0
        for start in range(0, len(rows), BATCH):
            added += len(await insert_ignoring_duplicates_many(
                self._session, OutboxMessage.__table__, rows[start:start + BATCH],
                OutboxMessage.id))
        if added:
            await notify(self._session, OUTBOX_CHANNEL, self._school_id)
        return added

    def _values(self, out: Outgoing, now: datetime) -> dict[str, object]:
        task_id = out.reply.task_id if isinstance(out.reply, ButtonCard) else None
        return {"school_id": self._school_id, "touser": out.touser, "kind": out.reply.kind,
                "payload": out.reply.to_payload(), "created_at": now, "status": "pending",
                "attempts": 0, "next_attempt_at": now, "task_id": task_id,
                "dedupe_key": out.key, "sent_at": None, "last_error": None,
                "response_code": None, "channel": out.channel}

    async def claim_due(self, now: datetime, *, limit: int, lease: timedelta,
                        pace: Pace) -> list[Claimed]:
        """Due rows, the oldest pending one per recipient, leased to this worker.

        The pace is counted from this table, so it holds across processes. A recipient at the
        limit is skipped and their row moved to when a slot frees; one with more texts waiting
        than slots left gets them gathered into one message.
        """
        rows = list(await self._session.scalars(
            _due(), {"school_id": self._school_id, "now": now, "limit": limit}))
        recent = await self.recent_sends({r.touser for r in rows}, now)
        waiting = await self._waiting_counts({r.touser for r in rows if r.kind == "text"}, now)
        claimed = []
        for row in rows:
            times = recent.get(row.touser, [])
            free_at = _slot_frees(times, now, pace)
            if free_at is not None:
                row.next_attempt_at = free_at
                continue
            slots = min(pace.per_minute - _within(times, now, MINUTE),
                        pace.per_hour - _within(times, now, HOUR))
            gathered = (await self._gatherable(row, now) if waiting.get(row.touser, 0) > slots
                        else ())
            claimed.append(Claimed(row, tried_before=row.attempts > 0,
                                   last_error=row.last_error, gathered=gathered))
            for taken in (row, *gathered):
                taken.attempts += 1
                taken.next_attempt_at = now + lease
                taken.last_error = None  # stays None if this worker dies before a result
        await self._session.flush()
        return claimed

    async def _waiting_counts(self, recipients: set[str], now: datetime) -> dict[str, int]:
        """How many due messages wait for each recipient (one query for the batch)."""
        if not recipients:
            return {}
        rows = await self._session.execute(
            _waiting(), {"school_id": self._school_id, "recipients": list(recipients),
                         "now": now})
        return {touser: int(count) for touser, count in rows}

    async def _gatherable(self, row: OutboxMessage, now: datetime) -> tuple[OutboxMessage, ...]:
        """The texts right after `row` that fit with it in one message."""
        waiting = list(await self._session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.school_id == self._school_id,
                   OutboxMessage.touser == row.touser, OutboxMessage.status == "pending",
                   OutboxMessage.id > row.id, OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.id).limit(GATHER_MAX)))
        texts = [row]
        for other in waiting:
            if other.kind != "text":
                break
            texts.append(other)
        count = gather([str(t.payload.get("content", "")) for t in texts])
        return tuple(texts[1:count])

    async def recent_sends(self, recipients: set[str],
                           now: datetime) -> dict[str, list[datetime]]:
        """Each recipient's messages in the last hour, by send time (a gathered row is "gathered",
        counted in the message that carried it); a notice's batch counts for each recipient."""
        if not recipients:
            return {}
        recent = await self._recent_outbox(recipients, now)
        for touser, times in (await NoticeRepo(self._session, self._school_id)
                              .recent_parts(recipients, now - HOUR)).items():
            recent[touser] = sorted([*recent.get(touser, []), *times])
        return recent

    async def _recent_outbox(self, recipients: set[str],
                             now: datetime) -> dict[str, list[datetime]]:
        rows = await self._session.execute(
            _sent_since(), {"school_id": self._school_id, "recipients": list(recipients),
                            "since": now - HOUR})
        recent: dict[str, list[datetime]] = {}
        for touser, sent_at in rows:
            if sent_at is not None:
                recent.setdefault(touser, []).append(sent_at)
        return recent

    async def release_retries(self, now: datetime) -> int:
        """Rows waiting out a failure are due now (the API answers again); how many."""
        result = await self._session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.school_id == self._school_id,
                   OutboxMessage.status == "pending", OutboxMessage.next_attempt_at > now,
                   OutboxMessage.last_error.is_not(None))
            .values(next_attempt_at=now))
        return int(getattr(result, "rowcount", 0) or 0)

    async def mark_sent(self, sent: Iterable[Sent], now: datetime) -> None:
        """Delivered, all in one statement (a row per parameter set, by primary key)."""
        rows = []
        for one in sent:
            values: dict[str, Any] = {"id": one.row_id,
                                      "status": "gathered" if one.gathered else "sent",
                                      "sent_at": now, "last_error": None,
                                      "response_code": one.response_code}
            if one.payload is not None:
                values["payload"] = one.payload
            rows.append(values)
        if rows:
            await self._session.execute(update(OutboxMessage), rows)

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

    async def purge_before(self, cutoff: datetime) -> int:
        """Delete messages sent (or given up) before `cutoff`; how many."""
        result = await self._session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.school_id == self._school_id,
                OutboxMessage.status != "pending", OutboxMessage.created_at < cutoff,
                (OutboxMessage.sent_at < cutoff) | OutboxMessage.sent_at.is_(None)))
        return int(getattr(result, "rowcount", 0) or 0)

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
                     f"{out.key[:110]}#{i}" if out.key else None, out.channel)
            for i, part in enumerate(parts, 1)]


def _within(times: list[datetime], now: datetime, window: timedelta) -> int:
    return sum(1 for t in times if t > now - window)


def _slot_frees(times: list[datetime], now: datetime, pace: Pace) -> datetime | None:
    """None when the pace has a slot now, else when the first one frees (times ascending)."""
    frees = []
    for limit, window in ((pace.per_minute, MINUTE), (pace.per_hour, HOUR)):
        inside = [t for t in times if t > now - window]
        if len(inside) >= limit:
            frees.append(inside[-limit] + window)
    return max(frees) if frees else None
