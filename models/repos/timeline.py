"""One student's term as the console's timeline shows it: leaves and their history, reported
absences, 旷课, the ladder's steps, home visits and gate checks. A handful of queries per page,
each for the one student (or the set of their leaves), and one for the names of the people."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.attendance import Absence, AttendanceReport, EscalationStep, HomeVisit, Truancy
from models.leave import GateCheck, Leave
from models.messaging import AuditEntry
from models.roster import Guardian, StaffRole, Student


@dataclass(frozen=True)
class AbsenceLine:
    day: date
    start_slot: int
    end_slot: int
    reported_by: str
    reported_at: datetime


@dataclass(frozen=True)
class StudentTerm:
    """The student's records between two days."""

    leaves: list[Leave]
    leave_history: list[AuditEntry]
    absences: list[AbsenceLine]
    truancy: list[Truancy]
    steps: list[EscalationStep]
    visits: list[HomeVisit]
    gate_checks: list[GateCheck]


class TimelineRepo:
    def __init__(self, session: AsyncSession, school_id: int) -> None:
        self._session = session
        self._school_id = school_id

    async def term(self, student_id: int, first: date, last: date) -> StudentTerm:
        since = datetime.combine(first, time(), UTC)
        leaves = list(await self._session.scalars(
            select(Leave).where(Leave.school_id == self._school_id,
                                Leave.student_id == student_id, Leave.start_date <= last,
                                Leave.end_date >= first)
            .order_by(Leave.id)))
        leave_ids = [leave.id for leave in leaves]
        history = list(await self._session.scalars(
            select(AuditEntry).where(AuditEntry.school_id == self._school_id,
                                     AuditEntry.entity == "leave",
                                     AuditEntry.entity_id.in_([str(i) for i in leave_ids]))
            .order_by(AuditEntry.id))) if leave_ids else []
        absences = await self._session.execute(
            select(AttendanceReport.day, Absence.start_slot, Absence.end_slot,
                   AttendanceReport.reported_by, AttendanceReport.reported_at)
            .join(Absence, Absence.report_id == AttendanceReport.id)
            .where(AttendanceReport.school_id == self._school_id,
                   Absence.student_id == student_id, AttendanceReport.day >= first,
                   AttendanceReport.day <= last)
            .order_by(AttendanceReport.day))
        truancy = await self._session.scalars(
            select(Truancy).where(Truancy.school_id == self._school_id,
                                  Truancy.student_id == student_id, Truancy.day >= first,
                                  Truancy.day <= last)
            .order_by(Truancy.day))
        steps = await self._session.scalars(
            select(EscalationStep).where(EscalationStep.school_id == self._school_id,
                                         EscalationStep.student_id == student_id,
                                         EscalationStep.day >= first,
                                         EscalationStep.day <= last)
            .order_by(EscalationStep.id))
        visits = await self._session.scalars(
            select(HomeVisit).where(HomeVisit.school_id == self._school_id,
                                    HomeVisit.student_id == student_id,
                                    HomeVisit.opened_at >= since)
            .order_by(HomeVisit.opened_at))
        checks = list(await self._session.scalars(
            select(GateCheck).where(GateCheck.school_id == self._school_id,
                                    GateCheck.leave_id.in_(leave_ids))
            .order_by(GateCheck.at))) if leave_ids else []
        return StudentTerm(leaves, history, [AbsenceLine(*row) for row in absences],
                           list(truancy), list(steps), list(visits), checks)

    async def names(self, userids: Collection[str]) -> dict[str, str]:
        """userid → the roster's name: the staff name, else the guardian's."""
        wanted = tuple(userids)
        if not wanted:
            return {}
        found = {userid: name for userid, name in await self._session.execute(
            select(Guardian.userid, Guardian.name)
            .where(Guardian.school_id == self._school_id, Guardian.userid.in_(wanted)))}
        found.update({userid: name for userid, name in await self._session.execute(
            select(StaffRole.userid, StaffRole.name)
            .where(StaffRole.school_id == self._school_id, StaffRole.userid.in_(wanted))
            .order_by(StaffRole.id.desc()))})
        return found


    async def find(self, text: str, class_ids: Collection[int] | None,
                   limit: int = 50) -> list[Student]:
        """Active students whose name contains `text`, or whose 学籍号 is `text`, in these
        classes (None: the whole school); by class and 学籍号."""
        conditions = [Student.school_id == self._school_id, Student.active.is_(True)]
        if text:
            conditions.append(or_(Student.name.contains(text, autoescape=True),
                                  Student.student_no == text))
        if class_ids is not None:
            conditions.append(Student.class_id.in_(tuple(class_ids)))
        rows = await self._session.scalars(
            select(Student).where(*conditions)
            .order_by(Student.class_id, Student.student_no).limit(limit))
        return list(rows)
