"""Attendance reports and truancy records; the truancy run is one set-based statement."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, case, delete, exists, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.attendance import Absence, AttendanceReport, Truancy
from models.dropout import Suspension
from models.leave import Leave
from models.roster import Guardian, GuardianLink, SchoolClass, StaffRole, Student
from models.rules.classes import class_label
from models.rules.ladder import truant_share

EXCUSING = ("approved", "returned")  # leaves that excuse the halves they cover


@dataclass(frozen=True)
class TruantRow:
    student_id: int
    name: str
    class_id: int
    class_label: str
    days: float


class AttendanceRepo:
    def __init__(self, session: AsyncSession, school_id: int) -> None:
        self._session = session
        self._school_id = school_id

    # ---- reports -------------------------------------------------------------------

    async def save_report(self, class_id: int, day: date, by: str, at: datetime,
                          absences: Sequence[tuple[int, int, int]]) -> tuple[int, bool]:
        """Store (or replace) a class's report; absences are (student_id, start, end slot)."""
        report = await self.report(class_id, day)
        replaced = report is not None
        if report is None:
            report = AttendanceReport(school_id=self._school_id, class_id=class_id, day=day,
                                      reported_by=by, reported_at=at)
            self._session.add(report)
            await self._session.flush()
        else:
            report.reported_by, report.reported_at = by, at
            await self._session.execute(delete(Absence).where(Absence.report_id == report.id))
        self._session.add_all(Absence(school_id=self._school_id, report_id=report.id,
                                      student_id=s, start_slot=a, end_slot=b)
                              for s, a, b in absences)
        return report.id, replaced

    async def correct_truancy(self, day: date, absent: dict[int, tuple[int, int]],
                              student_ids: Sequence[int],
                              now: datetime) -> list[tuple[int, float, float]]:
        """A corrected report: 旷课 recorded on `day` for `student_ids` (a class) that the new
        report no longer supports is voided (not absent any more) or cut to half a day (absent
        half the day). `absent`: student id → (first, last slot) as now reported. Returns
        (student id, days before, days now) for each record changed."""
        rows = await self._session.execute(
            select(Truancy.id, Truancy.student_id, Truancy.days)
            .where(Truancy.school_id == self._school_id, Truancy.day == day,
                   Truancy.student_id.in_(tuple(student_ids)), Truancy.voided_at.is_(None)))
        changed = []
        for truancy_id, student_id, days in list(rows):
            slots = absent.get(student_id)
            now_days = 0.0 if slots is None else min(float(days),
                                                     (slots[1] - slots[0] + 1) / 2)
            if now_days == float(days):
                continue
            values = {"voided_at": now} if now_days == 0 else {"days": now_days}
            await self._session.execute(update(Truancy).where(Truancy.id == truancy_id)
                                        .values(**values))
            changed.append((student_id, float(days), now_days))
        return changed

    async def report(self, class_id: int, day: date) -> AttendanceReport | None:
        return await self._session.scalar(
            select(AttendanceReport).where(AttendanceReport.class_id == class_id,
                                           AttendanceReport.day == day))

    async def absences(self, report_id: int) -> list[Absence]:
        rows = await self._session.scalars(
            select(Absence).where(Absence.report_id == report_id).order_by(Absence.id))
        return list(rows)

    async def set_reason(self, report_id: int, student_id: int, reason: str) -> bool:
        """The 班主任's word on why a reported child is absent (病 / 事 / 不明)."""
        result = await self._session.execute(
            update(Absence).where(Absence.report_id == report_id,
                                  Absence.student_id == student_id).values(reason=reason))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def classes_without_report(self, day: date) -> list[SchoolClass]:
        """Classes with active students and no report for the day."""
        reported = exists().where(AttendanceReport.class_id == SchoolClass.id,
                                  AttendanceReport.day == day)
        has_students = exists().where(Student.class_id == SchoolClass.id,
                                      Student.active.is_(True))
        rows = await self._session.scalars(
            select(SchoolClass).where(SchoolClass.school_id == self._school_id, ~reported,
                                      has_students)
            .order_by(SchoolClass.grade, SchoolClass.name))
        return list(rows)

    # ---- truancy ----------------------------------------------------------------------

    async def mark_truancy(self, day: date, now: datetime) -> int:
        """Every reported absence not covered by an approved leave or a 休学 becomes 旷课.

        One INSERT … SELECT: the district is never loaded into Python. A half day covered by a
        leave is excused; the rest counts 0.5 a half. Existing records are left alone.
        """
        share = 0.5 * (_uncovered(Absence.start_slot)
                       + _uncovered(Absence.end_slot, second_half=True))
        absent = (
            select(literal(self._school_id), Absence.student_id, AttendanceReport.day,
                   share, literal(now, Truancy.__table__.c.created_at.type))
            .join(AttendanceReport, AttendanceReport.id == Absence.report_id)
            .where(AttendanceReport.school_id == self._school_id, AttendanceReport.day == day,
                   share > 0,
                   ~exists().where(Truancy.student_id == Absence.student_id, Truancy.day == day),
                   ~exists().where(Suspension.student_id == Absence.student_id,
                                   Suspension.start_date <= day, Suspension.end_date >= day))
        )
        result = await self._session.execute(
            insert(Truancy).from_select(
                ["school_id", "student_id", "day", "days", "created_at"], absent))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    async def truants_on(self, day: date) -> AsyncIterator[TruantRow]:
        """The day's live 旷课 records with student and class, streamed in class order."""
        stmt = (select(Truancy.student_id, Student.name, Student.class_id, SchoolClass.grade,
                       SchoolClass.name, Truancy.days)
                .join(Student, Student.id == Truancy.student_id)
                .join(SchoolClass, SchoolClass.id == Student.class_id)
                .where(Truancy.school_id == self._school_id, Truancy.day == day,
                       Truancy.voided_at.is_(None))
                .order_by(Student.class_id, Student.student_no))
        result = await self._session.stream(stmt.execution_options(yield_per=1000))
        async for sid, name, class_id, grade, cname, days in result:
            yield TruantRow(sid, name, class_id, class_label(grade, cname), float(days))

    async def guardians_by_student(self, student_ids: Sequence[int]) -> dict[int, list[str]]:
        rows = await self._session.execute(
            select(GuardianLink.student_id, Guardian.userid)
            .join(Guardian, Guardian.id == GuardianLink.guardian_id)
            .where(GuardianLink.student_id.in_(tuple(student_ids))))
        found: dict[int, list[str]] = {}
        for student_id, userid in rows:
            found.setdefault(student_id, []).append(userid)
        return found

    async def homeroom_by_class(self, class_ids: Sequence[int]) -> dict[int, list[str]]:
        rows = await self._session.execute(
            select(StaffRole.class_id, StaffRole.userid)
            .where(StaffRole.school_id == self._school_id, StaffRole.role == "班主任",
                   StaffRole.class_id.in_(tuple(class_ids))))
        found: dict[int, list[str]] = {}
        for class_id, userid in rows:
            if class_id is not None:
                found.setdefault(class_id, []).append(userid)
        return found

    async def void_covered(self, student_id: int, start_slot: int, end_slot: int,
                           leave_id: int, now: datetime) -> list[tuple[date, float]]:
        """补假: a leave approved later excuses the halves it covers.

        A record whose every truant half is now covered is voided; one left with a half is cut
        to 0.5. Returns (day, days still truant) for each record changed.
        """
        first, last = date.fromordinal(start_slot // 2), date.fromordinal(end_slot // 2)
        rows = await self._session.execute(
            select(Truancy.id, Truancy.day, Truancy.days, Absence.start_slot, Absence.end_slot)
            .join(AttendanceReport, AttendanceReport.day == Truancy.day)
            .join(Absence, and_(Absence.report_id == AttendanceReport.id,
                                Absence.student_id == Truancy.student_id))
            .where(Truancy.student_id == student_id, Truancy.school_id == self._school_id,
                   Truancy.day >= first, Truancy.day <= last, Truancy.voided_at.is_(None)))
        changed = []
        for truancy_id, day, days, a_start, a_end in list(rows):
            left = min(float(days), truant_share((a_start, a_end), [(start_slot, end_slot)]))
            if left == float(days):
                continue
            values = ({"voided_at": now, "voided_by_leave": leave_id} if left == 0
                      else {"days": left})
            await self._session.execute(update(Truancy).where(Truancy.id == truancy_id)
                                        .values(**values))
            changed.append((day, left))
        return changed


def _uncovered(half: object, *, second_half: bool = False):  # type: ignore[no-untyped-def]
    """SQL: 1 when no excusing leave covers this half-day slot of the absence, else 0."""
    covered = exists().where(Leave.student_id == Absence.student_id, Leave.status.in_(EXCUSING),
                             Leave.start_slot <= half, Leave.end_slot >= half)
    condition = and_(Absence.end_slot > Absence.start_slot, ~covered) if second_half else ~covered
    return case((condition, 1), else_=0)
