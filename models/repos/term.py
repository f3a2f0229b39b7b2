"""What the console's term page reads: absences, leave days, 旷课 and report times, summed in SQL
per class and day for a set of classes (the viewer's scope after the page's filters)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.attendance import Absence, AttendanceReport, Truancy
from models.leave import Leave
from models.messaging import AuditEntry
from models.repos._sql import ours
from models.repos.attendance import EXCUSING
from models.roster import Student

REPORTED = "attendance_reported"  # the audit action of a class's first report of a day


class TermRepo:
    def __init__(self, session: AsyncSession, school_id: int) -> None:
        self._session = session
        self._school_id = school_id

    async def absent_halves(self, class_ids: Sequence[int], first: date, last: date
                            ) -> dict[tuple[int, date], int]:
        """(class, day) → half days its report lists its active students absent."""
        halves = func.sum(Absence.end_slot - Absence.start_slot + 1)
        rows = await self._session.execute(
            select(AttendanceReport.class_id, AttendanceReport.day, halves)
            .join(Absence, Absence.report_id == AttendanceReport.id)
            .join(Student, and_(Student.id == Absence.student_id,
                                Student.class_id == AttendanceReport.class_id,
                                Student.active.is_(True)))
            .where(ours(AttendanceReport.school_id, self._school_id),
                   AttendanceReport.class_id.in_(tuple(class_ids)),
                   AttendanceReport.day >= first, AttendanceReport.day <= last)
            .group_by(AttendanceReport.class_id, AttendanceReport.day))
        return {(class_id, day): int(n) for class_id, day, n in rows}

    async def leave_days(self, class_ids: Sequence[int], first: date, last: date
                         ) -> dict[tuple[int, str], float]:
        """(class, kind) → school days of the approved leaves that start in [first, last]."""
        rows = await self._session.execute(
            select(Student.class_id, Leave.kind, func.sum(Leave.days))
            .join(Student, Student.id == Leave.student_id)
            .where(Leave.school_id == self._school_id, Leave.status.in_(EXCUSING),
                   Student.class_id.in_(tuple(class_ids)), Leave.start_date >= first,
                   Leave.start_date <= last)
            .group_by(Student.class_id, Leave.kind))
        return {(class_id, kind): float(days) for class_id, kind, days in rows}

    async def truancy_by_day(self, class_ids: Sequence[int], first: date, last: date
                             ) -> dict[date, float]:
        """Day → 旷课 days recorded (live records only) for students of these classes."""
        rows = await self._session.execute(
            select(Truancy.day, func.sum(Truancy.days))
            .join(Student, Student.id == Truancy.student_id)
            .where(Truancy.school_id == self._school_id, Truancy.voided_at.is_(None),
                   Student.class_id.in_(tuple(class_ids)), Truancy.day >= first,
                   Truancy.day <= last)
            .group_by(Truancy.day))
        return {day: float(days) for day, days in rows}

    async def first_reports(self, class_ids: Sequence[int], first: date, last: date
                            ) -> dict[tuple[int, date], datetime]:
        """(class, day) → when the class first reported that day.

        A correction later in the day replaces the report and its time; the audit log keeps
        the first one, so the earlier of the two is taken.
        """
        wanted = set(class_ids)
        found: dict[tuple[int, date], datetime] = {}
        reports = await self._session.execute(
            select(AttendanceReport.class_id, AttendanceReport.day, AttendanceReport.reported_at)
            .where(ours(AttendanceReport.school_id, self._school_id),
                   AttendanceReport.class_id.in_(tuple(class_ids)),
                   AttendanceReport.day >= first, AttendanceReport.day <= last))
        for class_id, day, at in reports:
            found[(class_id, day)] = at
        earliest = func.min(AuditEntry.at)
        entries = await self._session.execute(
            select(AuditEntry.entity_id, earliest)
            .where(AuditEntry.school_id == self._school_id, AuditEntry.entity == "attendance",
                   AuditEntry.action == REPORTED,
                   AuditEntry.at >= datetime.combine(first - timedelta(days=1), time(), UTC),
                   AuditEntry.at < datetime.combine(last + timedelta(days=2), time(), UTC))
            .group_by(AuditEntry.entity_id))
        for entity_id, at in entries:
            key = _class_day(entity_id)
            if key is not None and key[0] in wanted and key in found:
                found[key] = min(found[key], at)
        return found


def _class_day(entity_id: str) -> tuple[int, date] | None:
    """An attendance audit entry's id, `<class id>:<YYYY-MM-DD>`, as (class id, day)."""
    class_id, _, day = entity_id.partition(":")
    try:
        return int(class_id), date.fromisoformat(day)
    except ValueError:
        return None
