"""What the console's Today page reads: the day's reports, absences, leaves, gate, 旷课, approvals
pending, the ladder's cases and home visits due.

Every query is for one school and a set of classes at once (the viewer's scope), never one
student at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.attendance import AttendanceReport, EscalationStep, HomeVisit, JobRun, Truancy
from models.leave import APPROVED, PENDING, Leave
from models.repos._sql import ours
from models.roster import Student


@dataclass(frozen=True)
class Who:
    """A student as lists show them (the class label comes from the page's class list)."""

    id: int
    name: str
    student_no: str
    class_id: int


@dataclass(frozen=True)
class LeaveNow:
    """A leave on a list: on leave today, out of the gate, or waiting for a decision."""

    id: int
    student: Who
    kind: str
    days: float
    start_date: date
    start_slot: int
    end_date: date
    end_slot: int
    status: str
    tier_index: int
    tier_since: datetime
    submitted_at: datetime
    valid_until: datetime | None
    exited_at: datetime | None


@dataclass(frozen=True)
class Report:
    class_id: int
    reported_by: str
    reported_at: datetime


@dataclass(frozen=True)
class StepRow:
    id: int
    student: Who
    step: str
    episode: str
    day: date


@dataclass(frozen=True)
class VisitRow:
    id: int
    student: Who
    episode: str
    opened_at: datetime


_WHO = (Student.id, Student.name, Student.student_no, Student.class_id)


class TodayRepo:
    def __init__(self, session: AsyncSession, school_id: int) -> None:
        self._session = session
        self._school_id = school_id

    async def enrolled(self, class_ids: Sequence[int]) -> dict[int, int]:
        """Active students per class."""
        rows = await self._session.execute(
            select(Student.class_id, func.count())
            .where(ours(Student.school_id, self._school_id), Student.active.is_(True),
                   Student.class_id.in_(tuple(class_ids)))
            .group_by(Student.class_id))
        return {class_id: int(n) for class_id, n in rows}

    async def students(self, ids: Sequence[int]) -> dict[int, Who]:
        rows = await self._session.execute(
            select(*_WHO).where(ours(Student.school_id, self._school_id),
                                Student.id.in_(tuple(ids))))
        return {row[0]: Who(*row) for row in rows}

    async def reports_on(self, day: date, class_ids: Sequence[int]) -> dict[int, Report]:
        rows = await self._session.execute(
            select(AttendanceReport.class_id, AttendanceReport.reported_by,
                   AttendanceReport.reported_at)
            .where(ours(AttendanceReport.school_id, self._school_id), AttendanceReport.day == day,
                   AttendanceReport.class_id.in_(tuple(class_ids))))
        return {class_id: Report(class_id, by, at) for class_id, by, at in rows}

    async def _leaves(self, class_ids: Sequence[int], *conditions: object) -> list[LeaveNow]:
        rows = await self._session.execute(
            select(Leave.id, *_WHO, Leave.kind, Leave.days, Leave.start_date, Leave.start_slot,
                   Leave.end_date, Leave.end_slot, Leave.status, Leave.tier_index,
                   Leave.tier_since, Leave.submitted_at, Leave.valid_until, Leave.exited_at)
            .join(Student, Student.id == Leave.student_id)
            .where(Leave.school_id == self._school_id, Student.class_id.in_(tuple(class_ids)),
                   *conditions)  # type: ignore[arg-type]
            .order_by(Leave.id))
        return [LeaveNow(id=row[0], student=Who(*row[1:5]), kind=row[5], days=float(row[6]),
                         start_date=row[7], start_slot=row[8], end_date=row[9], end_slot=row[10],
                         status=row[11], tier_index=row[12], tier_since=row[13],
                         submitted_at=row[14], valid_until=row[15], exited_at=row[16])
                for row in rows]

    async def on_leave(self, day: date, class_ids: Sequence[int]) -> list[LeaveNow]:
        """Approved leaves that cover some half of `day` (a returned leave has ended)."""
        morning = day.toordinal() * 2
        return await self._leaves(class_ids, Leave.status == APPROVED,
                                  Leave.start_slot <= morning + 1, Leave.end_slot >= morning)

    async def out_now(self, class_ids: Sequence[int]) -> list[LeaveNow]:
        """Students who left through the gate on a pass and have not been registered back."""
        return await self._leaves(class_ids, Leave.status == APPROVED,
                                  Leave.exited_at.is_not(None), Leave.returned_at.is_(None))

    async def pending(self, class_ids: Sequence[int]) -> list[LeaveNow]:
        return await self._leaves(class_ids, Leave.status == PENDING)

    async def truants_on(self, day: date, class_ids: Sequence[int]) -> list[tuple[Who, float]]:
        """The day's live 旷课 records."""
        rows = await self._session.execute(
            select(*_WHO, Truancy.days)
            .join(Student, Student.id == Truancy.student_id)
            .where(Truancy.school_id == self._school_id, Truancy.day == day,
                   Truancy.voided_at.is_(None), Student.class_id.in_(tuple(class_ids)))
            .order_by(Student.class_id, Student.student_no))
        return [(Who(*row[:4]), float(row[4])) for row in rows]

    async def truancy_judged(self, day: date) -> bool:
        """Whether the day's truancy run is done (before it, 旷课 is not yet decided)."""
        found = await self._session.scalar(
            select(JobRun.id).where(JobRun.school_id == self._school_id,
                                    JobRun.job == "truancy", JobRun.run_key == day.isoformat(),
                                    JobRun.status == "done"))
        return found is not None

    async def ladder_steps(self, since: date, class_ids: Sequence[int]) -> list[StepRow]:
        """The ladder's steps reached since a day (the term's first), oldest first."""
        rows = await self._session.execute(
            select(EscalationStep.id, *_WHO, EscalationStep.step, EscalationStep.episode,
                   EscalationStep.day)
            .join(Student, Student.id == EscalationStep.student_id)
            .where(EscalationStep.school_id == self._school_id, EscalationStep.day >= since,
                   Student.class_id.in_(tuple(class_ids)))
            .order_by(EscalationStep.id))
        return [StepRow(row[0], Who(*row[1:5]), *row[5:]) for row in rows]

    async def visits_due(self, class_ids: Sequence[int]) -> list[VisitRow]:
        """Home visits opened and not yet written up, oldest first."""
        rows = await self._session.execute(
            select(HomeVisit.id, *_WHO, HomeVisit.episode, HomeVisit.opened_at)
            .join(Student, Student.id == HomeVisit.student_id)
            .where(HomeVisit.school_id == self._school_id, HomeVisit.closed_at.is_(None),
                   Student.class_id.in_(tuple(class_ids)))
            .order_by(HomeVisit.opened_at, HomeVisit.id))
        return [VisitRow(row[0], Who(*row[1:5]), *row[5:]) for row in rows]
