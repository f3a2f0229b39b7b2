"""Delivers notices in batches: up to 1,000 guardians per call, part by part, within each
guardian's pace; and recalls withdrawn ones.

Members get the text, the image and the 收到 card by `message/send`; 家校 parents get one 学校通知
news item by `externalcontact/message/send`, opening the notice's page (its image, if any, is
shown there) where they tap 收到. A guardian WeCom cannot reach is told to the 管理员 once.

Rows come from notice_recipient (services/notices/send.py writes them, due at the notice's
time). A batch is one notice, one part, one channel; each channel has its transport here
(`TRANSPORTS`), chosen per guardian in services/notices/channels.py.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.config import OutboxConfig
from bot.outbox_health import ApiHealth
from bot.outbox_notices import SCHOOL_NOT_ALLOWED, tell_unreachable
from bot.wecom_client import Batch, WeComClient, WeComError
from models.clock import Clock
from models.db import Database
from models.messages import ButtonCard, Reply
from models.notice import Notice, NoticeRecipient
from models.repos.notices import NoticeRepo
from models.repos.outbox import HOUR, MINUTE, OutboxRepo, Pace
from models.repos.roster import RosterRepo
from models.rules.channel import SchoolNotice
from services.notices.channels import FAMILY, MEMBER
from services.notices.views import as_news, parts

log = logging.getLogger("qingjia.notices")

TASK_ID_USED = 42014


@dataclass(frozen=True)
class Transport:
    """A channel's way to a guardian: what they receive, part by part (from the notice, its
    sender's name, the batch's first row id and the service's public URL), and one call that
    sends a part to a batch of them."""

    parts: Callable[[Notice, str, int, str], Sequence[Any]]
    send: Callable[[WeComClient, list[str], Any, int], Awaitable[Batch]]


async def _member_send(client: WeComClient, userids: list[str], reply: Reply,
                       check: int) -> Batch:
    return await client.send_many(userids, reply, duplicate_check_seconds=check)


async def _family_send(client: WeComClient, userids: list[str], news: SchoolNotice,
                       check: int) -> Batch:
    try:
        return await client.send_school_notices(userids, news, duplicate_check_seconds=check)
    except WeComError as exc:
        if exc.errcode in SCHOOL_NOT_ALLOWED:  # the app may not reach them: each one unreachable
            return Batch("", frozenset(userids))
        raise


TRANSPORTS: dict[str, Transport] = {
    MEMBER: Transport(lambda notice, sender, first, _url: parts(notice, sender, first),
                      _member_send),
    FAMILY: Transport(lambda notice, sender, _first, url: [as_news(notice, sender, url)],
                      _family_send),
}


class NoticeSender:
    def __init__(self, db: Database, client: WeComClient, config: OutboxConfig, *,
                 school_id: int, clock: Clock, health: ApiHealth, public_url: str = "") -> None:
        self._db = db
        self._public_url = public_url  # where a 学校通知's link to the notice's page points
        self._client = client
        self._config = config
        self._school_id = school_id
        self._clock = clock
        self._health = health

    async def run_once(self) -> int:
        """One batch and any recalls due; the number of API calls made."""
        now = self._clock()
        async with self._db.read() as session:  # one read for both: most rounds find neither
            repo = NoticeRepo(session, self._school_id)
            recalls = [(n.id, await repo.msgids(n.id)) for n in await repo.recalls_due()]
            due = await repo.has_due(now)
        calls = await self._recall(recalls)
        if not due or self._health.allowance(self._clock(), 1) == 0:
            return calls
        now = self._clock()
        pace = Pace(self._config.per_member_per_minute, self._config.per_member_per_hour)
        async with self._db.unit_of_work() as session:
            repo = NoticeRepo(session, self._school_id)
            rows = await repo.claim_batch(now, timedelta(seconds=self._config.lease_seconds))
            if not rows:
                return calls
            rows = await self._within_pace(session, repo, rows, now, pace)
            if not rows:
                return calls
            notice = await repo.get(rows[0].notice_id)
            assert notice is not None
            sender = await RosterRepo(session, self._school_id).display_name(notice.sender)
            first_id = min(r.id for r in rows)
            stage, channel = rows[0].stage, rows[0].channel
            transport = TRANSPORTS[channel]
            all_parts = transport.parts(notice, sender or "学校", first_id, self._public_url)
            tried_before = any(r.attempts > 1 for r in rows)
            batch = [(r.id, r.userid) for r in rows]
        if notice.status != "active":
            return calls
        reply = all_parts[stage]
        userids = [u for _, u in batch]
        check = self._config.duplicate_check_seconds if tried_before else 0
        error: WeComError | None = None
        result: Batch | None = None
        try:
            result = await transport.send(self._client, userids, reply, check)
        except WeComError as exc:
            if exc.errcode == TASK_ID_USED and isinstance(reply, ButtonCard) and tried_before:
                result = Batch("", frozenset())  # the earlier try arrived
            else:
                error = exc
        await self._record(notice, batch, stage, len(all_parts), reply, result, error,
                           family=channel == FAMILY)
        return calls + 1

    async def _within_pace(self, session, repo: NoticeRepo,  # type: ignore[no-untyped-def]
                           rows: list[NoticeRecipient], now: datetime,
                           pace: Pace) -> list[NoticeRecipient]:
        """Rows whose guardian has a free slot now; the others wait for theirs."""
        users = [r.userid for r in rows]
        recent = await OutboxRepo(session, self._school_id).recent_sends(set(users), now)
        keep = []
        for row in rows:
            times = sorted(recent.get(row.userid, []))
            frees = []
            for limit, window in ((pace.per_minute, MINUTE), (pace.per_hour, HOUR)):
                inside = [t for t in times if t > now - window]
                if len(inside) >= limit:
                    frees.append(inside[-limit] + window)
            if frees:
                row.next_attempt_at = max(frees)
                row.attempts -= 1
            else:
                keep.append(row)
        return keep

    async def _record(self, notice: Notice, batch: list[tuple[int, str]], stage: int,
                      count: int, reply: Any, result: Batch | None,
                      error: WeComError | None, *, family: bool) -> None:
        now = self._clock()
        async with self._db.unit_of_work() as session:
            repo = NoticeRepo(session, self._school_id)
            rows = {r.id: r for r in await repo.rows([i for i, _ in batch])}
            if error is not None:
                at = self._health.failed(now, error.errcode)
                log.warning("notice batch failed notice=%s size=%d errcode=%s", notice.id,
                            len(batch), error.errcode)
                for row in rows.values():
                    row.last_error = str(error)[:200]
                    if error.retryable:
                        row.next_attempt_at = at
                    else:
                        row.status = "dead"
                return
            assert result is not None
            self._health.succeeded()
            for row in rows.values():
                if row.userid in result.invalid:
                    row.status, row.last_error = "dead", "invaliduser"
                    await tell_unreachable(session, self._school_id, row.userid, now,
                                           family=family)
                    continue
                row.stage = stage + 1
                row.last_sent_at, row.next_attempt_at, row.last_error = now, now, None
                if result.msgid:
                    row.msgids = [*row.msgids, result.msgid]
                if isinstance(reply, ButtonCard):
                    row.task_id = reply.task_id
                if row.stage >= count:
                    row.status = "sent"
            await repo.mark_sent(notice.id, now)
        log.info("notice batch sent notice=%s part=%d size=%d", notice.id, stage, len(batch))

    async def _recall(self, due: list[tuple[int, list[str]]]) -> int:
        """Recall the delivered parts of withdrawn notices (`message/recall`, per msgid)."""
        calls = 0
        for notice_id, msgids in due:
            for msgid in msgids:
                calls += 1
                try:
                    await self._client.recall(msgid)
                except WeComError as exc:
                    if exc.retryable:
                        return calls  # try again on the next round
                    log.warning("recall refused notice=%s errcode=%s", notice_id, exc.errcode)
            async with self._db.unit_of_work() as session:
                await NoticeRepo(session, self._school_id).recall_done(notice_id)
        return calls
