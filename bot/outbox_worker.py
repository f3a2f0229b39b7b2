"""Sends queued messages: claim due rows, call WeCom outside any transaction, record results."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import OutboxConfig
from bot.notice_sender import NoticeSender
from bot.outbox_health import CONFIG_ERRCODES, ApiHealth
from bot.outbox_notices import SCHOOL_NOT_ALLOWED, UNREACHABLE, tell_paused, tell_unreachable
from bot.waiting import wait_until
from bot.wecom_client import TRANSPORT_ERRCODE, WeComClient, WeComError
from models.clock import Clock
from models.db import Database
from models.logsafe import without_data
from models.messages import ButtonCard, CardUpdate, Text, reply_from_payload
from models.repos.outbox import Claimed, OutboxRepo, Pace, Sent
from models.repos.roster import RosterRepo
from models.rules.channel import FAMILY_CHANNEL, school_notice
from models.rules.masking import mask_payload
from models.rules.textparts import joined

log = logging.getLogger("qingjia.outbox")

TASK_ID_USED = 42014  # a card's task_id WeCom has seen: on a retry, the first send arrived


@dataclass(frozen=True)
class _Result:
    row_ids: tuple[int, ...]
    touser: str
    error: WeComError | None
    response_code: str | None = None
    masked: tuple[dict[str, Any] | None, ...] = ()  # per row: its payload once sent, if changed
    family: bool = False  # sent as 学校通知 to a 家校 parent


class OutboxWorker:
    """Delivers every queued message once, in order per recipient, within WeCom's pace limits."""

    def __init__(self, db: Database, client: WeComClient, config: OutboxConfig, *,
                 school_id: int, clock: Clock, batch: int = 50, public_url: str = "") -> None:
        self._db = db
        self._public_url = public_url  # where 学校通知's links to our pages point
        self._client = client
        self._config = config
        self._school_id = school_id
        self._clock = clock
        self._batch = batch
        self.health = ApiHealth(max_backoff_seconds=config.max_backoff_seconds,
                                probe_seconds=config.pause_probe_seconds)
        self.wakeup = asyncio.Event()
        self.notices = NoticeSender(db, client, config, school_id=school_id, clock=clock,
                                    health=self.health, public_url=public_url)

    async def run_once(self) -> int:
        """Send what is due now, then a batch of notices; the number of API calls tried."""
        tried = await self._run_messages()
        return tried + await self.notices.run_once()

    async def _run_messages(self) -> int:
        """Send the queued messages due now; the number of messages tried."""
        limit = self.health.allowance(self._clock(), self._batch)
        if not limit:
            return 0
        async with self._db.unit_of_work() as session:
            claims = await OutboxRepo(session, self._school_id).claim_due(
                self._clock(), limit=limit,
                lease=timedelta(seconds=self._config.lease_seconds),
                pace=Pace(self._config.per_member_per_minute, self._config.per_member_per_hour))
            # the channel is chosen per guardian when the message goes, as the roster says now
            family = (await RosterRepo(session, self._school_id).family_guardians(
                {c.row.touser for c in claims}) if claims else set())
        if not claims:
            return 0
        results = await asyncio.gather(*(
            self._send_school(claim) if _to_family(claim, family) else self._send(claim)
            for claim in claims))
        await self._record(results)
        return len(claims)

    async def _send(self, claim: Claimed) -> _Result:
        row, ids = claim.row, tuple(r.id for r in claim.rows)
        reply = reply_from_payload(row.kind, row.payload)
        if claim.gathered:
            reply = Text(joined([str(r.payload.get("content", "")) for r in claim.rows]))
        if isinstance(reply, CardUpdate) and not reply.response_code:
            code = await self._card_code(reply.task_id)
            if code is None and not reply.fallback:
                return _Result(ids, row.touser, WeComError(0, "card has no response code",
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
                return _Result(ids, row.touser, None, None, _masked(claim))
            log.warning("send failed outbox=%s touser=%s errcode=%s retryable=%s", row.id,
                        row.touser, exc.errcode, exc.retryable)
            return _Result(ids, row.touser, exc)
        return _Result(ids, row.touser, None, code, _masked(claim))

    async def _send_school(self, claim: Claimed) -> _Result:
        """To a 家校 parent: the same message as 学校通知 (text, or news opening our page)."""
        row, ids = claim.row, tuple(r.id for r in claim.rows)
        reply = reply_from_payload(row.kind, row.payload)
        if claim.gathered:
            reply = Text(joined([str(r.payload.get("content", "")) for r in claim.rows]))
        notice = school_notice(reply, self._public_url)
        if notice is None:  # a card update: 家校 parents hold no card to update
            return _Result(ids, row.touser, None, None, _masked(claim), family=True)
        check = self._config.duplicate_check_seconds if _may_have_arrived(claim) else 0
        try:
            await self._client.send_school_notice(row.touser, notice,
                                                  duplicate_check_seconds=check)
        except WeComError as exc:
            log.warning("school notice failed outbox=%s touser=%s errcode=%s retryable=%s",
                        row.id, row.touser, exc.errcode, exc.retryable)
            if exc.errcode in SCHOOL_NOT_ALLOWED:  # this API only: members are still reached
                exc = WeComError(UNREACHABLE, exc.errmsg, retryable=False)
            return _Result(ids, row.touser, exc, family=True)
        return _Result(ids, row.touser, None, None, _masked(claim), family=True)

    async def _card_code(self, task_id: str) -> str | None:
        async with self._db.read() as session:
            return await OutboxRepo(session, self._school_id).card_response_code(task_id)

    async def _record(self, results: Sequence[_Result]) -> None:
        now = self._clock()
        was_paused = self.health.paused
        async with self._db.unit_of_work() as session:
            repo = OutboxRepo(session, self._school_id)
            await repo.mark_sent([
                Sent(row_id, r.response_code, gathered=index > 0,
                     payload=r.masked[index] if index < len(r.masked) else None)
                for r in results if r.error is None for index, row_id in enumerate(r.row_ids)],
                now)
            for result in results:
                if result.error is not None:
                    for row_id in result.row_ids:
                        await self._record_failure(repo, now, row_id, result.error)
            if any(r.error is None for r in results) and self.health.succeeded():
                released = await repo.release_retries(now)
                log.warning("wecom answers again: outbox resumed, %d waiting sent now", released)
            elif self.health.paused is not None and was_paused is None:
                await self._announce_pause(session, self.health.paused.errcode)
            for result in results:
                if result.error is not None and result.error.errcode == UNREACHABLE:
                    await tell_unreachable(session, self._school_id, result.touser, now,
                                           family=result.family)
        sent = sum(1 for r in results if r.error is None)
        log.info("outbox batch sent=%d failed=%d", sent, len(results) - sent)

    async def _record_failure(self, repo: OutboxRepo, now: datetime, row_id: int,
                              error: WeComError) -> None:
        if error.retryable or error.errcode in CONFIG_ERRCODES:
            await repo.retry_later(row_id, self.health.failed(now, error.errcode), str(error))
        else:
            await repo.give_up(row_id, str(error))

    async def _announce_pause(self, session: AsyncSession, errcode: int) -> None:
        """Once a pause: the log, and the 管理员 (who read it when sending works again)."""
        log.error("outbox paused: WeCom refuses our configuration (errcode %s); messages are "
                  "kept and a probe is sent every %s s", errcode,
                  self._config.pause_probe_seconds)
        await tell_paused(session, self._school_id, errcode, self._clock())

    async def run_forever(self, idle_poll_seconds: float = 1.0,
                          gate: asyncio.Semaphore | None = None) -> None:
        """Send as rows come due; `gate`: shared by the schools of a process, so only so many
        send rounds run at once."""
        while True:
            self.wakeup.clear()
            try:
                if gate is None:
                    claimed = await self.run_once()
                else:
                    async with gate:
                        claimed = await self.run_once()
            except Exception as exc:
                log.error("outbox worker error; retrying: %s", without_data(exc))
                claimed = 0
            if not claimed:
                await wait_until(self.wakeup, idle_poll_seconds)


def _to_family(claim: Claimed, family: set[str]) -> bool:
    """Whether the row goes as 学校通知: to a 家校 parent, unless it was queued for a member
    (a chat reply: its sender is a member, even one whose userid a 家校 parent_userid equals)."""
    channel = claim.row.channel
    return channel == FAMILY_CHANNEL or (channel is None and claim.row.touser in family)


def _masked(claim: Claimed) -> tuple[dict[str, Any] | None, ...]:
    """Each claimed row's payload with its codes masked, or None where nothing changes."""
    out = []
    for row in claim.rows:
        masked = mask_payload(row.payload)
        out.append(masked if masked != row.payload else None)
    return tuple(out)


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
