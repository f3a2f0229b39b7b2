"""What 因病缺勤登记追踪 reads and writes: illness absences, cluster alerts, the day's reports."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.attendance import AttendanceReport
from models.health import HealthAlert, HealthConsent, HealthRead, IllnessAbsence
from models.leave import APPROVED, Leave
from models.roster import SchoolClass, Student
from models.rules.classes import class_label


@dataclass(frozen=True)
class ClassReport:
    class_id: int
    label: str
    reported_at: datetime | None  # None: no report for the day


class HealthRepo:
    def __init__(self, session: AsyncSession, school_id: int) -> None:
        self._session = session
        self._school_id = school_id

    async def absence(self, student_id: int, day: date) -> IllnessAbsence | None:
        return await self._session.scalar(
            select(IllnessAbsence).where(IllnessAbsence.student_id == student_id,
                                         IllnessAbsence.day == day))

    async def add(self, row: IllnessAbsence) -> IllnessAbsence:
        row.school_id = self._school_id
        self._session.add(row)
        await self._session.flush()
        return row

    async def get(self, row_id: int) -> IllnessAbsence | None:
        return await self._session.scalar(
            select(IllnessAbsence).where(IllnessAbsence.school_id == self._school_id,
                                         IllnessAbsence.id == row_id))

    async def confirm_certificate(self, row_id: int, by: str, at: datetime) -> bool:
        """The 校医 confirms the 复课证明 sent (compare-and-set: a photo, not yet confirmed)."""
        result = await self._session.execute(
            update(IllnessAbsence).where(IllnessAbsence.id == row_id,
                                         IllnessAbsence.certificate_media.is_not(None),
                                         IllnessAbsence.certificate_confirmed_at.is_(None))
            .values(certificate_confirmed_by=by, certificate_confirmed_at=at)
            .execution_options(synchronize_session="fetch"))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def of_leave(self, leave_id: int) -> IllnessAbsence | None:
        return await self._session.scalar(
            select(IllnessAbsence).where(IllnessAbsence.school_id == self._school_id,
                                         IllnessAbsence.leave_id == leave_id))

    async def open_sick_leaves(self, student_ids: Sequence[int]) -> list[tuple[IllnessAbsence,
                                                                              Leave]]:
        """Illness absences of approved, not yet closed 病假 whose certificate nobody confirmed,
        oldest first."""
        rows = await self._session.execute(
            select(IllnessAbsence, Leave).join(Leave, Leave.id == IllnessAbsence.leave_id)
            .where(IllnessAbsence.school_id == self._school_id,
                   IllnessAbsence.student_id.in_(tuple(student_ids)),
                   IllnessAbsence.certificate_confirmed_at.is_(None),
                   Leave.status == APPROVED)
            .order_by(Leave.start_slot, Leave.id))
        return [(row, leave) for row, leave in rows]

    async def between(self, first: date, last: date,
                      class_id: int | None = None) -> list[IllnessAbsence]:
        """Illness absences whose days touch [first, last], oldest first."""
        stmt = select(IllnessAbsence).where(
            IllnessAbsence.school_id == self._school_id, IllnessAbsence.day <= last,
            IllnessAbsence.last_day >= first)
        if class_id is not None:
            stmt = stmt.where(IllnessAbsence.class_id == class_id)
        rows = await self._session.scalars(stmt.order_by(IllnessAbsence.day, IllnessAbsence.id))
        return list(rows)

    async def of_student(self, student_id: int) -> list[IllnessAbsence]:
        rows = await self._session.scalars(
            select(IllnessAbsence).where(IllnessAbsence.school_id == self._school_id,
                                         IllnessAbsence.student_id == student_id)
            .order_by(IllnessAbsence.day, IllnessAbsence.id))
        return list(rows)

    async def returns(self, leave_ids: Sequence[int]) -> dict[int, datetime]:
        """When each of these leaves was closed by 销假 (返校), for those that were."""
        rows = await self._session.execute(
            select(Leave.id, Leave.returned_at)
            .where(Leave.school_id == self._school_id, Leave.id.in_(tuple(leave_ids)),
                   Leave.returned_at.is_not(None)))
        return {leave_id: at for leave_id, at in rows if at is not None}

    async def latest_of(self, student_id: int) -> IllnessAbsence | None:
        return await self._session.scalar(
            select(IllnessAbsence).where(IllnessAbsence.school_id == self._school_id,
                                         IllnessAbsence.student_id == student_id)
            .order_by(IllnessAbsence.day.desc(), IllnessAbsence.id.desc()).limit(1))

    async def undiagnosed_before(self, day: date) -> list[IllnessAbsence]:
        """Absences from before `day` that nobody has answered for and nobody was asked about."""
        rows = await self._session.scalars(
            select(IllnessAbsence).where(IllnessAbsence.school_id == self._school_id,
                                         IllnessAbsence.day < day,
                                         IllnessAbsence.diagnosis.is_(None),
                                         IllnessAbsence.asked_on.is_(None))
            .order_by(IllnessAbsence.class_id, IllnessAbsence.id))
        return list(rows)

    async def alerted_since(self, class_id: int, symptom: str, first: date) -> bool:
        return bool(await self._session.scalar(
            select(exists().where(HealthAlert.class_id == class_id,
                                  HealthAlert.symptom == symptom, HealthAlert.day >= first))))

    def add_alert(self, class_id: int, symptom: str, day: date, students: Sequence[int],
                  now: datetime) -> None:
        self._session.add(HealthAlert(school_id=self._school_id, class_id=class_id,
                                      symptom=symptom, day=day, students=list(students),
                                      created_at=now))

    async def class_reports(self, day: date) -> list[ClassReport]:
        """Every class with active students and its report of the day, if any."""
        has_students = exists().where(Student.class_id == SchoolClass.id,
                                      Student.active.is_(True))
        rows = await self._session.execute(
            select(SchoolClass.id, SchoolClass.grade, SchoolClass.name,
                   AttendanceReport.reported_at)
            .outerjoin(AttendanceReport, (AttendanceReport.class_id == SchoolClass.id)
                       & (AttendanceReport.day == day))
            .where(SchoolClass.school_id == self._school_id, has_students)
            .order_by(SchoolClass.grade, SchoolClass.name))
        return [ClassReport(cid, class_label(grade, name), at) for cid, grade, name, at in rows]

    async def names(self, student_ids: Sequence[int]) -> dict[int, str]:
        rows = await self._session.execute(
            select(Student.id, Student.name).where(Student.id.in_(tuple(student_ids))))
        return {sid: name for sid, name in rows}

    async def class_labels(self, class_ids: Sequence[int]) -> dict[int, str]:
        rows = await self._session.execute(
            select(SchoolClass.id, SchoolClass.grade, SchoolClass.name)
            .where(SchoolClass.id.in_(tuple(class_ids))))
        return {cid: class_label(grade, name) for cid, grade, name in rows}

    # ---- consent and the staff-read log (个人信息保护法) ----

    async def consents(self, student_id: int) -> list[HealthConsent]:
        rows = await self._session.scalars(
            select(HealthConsent).where(HealthConsent.student_id == student_id)
            .order_by(HealthConsent.id))
        return list(rows)

    def add_consent(self, student_id: int, guardian: str, channel: str, *,
                    now: datetime) -> None:
        """The question put to a guardian (so it is put once)."""
        self._session.add(HealthConsent(school_id=self._school_id, student_id=student_id,
                                        guardian=guardian, channel=channel, created_at=now,
                                        asked_at=now))

    async def consents_of(self, guardian: str, channel: str) -> list[HealthConsent]:
        """The questions put to one guardian (their id is only unique within its channel)."""
        rows = await self._session.scalars(
            select(HealthConsent).where(HealthConsent.school_id == self._school_id,
                                        HealthConsent.guardian == guardian,
                                        HealthConsent.channel == channel)
            .order_by(HealthConsent.id))
        return list(rows)

    async def answer_consents(self, guardian: str, channel: str, answer: bool,
                              now: datetime) -> list[int]:
        """Set the guardian's answer for every child they were asked about; the children's ids."""
        asked = (HealthConsent.school_id == self._school_id, HealthConsent.guardian == guardian,
                 HealthConsent.channel == channel, HealthConsent.asked_at.is_not(None))
        ids = list(await self._session.scalars(select(HealthConsent.student_id).where(*asked)))
        if ids:
            await self._session.execute(update(HealthConsent).where(*asked).values(
                answer=answer, answered_at=now))
        return ids

    def log_read(self, reader: str, student_id: int, what: str, via: str, at: datetime) -> None:
        self._session.add(HealthRead(school_id=self._school_id, reader=reader,
                                     student_id=student_id, what=what, via=via, at=at))

    # ---- keeping ----

    async def with_details_until(self, last: date) -> list[IllnessAbsence]:
        """Absences from `last` or before that still hold symptoms, an onset, a diagnosis or a
        certificate photo."""
        rows = await self._session.scalars(
            select(IllnessAbsence).where(IllnessAbsence.school_id == self._school_id,
                                         IllnessAbsence.day <= last)
            .order_by(IllnessAbsence.id))
        return [r for r in rows if r.symptoms or r.diagnosis is not None or r.onset is not None
                or r.certificate_media is not None]

    async def alerts_until(self, last: date) -> list[HealthAlert]:
        """Cluster alerts (they name children and a symptom) of `last` or before."""
        rows = await self._session.scalars(select(HealthAlert).where(
            HealthAlert.school_id == self._school_id, HealthAlert.day <= last))
        return list(rows)

    async def drop_alerts(self, ids: Sequence[int]) -> None:
        if ids:
            await self._session.execute(delete(HealthAlert).where(HealthAlert.id.in_(list(ids))))
