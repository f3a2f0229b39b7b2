"""Leaves, their approvers' cards and the gate's checks: every query the lifecycle needs."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.leave import OPEN_STATUSES, SICK, GateCheck, Leave, LeaveCard
from models.repos._sql import built_once


@built_once
def _open_for_student() -> Select[Leave]:
    return (select(Leave).where(Leave.school_id == bindparam("school_id"),
                                Leave.student_id == bindparam("student_id"),
                                Leave.status.in_(OPEN_STATUSES))
            .order_by(Leave.start_slot))


@built_once
def _get() -> Select[Leave]:
    return select(Leave).where(Leave.id == bindparam("id"),
                               Leave.school_id == bindparam("school_id"))


class LeaveRepo:
    def __init__(self, session: AsyncSession, school_id: int) -> None:
        self._session = session
        self._school_id = school_id

    async def add(self, leave: Leave) -> Leave:
        """Store a new leave and give it its 单号."""
        leave.school_id = self._school_id
        self._session.add(leave)
        await self._session.flush()
        return leave

    async def get(self, leave_id: int) -> Leave | None:
        """A leave of this school (another school's 单号 reads as none)."""
        return await self._session.scalar(_get(), {"id": leave_id,
                                                   "school_id": self._school_id})

    async def open_for_student(self, student_id: int) -> list[Leave]:
        """The child's pending and approved leaves, in date order."""
        rows = await self._session.scalars(
            _open_for_student(), {"school_id": self._school_id, "student_id": student_id})
        return list(rows)

    async def open_overlapping(self, student_id: int, slots: tuple[int, int]) -> Leave | None:
        """The child's first pending or approved leave sharing a half day with `slots` (first and
        last half-day slot, both included): a child has one leave at a time."""
        first, last = slots
        return await self._session.scalar(
            select(Leave).where(Leave.school_id == self._school_id,
                                Leave.student_id == student_id,
                                Leave.status.in_(OPEN_STATUSES),
                                Leave.start_slot <= last, Leave.end_slot >= first)
            .order_by(Leave.start_slot).limit(1))

    async def transition(self, leave_id: int, from_statuses: Sequence[str],
                         **values: Any) -> bool:
        """Compare-and-set: change the leave only if it is still in one of `from_statuses`."""
        return await self._changed(
            update(Leave)
            .where(Leave.id == leave_id, Leave.school_id == self._school_id,
                   Leave.status.in_(tuple(from_statuses)))
            .values(**values))

    async def mark_exited(self, leave_id: int, at: datetime, guard: str) -> bool:
        """Compare-and-set: a pass lets a student out once."""
        return await self._changed(
            update(Leave)
            .where(Leave.id == leave_id, Leave.school_id == self._school_id,
                   Leave.status == "approved", Leave.exited_at.is_(None))
            .values(exited_at=at, exited_via=guard))

    async def _changed(self, statement: Any) -> bool:
        """Run a compare-and-set; the leave it changed comes back in the same statement and
        replaces the session's copy, so what the caller holds reads as stored."""
        result = await self._session.execute(
            statement.returning(Leave)
            .execution_options(synchronize_session=False, populate_existing=True))
        return result.scalar_one_or_none() is not None

    async def by_pass_digest(self, digest: str) -> Leave | None:
        return await self._session.scalar(
            select(Leave).where(Leave.school_id == self._school_id, Leave.pass_digest == digest))

    async def pass_digest_taken(self, digest: str) -> bool:
        """Whether any leave (of any school: the column is unique) holds this code's digest."""
        found = await self._session.scalar(select(Leave.id).where(Leave.pass_digest == digest))
        return found is not None

    async def recent_for_students(self, student_ids: Sequence[int], limit: int = 10) -> list[Leave]:
        rows = await self._session.scalars(
            select(Leave).where(Leave.school_id == self._school_id,
                                Leave.student_id.in_(tuple(student_ids)))
            .order_by(Leave.id.desc()).limit(limit))
        return list(rows)

    async def sick_until(self, last: date, blank: str) -> list[Leave]:
        """病假 starting `last` or before whose reason is not `blank` yet."""
        rows = await self._session.scalars(
            select(Leave).where(Leave.school_id == self._school_id, Leave.kind == SICK,
                                Leave.start_date <= last, Leave.reason != blank)
            .order_by(Leave.id))
        return list(rows)

    async def pending_in_tiers(self, tier_indexes: Sequence[int]) -> list[Leave]:
        rows = await self._session.scalars(
            select(Leave).where(Leave.school_id == self._school_id, Leave.status == "pending",
                                Leave.tier_index.in_(tuple(tier_indexes)))
            .order_by(Leave.id))
        return list(rows)

    async def pending(self) -> list[Leave]:
        """Every pending leave (for the reminder job)."""
        rows = await self._session.scalars(
            select(Leave).where(Leave.school_id == self._school_id, Leave.status == "pending")
            .order_by(Leave.id))
        return list(rows)

    async def current_for_student(self, student_id: int) -> Leave | None:
        """The approved leave a 销假 closes: the one out now, else the latest approved one."""
        return await self._session.scalar(
            select(Leave).where(Leave.school_id == self._school_id,
                                Leave.student_id == student_id, Leave.status == "approved")
            .order_by(Leave.exited_at.is_(None), Leave.start_slot.desc()).limit(1))

    # ---- cards -------------------------------------------------------------

    def add_card(self, leave_id: int, userid: str, task_id: str) -> None:
        self._session.add(LeaveCard(school_id=self._school_id, leave_id=leave_id, userid=userid,
                                    task_id=task_id))

    async def cards(self, leave_id: int) -> list[LeaveCard]:
        rows = await self._session.scalars(
            select(LeaveCard).where(LeaveCard.school_id == self._school_id,
                                    LeaveCard.leave_id == leave_id).order_by(LeaveCard.id))
        return list(rows)

    # ---- gate --------------------------------------------------------------

    def record_check(self, guard: str, at: datetime, leave_id: int | None) -> None:
        self._session.add(GateCheck(school_id=self._school_id, guard=guard, at=at,
                                    leave_id=leave_id, wrong=leave_id is None))

    async def wrong_checks_since(self, guard: str, since: datetime) -> list[datetime]:
        rows = await self._session.scalars(
            select(GateCheck.at).where(GateCheck.school_id == self._school_id,
                                       GateCheck.guard == guard, GateCheck.wrong.is_(True),
                                       GateCheck.at >= since)
            .order_by(GateCheck.at))
        return list(rows)


async def uploaded_evidence(session: AsyncSession) -> list[str]:
    """Every leave's uploaded photo (`upload:<name>`), of every school: the files on disk are one
    store, so what may be swept is decided against all of them."""
    rows = await session.scalars(select(Leave.evidence_media_id)
                                 .where(Leave.evidence_media_id.like("upload:%")))
    return [r for r in rows if r is not None]
