"""Notices: numbers, scopes' families, deliveries in batches, receipts and the lists."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, bindparam, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.notice import Notice, NoticeFamily, NoticeRecipient
from models.repos._sql import built_once
from models.roster import Guardian, GuardianLink, SchoolClass, Student
from models.rules.classes import class_label, class_order
from models.rules.notices import ClassRef

BATCH_MAX = 1000  # message/send: touser holds at most 1,000 ids
INSERT_BATCH = 500


# What every round of the outbox asks (see `built_once`).


@built_once
def _has_due() -> Select[int]:
    return (select(NoticeRecipient.id)
            .where(NoticeRecipient.school_id == bindparam("school_id"),
                   NoticeRecipient.status == "pending",
                   NoticeRecipient.next_attempt_at <= bindparam("now"))
            .limit(1))


@built_once
def _recalls_due() -> Select[Notice]:
    return select(Notice).where(Notice.school_id == bindparam("school_id"),
                                Notice.status == "recalled", Notice.recall_done.is_(False))


@built_once
def _parts_since() -> Select[str, int, datetime | None]:
    return (select(NoticeRecipient.userid, NoticeRecipient.stage, NoticeRecipient.last_sent_at)
            .where(NoticeRecipient.school_id == bindparam("school_id"),
                   NoticeRecipient.userid.in_(bindparam("users", expanding=True)),
                   NoticeRecipient.last_sent_at > bindparam("since")))


@dataclass(frozen=True)
class Link:
    student_id: int
    student: str
    class_label: str
    guardian: str
    channel: str = "企业微信"  # the guardian's stored channel (models/roster.py)


@dataclass(frozen=True)
class Counts:
    families: int
    confirmed: int


class NoticeRepo:
    def __init__(self, session: AsyncSession, school_id: int) -> None:
        self._session = session
        self._school_id = school_id

    # ---- scope ------------------------------------------------------------------

    async def classes(self) -> list[ClassRef]:
        rows = list(await self._session.scalars(
            select(SchoolClass).where(SchoolClass.school_id == self._school_id)))
        rows.sort(key=lambda c: class_order(c.grade, c.name))
        return [ClassRef(c.id, c.grade, c.label) for c in rows]

    async def links(self, class_ids: Sequence[int]) -> list[Link]:
        """Every (active student, guardian) pair of these classes, in 学籍号 order."""
        rows = await self._session.execute(
            select(Student.id, Student.name, SchoolClass.grade, SchoolClass.name, Guardian.userid,
                   Guardian.channel)
            .join(SchoolClass, SchoolClass.id == Student.class_id)
            .join(GuardianLink, GuardianLink.student_id == Student.id)
            .join(Guardian, Guardian.id == GuardianLink.guardian_id)
            .where(Student.school_id == self._school_id, Student.active.is_(True),
                   Student.class_id.in_(list(class_ids)))
            .order_by(Student.student_no, Guardian.userid))
        return [Link(sid, name, class_label(grade, cname), userid, channel)
                for sid, name, grade, cname, userid, channel in rows]

    # ---- writing a notice --------------------------------------------------------

    async def next_number(self) -> int:
        top = await self._session.scalar(
            select(func.max(Notice.number)).where(Notice.school_id == self._school_id))
        return int(top or 0) + 1

    async def add(self, notice: Notice) -> Notice:
        notice.school_id = self._school_id
        notice.number = await self.next_number()
        self._session.add(notice)
        await self._session.flush()
        return notice

    async def add_families(self, rows: list[dict[str, Any]]) -> dict[str, int]:
        """Insert the notice's families; their ids by family key."""
        ids: dict[str, int] = {}
        rows = [{**row, "school_id": self._school_id} for row in rows]
        for start in range(0, len(rows), INSERT_BATCH):
            result = await self._session.execute(
                insert(NoticeFamily).returning(NoticeFamily.id, NoticeFamily.family_key),
                rows[start:start + INSERT_BATCH])
            ids.update({key: fid for fid, key in result})
        return ids

    async def add_recipients(self, rows: list[dict[str, Any]]) -> None:
        for start in range(0, len(rows), INSERT_BATCH):
            await self._session.execute(insert(NoticeRecipient),
                                        rows[start:start + INSERT_BATCH])

    # ---- reading ------------------------------------------------------------------

    async def by_number(self, number: int) -> Notice | None:
        return await self._session.scalar(
            select(Notice).where(Notice.school_id == self._school_id, Notice.number == number))

    async def get(self, notice_id: int) -> Notice | None:
        return await self._session.scalar(
            select(Notice).where(Notice.school_id == self._school_id, Notice.id == notice_id))

    async def counts(self, notice_ids: Sequence[int]) -> dict[int, Counts]:
        rows = await self._session.execute(
            select(NoticeFamily.notice_id, func.count(),
                   func.count(NoticeFamily.confirmed_at))
            .where(NoticeFamily.notice_id.in_(list(notice_ids)))
            .group_by(NoticeFamily.notice_id))
        return {nid: Counts(int(total), int(done)) for nid, total, done in rows}

    async def unconfirmed(self, notice_id: int) -> list[NoticeFamily]:
        rows = await self._session.scalars(
            select(NoticeFamily).where(NoticeFamily.school_id == self._school_id,
                                       NoticeFamily.notice_id == notice_id,
                                       NoticeFamily.confirmed_at.is_(None))
            .order_by(NoticeFamily.id))
        return list(rows)

    async def unconfirmed_recipients(self, notice_id: int) -> list[tuple[str, str]]:
        """Guardians of unconfirmed families who received the notice: (userid, channel)."""
        rows = await self._session.execute(
            select(NoticeRecipient.userid, NoticeRecipient.channel)
            .join(NoticeFamily, NoticeFamily.id == NoticeRecipient.family_id)
            .where(NoticeRecipient.notice_id == notice_id, NoticeRecipient.status == "sent",
                   NoticeFamily.confirmed_at.is_(None))
            .order_by(NoticeRecipient.userid))
        return [(userid, channel) for userid, channel in rows]

    async def delivered_recipients(self, notice_id: int) -> list[str]:
        rows = await self._session.scalars(
            select(NoticeRecipient.userid)
            .where(NoticeRecipient.notice_id == notice_id, NoticeRecipient.stage > 0)
            .order_by(NoticeRecipient.userid))
        return list(rows)

    async def recipient(self, notice_id: int, userid: str,
                        channel: str | None = None) -> NoticeRecipient | None:
        """A guardian's row of a notice; with `channel`, only if it reached them that way (a
        家校 parent's id lives in another directory than members' ids)."""
        query = select(NoticeRecipient).where(NoticeRecipient.notice_id == notice_id,
                                              NoticeRecipient.userid == userid)
        if channel is not None:
            query = query.where(NoticeRecipient.channel == channel)
        return await self._session.scalar(query)

    async def family(self, family_id: int) -> NoticeFamily | None:
        return await self._session.scalar(
            select(NoticeFamily).where(NoticeFamily.id == family_id,
                                       NoticeFamily.school_id == self._school_id))

    async def latest_unconfirmed_for(self, userid: str,
                                     channel: str | None = None) -> Notice | None:
        """The newest notice this guardian received whose family has not confirmed it."""
        query = (select(Notice)
                 .join(NoticeRecipient, NoticeRecipient.notice_id == Notice.id)
                 .join(NoticeFamily, NoticeFamily.id == NoticeRecipient.family_id)
                 .where(Notice.school_id == self._school_id, Notice.status == "active",
                        NoticeRecipient.userid == userid, NoticeRecipient.status == "sent",
                        NoticeFamily.confirmed_at.is_(None))
                 .order_by(Notice.number.desc()).limit(1))
        if channel is not None:
            query = query.where(NoticeRecipient.channel == channel)
        return await self._session.scalar(query)

    async def received_by(self, userid: str, since: datetime,
                          channel: str | None = None) -> list[tuple[Notice, bool]]:
        """A guardian's notices sent since `since`, newest first, with whether their family
        confirmed each (with `channel`, only those that reached them that way)."""
        query = (select(Notice, NoticeFamily.confirmed_at)
                 .join(NoticeRecipient, NoticeRecipient.notice_id == Notice.id)
                 .join(NoticeFamily, NoticeFamily.id == NoticeRecipient.family_id)
                 .where(Notice.school_id == self._school_id, NoticeRecipient.userid == userid,
                        NoticeRecipient.stage > 0, Notice.sent_at >= since)
                 .order_by(Notice.number.desc()))
        if channel is not None:
            query = query.where(NoticeRecipient.channel == channel)
        rows = await self._session.execute(query)
        return [(notice, confirmed is not None) for notice, confirmed in rows]

    async def sent_by(self, userid: str, limit: int = 20) -> list[Notice]:
        rows = await self._session.scalars(
            select(Notice).where(Notice.school_id == self._school_id, Notice.sender == userid)
            .order_by(Notice.number.desc()).limit(limit))
        return list(rows)

    async def to_chase(self, sent_before: datetime) -> list[Notice]:
        """Active notices sent before `sent_before`, not chased yet."""
        rows = await self._session.scalars(
            select(Notice).where(Notice.school_id == self._school_id, Notice.status == "active",
                                 Notice.sent_at.is_not(None), Notice.sent_at <= sent_before,
                                 Notice.chased_at.is_(None))
            .order_by(Notice.id))
        return list(rows)

    async def to_summarise(self, sent_before: datetime, sent_after: datetime) -> list[Notice]:
        rows = await self._session.scalars(
            select(Notice).where(Notice.school_id == self._school_id, Notice.status == "active",
                                 Notice.sent_at.is_not(None), Notice.sent_at < sent_before,
                                 Notice.sent_at >= sent_after, Notice.summary_at.is_(None))
            .order_by(Notice.id))
        return list(rows)

    # ---- receipts -------------------------------------------------------------------

    async def confirm(self, recipient: NoticeRecipient, now: datetime,
                      response_code: str | None) -> bool:
        """Record a guardian's 收到; True when it confirmed their family (the first one)."""
        if recipient.confirmed_at is None:
            recipient.confirmed_at = now
        if response_code:
            recipient.response_code = response_code
        result = await self._session.execute(
            update(NoticeFamily)
            .where(NoticeFamily.id == recipient.family_id, NoticeFamily.confirmed_at.is_(None))
            .values(confirmed_at=now, confirmed_by=recipient.userid))
        return bool(getattr(result, "rowcount", 0))

    # ---- delivery (bot/notice_sender.py) ---------------------------------------------

    async def has_due(self, now: datetime) -> bool:
        """Whether some delivery is due (a read: an idle sender takes no write lock)."""
        return await self._session.scalar(
            _has_due(), {"school_id": self._school_id, "now": now}) is not None

    async def claim_batch(self, now: datetime, lease: timedelta) -> list[NoticeRecipient]:
        """Up to 1,000 due recipients of one notice at one stage and channel, leased."""
        first = await self._session.scalar(
            select(NoticeRecipient)
            .where(NoticeRecipient.school_id == self._school_id,
                   NoticeRecipient.status == "pending", NoticeRecipient.next_attempt_at <= now)
            .order_by(NoticeRecipient.notice_id, NoticeRecipient.stage, NoticeRecipient.id)
            .limit(1))
        if first is None:
            return []
        rows = list(await self._session.scalars(
            select(NoticeRecipient)
            .where(NoticeRecipient.notice_id == first.notice_id,
                   NoticeRecipient.stage == first.stage,
                   NoticeRecipient.channel == first.channel,
                   NoticeRecipient.status == "pending", NoticeRecipient.next_attempt_at <= now)
            .order_by(NoticeRecipient.id).limit(BATCH_MAX)
            .with_for_update(skip_locked=True)))
        for row in rows:
            row.attempts += 1
            row.next_attempt_at = now + lease
        await self._session.flush()
        return rows

    async def recent_parts(self, recipients: Iterable[str],
                           since: datetime) -> dict[str, list[datetime]]:
        """What notices sent each recipient since `since`: a time per part delivered (each part
        counted at the latest send, which never counts too few)."""
        users = list(set(recipients))
        out: dict[str, list[datetime]] = {}
        for start in range(0, len(users), INSERT_BATCH):
            rows = await self._session.execute(
                _parts_since(), {"school_id": self._school_id,
                                 "users": users[start:start + INSERT_BATCH], "since": since})
            for userid, stage, at in rows:
                if at is not None:
                    out.setdefault(userid, []).extend([at] * int(stage))
        return out

    async def rows(self, ids: Sequence[int]) -> list[NoticeRecipient]:
        return list(await self._session.scalars(
            select(NoticeRecipient).where(NoticeRecipient.id.in_(list(ids)))))

    async def recall_done(self, notice_id: int) -> None:
        await self._session.execute(
            update(Notice).where(Notice.id == notice_id).values(recall_done=True))

    async def mark_sent(self, notice_id: int, now: datetime) -> None:
        """The notice's sent_at, at its first delivered part."""
        await self._session.execute(
            update(Notice).where(Notice.id == notice_id, Notice.sent_at.is_(None))
            .values(sent_at=now))

    async def cancel_pending(self, notice_id: int) -> int:
        result = await self._session.execute(
            update(NoticeRecipient)
            .where(NoticeRecipient.notice_id == notice_id, NoticeRecipient.status == "pending")
            .values(status="cancelled"))
        return int(getattr(result, "rowcount", 0) or 0)

    async def recalls_due(self) -> list[Notice]:
        rows = await self._session.scalars(_recalls_due(), {"school_id": self._school_id})
        return list(rows)

    async def msgids(self, notice_id: int) -> list[str]:
        rows = await self._session.scalars(
            select(NoticeRecipient.msgids).where(NoticeRecipient.notice_id == notice_id))
        return sorted({str(m) for ids in rows for m in (ids or [])})
