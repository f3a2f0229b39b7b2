"""Which schools have work for their workers now: one look for all the schools of a process.

A process with many schools asks this every second instead of each school's loops polling: idle,
it costs four indexed reads a second, however many schools there are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.messaging import InboxMessage, OutboxMessage
from models.notice import Notice, NoticeRecipient


@dataclass(frozen=True)
class Pending:
    inbox: frozenset[int]  # schools with callbacks not yet handled
    outbox: frozenset[int]  # schools with messages, notices or recalls due to go


async def schools_with_work(session: AsyncSession, now: datetime) -> Pending:
    async def schools(query: Select[int]) -> set[int]:
        return set((await session.scalars(query.distinct())).all())

    inbox = await schools(select(InboxMessage.school_id).where(InboxMessage.status == "pending"))
    outbox = await schools(select(OutboxMessage.school_id).where(
        OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now))
    outbox |= await schools(select(NoticeRecipient.school_id).where(
        NoticeRecipient.status == "pending", NoticeRecipient.next_attempt_at <= now))
    outbox |= await schools(select(Notice.school_id).where(
        Notice.status == "recalled", Notice.recall_done.is_(False)))
    return Pending(frozenset(inbox), frozenset(outbox))
