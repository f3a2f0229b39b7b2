"""What the exports read: classes, students, reports, absences, leaves and dropout cases.

Every query is for one school and for a set of classes (or a date range) at once, never one
student at a time; the attendance export asks them batch by batch of classes so its memory
stays flat however large the school.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, time

from sqlalchemy import and_, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from models.attendance import Absence, AttendanceReport, EscalationStep, HomeVisit, Truancy
from models.leave import Leave
from models.repos._sql import ours
from models.repos.attendance import EXCUSING
from models.roster import SchoolClass, StaffRole, Student
from models.rules.classes import class_label, class_order
from models.rules.daymarks import Cover

DROPOUT = "dropout"


@dataclass(frozen=True)
class ClassRow:
    id: int
    grade: str
    name: str

    @property
    def label(self) -> str:
        return class_label(self.grade, self.name)


@dataclass(frozen=True)
class StudentRow:
    id: int
    student_no: str
    name: str
    class_id: int


@dataclass(frozen=True)
class AbsenceRow:
    """A reported absence and the excusing leaves overlapping it."""

    student_id: int
    day: date
    start_slot: int
    end_slot: int
    covers: tuple[Cover, ...]


@dataclass(frozen=True)
class LeaveLine:
    """One leave as the leave export lists it (no reason: a medical reason is the approver's)."""

    id: int
    student_no: str
    student_name: str
    class_label: str
    kind: str
    days: float
    start_date: date
    start_slot: int
    end_date: date
    end_slot: int
    window_start: time | None
    window_end: time | None
    status: str
    submitted_at: datetime
    decided_by: str | None
    decided_at: datetime | None
    exited_at: datetime | None
    returned_at: datetime | None


class ReportRepo:
    def __init__(self, session: AsyncSession, school_id: int) -> None:
        self._session = session
        self._school_id = school_id

    # ---- attendance ------------------------------------------------------------------

    async def plan_each_batch(self) -> None:
        """PostgreSQL: plan each statement with its own values for the rest of the transaction.

        The batch queries repeat with new class ids; after five runs PostgreSQL would switch
        to a generic plan made without the values, which here reads the whole school's
        reports (25× slower for a district of 100,000).
        """
        bind = self._session.bind
        if bind is not None and bind.dialect.name == "postgresql":
            await self._session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))

    async def classes(self) -> list[ClassRow]:
        """Every class of the school, in the order people list them (初一(1)班, 初一(2)班, …)."""
        rows = await self._session.execute(
            select(SchoolClass.id, SchoolClass.grade, SchoolClass.name)
            .where(SchoolClass.school_id == self._school_id))
        classes = [ClassRow(i, g, n) for i, g, n in rows]
        return sorted(classes, key=lambda c: class_order(c.grade, c.name))

    async def students(self, class_ids: Sequence[int]) -> list[StudentRow]:
        """Active students of these classes, by class and 学籍号."""
        rows = await self._session.execute(
            select(Student.id, Student.student_no, Student.name, Student.class_id)
            .where(ours(Student.school_id, self._school_id),
                   Student.class_id.in_(tuple(class_ids)), Student.active.is_(True))
            .order_by(Student.class_id, Student.student_no))
        return [StudentRow(*row) for row in rows]

    async def reported_days(self, class_ids: Sequence[int], first: date, last: date
                            ) -> set[tuple[int, date]]:
        """(class, day) for each day a class reported."""
        rows = await self._session.execute(
            select(AttendanceReport.class_id, AttendanceReport.day)
            .where(ours(AttendanceReport.school_id, self._school_id),
                   AttendanceReport.class_id.in_(tuple(class_ids)),
                   AttendanceReport.day >= first, AttendanceReport.day <= last))
        return {(class_id, day) for class_id, day in rows}

    async def absences(self, class_ids: Sequence[int], first: date, last: date
                       ) -> list[AbsenceRow]:
        """Each reported absence in these classes (the class's latest report of the day), with
        the approved or returned leaves of the student that overlap it."""
        covering = and_(Leave.student_id == Absence.student_id, Leave.status.in_(EXCUSING),
                        ours(Leave.school_id, self._school_id),
                        Leave.start_slot <= Absence.end_slot, Leave.end_slot >= Absence.start_slot)
        rows = await self._session.execute(
            select(Absence.id, Absence.student_id, AttendanceReport.day, Absence.start_slot,
                   Absence.end_slot, Leave.kind, Leave.start_slot, Leave.end_slot)
            .select_from(AttendanceReport)
            .join(Absence, Absence.report_id == AttendanceReport.id)
            .outerjoin(Leave, covering)
            .where(ours(AttendanceReport.school_id, self._school_id),
                   AttendanceReport.class_id.in_(tuple(class_ids)),
                   AttendanceReport.day >= first, AttendanceReport.day <= last)
            .order_by(Absence.id))
        found: dict[int, AbsenceRow] = {}
        for absence_id, student_id, day, start, end, kind, l_start, l_end in rows:
            row = found.get(absence_id)
            if row is None:
                row = found[absence_id] = AbsenceRow(student_id, day, start, end, ())
            if kind is not None:
                found[absence_id] = replace(row, covers=(*row.covers, (kind, l_start, l_end)))
        return list(found.values())

    # ---- leaves ----------------------------------------------------------------------

    async def leaves_between(self, first: date, last: date) -> AsyncIterator[LeaveLine]:
        """Every leave, in any state, with a day between first and last; by start, then 单号."""
        stmt = (select(Leave.id, Student.student_no, Student.name, SchoolClass.grade,
                       SchoolClass.name, Leave.kind, Leave.days, Leave.start_date,
                       Leave.start_slot, Leave.end_date, Leave.end_slot, Leave.window_start,
                       Leave.window_end, Leave.status, Leave.submitted_at, Leave.decided_by,
                       Leave.decided_at, Leave.exited_at, Leave.returned_at)
                .join(Student, Student.id == Leave.student_id)
                .join(SchoolClass, SchoolClass.id == Student.class_id)
                .where(Leave.school_id == self._school_id, Leave.start_date <= last,
                       Leave.end_date >= first)
                .order_by(Leave.start_date, Leave.id))
        result = await self._session.stream(stmt.execution_options(yield_per=2000))
        async for (leave_id, no, name, grade, cname, kind, days, start, start_slot, end,
                   end_slot, w_start, w_end, status, submitted, decided_by, decided_at,
                   exited, returned) in result:
            yield LeaveLine(leave_id, no, name, class_label(grade, cname), kind, float(days),
                            start, start_slot, end, end_slot, w_start, w_end, status, submitted,
                            decided_by, decided_at, exited, returned)

    async def staff_names(self) -> dict[str, str]:
        """userid → the name staff.csv gives (the first role's row)."""
        rows = await self._session.execute(
            select(StaffRole.userid, StaffRole.name)
            .where(StaffRole.school_id == self._school_id).order_by(StaffRole.id.desc()))
        return {userid: name for userid, name in rows}

    # ---- dropout cases ---------------------------------------------------------------

    async def dropout_case(self, case_id: int) -> EscalationStep | None:
        """A dropout case is the ladder's `dropout` step; its number is that step's id."""
        return await self._session.scalar(
            select(EscalationStep).where(EscalationStep.id == case_id,
                                         EscalationStep.school_id == self._school_id,
                                         EscalationStep.step == DROPOUT))

    async def dropout_cases(self, limit: int = 10) -> list[tuple[int, date]]:
        """The latest cases' (number, day), newest first."""
        rows = await self._session.execute(
            select(EscalationStep.id, EscalationStep.day)
            .where(EscalationStep.school_id == self._school_id, EscalationStep.step == DROPOUT)
            .order_by(EscalationStep.id.desc()).limit(limit))
        return [(case_id, day) for case_id, day in rows]

    async def steps(self, student_id: int, episode: str) -> list[EscalationStep]:
        """The rungs of one episode the student reached, in the order reached."""
        rows = await self._session.scalars(
            select(EscalationStep).where(EscalationStep.school_id == self._school_id,
                                         EscalationStep.student_id == student_id,
                                         EscalationStep.episode == episode)
            .order_by(EscalationStep.id))
        return list(rows)

    async def home_visits(self, student_id: int, since: datetime) -> list[HomeVisit]:
        """The student's home visits opened since a moment (the term's start), oldest first."""
        rows = await self._session.scalars(
            select(HomeVisit).where(HomeVisit.school_id == self._school_id,
                                    HomeVisit.student_id == student_id,
                                    HomeVisit.opened_at >= since)
            .order_by(HomeVisit.opened_at, HomeVisit.id))
        return list(rows)

    async def truancy(self, student_id: int, first: date, last: date) -> dict[date, float]:
        """The student's live 旷课 records between two days."""
        rows = await self._session.execute(
            select(Truancy.day, Truancy.days)
            .where(and_(Truancy.school_id == self._school_id, Truancy.student_id == student_id,
                        Truancy.day >= first, Truancy.day <= last, Truancy.voided_at.is_(None)))
            .order_by(Truancy.day))
        return {day: float(days) for day, days in rows}
