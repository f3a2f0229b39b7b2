"""What the escalation ladder reads (a term of truancy, presence, leave) and what it writes."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.attendance import Absence, AttendanceReport, EscalationStep, HomeVisit, Truancy
from models.leave import Leave
from models.repos._sql import insert_ignoring_duplicates
from models.roster import Guardian, GuardianLink, SchoolClass, Student
from models.rules.classes import class_label


@dataclass(frozen=True)
class StudentCard:
    id: int
    name: str
    student_no: str
    class_id: int
    class_label: str
    sex: str | None = None  # 性别 and 出生日期, when the roster gave them
    birth_date: date | None = None


class LadderRepo:
    def __init__(self, session: AsyncSession, school_id: int) -> None:
        self._session = session
        self._school_id = school_id

    async def school_truancy(self, first: date, last: date) -> dict[int, dict[date, float]]:
        """Every live 旷课 of the school from `first` to `last`: student → day → days."""
        rows = await self._session.execute(
            select(Truancy.student_id, Truancy.day, Truancy.days)
            .where(Truancy.school_id == self._school_id, Truancy.day >= first,
                   Truancy.day <= last, Truancy.voided_at.is_(None)))
        found: dict[int, dict[date, float]] = defaultdict(dict)
        for student_id, day, days in rows:
            found[student_id][day] = float(days)
        return found

    async def truancy(self, ids: Sequence[int], first: date, last: date
                      ) -> dict[int, dict[date, float]]:
        rows = await self._session.execute(
            select(Truancy.student_id, Truancy.day, Truancy.days)
            .where(Truancy.student_id.in_(tuple(ids)), Truancy.day >= first, Truancy.day <= last,
                   Truancy.voided_at.is_(None)))
        found: dict[int, dict[date, float]] = defaultdict(dict)
        for student_id, day, days in rows:
            found[student_id][day] = float(days)
        return found

    async def present_days(self, ids: Sequence[int], first: date, last: date
                           ) -> dict[int, set[date]]:
        """Days the student's class reported and the student was there for at least a half."""
        rows = await self._session.execute(
            select(Student.id, AttendanceReport.day, Absence.start_slot, Absence.end_slot)
            .join(AttendanceReport, AttendanceReport.class_id == Student.class_id)
            .outerjoin(Absence, (Absence.report_id == AttendanceReport.id)
                       & (Absence.student_id == Student.id))
            .where(Student.id.in_(tuple(ids)), AttendanceReport.day >= first,
                   AttendanceReport.day <= last))
        found: dict[int, set[date]] = defaultdict(set)
        for student_id, day, start, end in rows:
            if start is None or start == end:
                found[student_id].add(day)
        return found

    async def last_present_days(self, ids: Sequence[int], days: Sequence[date]
                                ) -> dict[int, date]:
        """The last of `days` each student was at school (the class reported and the student
        was there for at least a half): the day a run of truancy looks back to."""
        absent = exists().where(Absence.report_id == AttendanceReport.id,
                                Absence.student_id == Student.id,
                                Absence.start_slot != Absence.end_slot
                                ).correlate(Student, AttendanceReport)
        last = (select(AttendanceReport.day)
                .where(AttendanceReport.class_id == Student.class_id,
                       AttendanceReport.day >= min(days), AttendanceReport.day <= max(days),
                       AttendanceReport.day.in_(tuple(days)), ~absent)
                .order_by(AttendanceReport.day.desc()).limit(1)
                .correlate(Student).scalar_subquery())
        rows = await self._session.execute(select(Student.id, last)
                                           .where(Student.id.in_(tuple(ids))))
        return {student_id: day for student_id, day in rows if day is not None}

    async def steps_taken(self, ids: Sequence[int]) -> set[tuple[int, str, str]]:
        """(student, rung, episode) of every rung these students reached before."""
        rows = await self._session.execute(
            select(EscalationStep.student_id, EscalationStep.step, EscalationStep.episode)
            .where(EscalationStep.student_id.in_(tuple(ids))))
        return {(student_id, step, episode) for student_id, step, episode in rows}

    async def long_leave_students(self, first: date, last: date, over: float) -> dict[int, float]:
        """Students whose sick and personal leave in the term add up to more than `over`."""
        total = func.sum(Leave.days)
        rows = await self._session.execute(
            select(Leave.student_id, total)
            .where(Leave.school_id == self._school_id, Leave.status.in_(("approved", "returned")),
                   Leave.kind.in_(("病假", "事假")), Leave.start_date >= first,
                   Leave.start_date <= last)
            .group_by(Leave.student_id).having(total > over))
        return {student_id: float(days) for student_id, days in rows}

    async def cards(self, ids: Sequence[int]) -> dict[int, StudentCard]:
        rows = await self._session.execute(
            select(Student.id, Student.name, Student.student_no, Student.class_id,
                   SchoolClass.grade, SchoolClass.name, Student.sex, Student.birth_date)
            .join(SchoolClass, SchoolClass.id == Student.class_id)
            .where(Student.id.in_(tuple(ids))))
        return {sid: StudentCard(sid, name, no, cid, class_label(grade, cname), sex, birth)
                for sid, name, no, cid, grade, cname, sex, birth in rows}

    async def guardian_contacts(self, student_id: int) -> list[tuple[str, str, str | None]]:
        """(name, relation, phone) of each guardian: the contacts a report lists."""
        rows = await self._session.execute(
            select(Guardian.name, GuardianLink.relation, Guardian.phone)
            .join(GuardianLink, GuardianLink.guardian_id == Guardian.id)
            .where(GuardianLink.student_id == student_id))
        return [(name, relation, phone) for name, relation, phone in rows]

    async def record_step(self, student_id: int, step: str, episode: str, day: date,
                          now: datetime, report: str | None = None) -> bool:
        """True the first time this student reaches this step in this episode."""
        return await insert_ignoring_duplicates(self._session, EscalationStep.__table__, {
            "school_id": self._school_id, "student_id": student_id, "step": step,
            "episode": episode, "day": day, "created_at": now, "report": report})

    async def open_home_visit(self, student_id: int, episode: str, now: datetime) -> bool:
        return await insert_ignoring_duplicates(self._session, HomeVisit.__table__, {
            "school_id": self._school_id, "student_id": student_id, "episode": episode,
            "opened_at": now})

    async def home_visit_notes(self, student_id: int) -> list[str]:
        rows = await self._session.scalars(
            select(HomeVisit.notes).where(HomeVisit.student_id == student_id,
                                          HomeVisit.notes.is_not(None))
            .order_by(HomeVisit.closed_at))
        return [n for n in rows if n]

    async def open_visit(self, student_id: int) -> HomeVisit | None:
        return await self._session.scalar(
            select(HomeVisit).where(HomeVisit.student_id == student_id,
                                    HomeVisit.closed_at.is_(None))
            .order_by(HomeVisit.opened_at.desc()).limit(1))
