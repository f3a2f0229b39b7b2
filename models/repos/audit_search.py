"""Searching the audit log (篇六 第二十八条): by student, person, kind of change and date.

A student's entries are found by what they are about: the student's own row, their leaves,
their 旷课 records, their home visits and the export of their dropout case, in one query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, String, and_, cast, false, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.attendance import EscalationStep, HomeVisit
from models.leave import Leave
from models.messaging import AuditEntry
from models.roster import Guardian, StaffRole, Student

ACTOR_PREFIXES = ("cli:", "import:")  # the CLI records its --actor with these


@dataclass(frozen=True)
class AuditQuery:
    """None means any; an empty tuple matches nothing (a name that names nobody)."""

    student_ids: tuple[int, ...] | None = None
    actors: tuple[str, ...] | None = None
    action: str | None = None
    since: datetime | None = None
    until: datetime | None = None  # exclusive
    before_id: int | None = None  # the next page: entries older than this one
    limit: int = 50


class AuditSearchRepo:
    def __init__(self, session: AsyncSession, school_id: int) -> None:
        self._session = session
        self._school_id = school_id

    async def students_matching(self, text: str) -> tuple[int, ...]:
        """Students (current or former) with this name or this 学籍号."""
        rows = await self._session.scalars(
            select(Student.id).where(Student.school_id == self._school_id,
                                     or_(Student.name == text, Student.student_no == text))
            .order_by(Student.id))
        return tuple(rows)

    async def actors_matching(self, text: str) -> tuple[str, ...]:
        """Who `text` may mean in the log: a userid as typed, the CLI's `--actor`, or the
        userids the roster gives this name (staff or guardian)."""
        staff = select(StaffRole.userid).where(StaffRole.school_id == self._school_id,
                                               StaffRole.name == text)
        guardians = select(Guardian.userid).where(Guardian.school_id == self._school_id,
                                                  Guardian.name == text)
        named = set(await self._session.scalars(staff.union(guardians)))
        return tuple(sorted({text, *(p + text for p in ACTOR_PREFIXES), *named}))

    async def search(self, query: AuditQuery) -> list[AuditEntry]:
        """The matching entries, newest first, at most `query.limit`."""
        if query.student_ids == () or query.actors == ():
            return []
        conditions: list[ColumnElement[bool]] = [AuditEntry.school_id == self._school_id]
        if query.student_ids is not None:
            conditions.append(self._about(query.student_ids))
        if query.actors is not None:
            conditions.append(AuditEntry.actor.in_(query.actors))
        if query.action:
            conditions.append(AuditEntry.action == query.action)
        if query.since is not None:
            conditions.append(AuditEntry.at >= query.since)
        if query.until is not None:
            conditions.append(AuditEntry.at < query.until)
        if query.before_id is not None:
            conditions.append(AuditEntry.id < query.before_id)
        rows = await self._session.scalars(
            select(AuditEntry).where(*conditions).order_by(AuditEntry.id.desc())
            .limit(query.limit))
        return list(rows)

    def _about(self, student_ids: Sequence[int]) -> ColumnElement[bool]:
        """Entries about these students' own rows, leaves, 旷课, home visits, dropout cases."""
        ids = tuple(student_ids)
        entity, entity_id = AuditEntry.entity, AuditEntry.entity_id
        leaves = select(cast(Leave.id, String)).where(Leave.school_id == self._school_id,
                                                      Leave.student_id.in_(ids))
        visits = select(cast(HomeVisit.id, String)).where(
            HomeVisit.school_id == self._school_id, HomeVisit.student_id.in_(ids))
        cases = select("dropout:" + cast(EscalationStep.id, String)).where(
            EscalationStep.school_id == self._school_id, EscalationStep.student_id.in_(ids),
            EscalationStep.step == "dropout")
        truancy = or_(false(), *(entity_id.like(f"{i}:%") for i in ids))
        return or_(and_(entity == "student", entity_id.in_([str(i) for i in ids])),
                   and_(entity == "leave", entity_id.in_(leaves)),
                   and_(entity == "home_visit", entity_id.in_(visits)),
                   and_(entity == "truancy", truancy),
                   and_(entity == "report", entity_id.in_(cases)))
