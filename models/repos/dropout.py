"""What 控辍保学 reads and writes: cases, the steps taken for them, 休学 records, the ledger."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.dropout import CaseAction, DropoutCase, Suspension
from models.roster import SchoolClass, StaffRole, Student
from models.rules.classes import class_label
from models.rules.dropout import CLOSED, in_month


@dataclass(frozen=True)
class LedgerLine:
    """One case as the monthly ledger lists it."""

    case: DropoutCase
    student_no: str
    name: str
    class_label: str
    teachers: tuple[str, ...]
    actions: tuple[CaseAction, ...]


class DropoutRepo:
    def __init__(self, session: AsyncSession, school_id: int) -> None:
        self._session = session
        self._school_id = school_id

    async def case(self, student_id: int, episode: str) -> DropoutCase | None:
        return await self._session.scalar(
            select(DropoutCase).where(DropoutCase.student_id == student_id,
                                      DropoutCase.episode == episode))

    async def add_case(self, case: DropoutCase) -> None:
        case.school_id = self._school_id
        self._session.add(case)
        await self._session.flush()

    async def unclosed(self) -> list[DropoutCase]:
        """Every case not yet 已销号, oldest first."""
        rows = await self._session.scalars(
            select(DropoutCase).where(DropoutCase.school_id == self._school_id,
                                      DropoutCase.status != CLOSED)
            .order_by(DropoutCase.opened_on, DropoutCase.id))
        return list(rows)

    async def latest_case(self, student_id: int) -> DropoutCase | None:
        """The student's newest case that is not closed: the one a step is recorded on."""
        return await self._session.scalar(
            select(DropoutCase).where(DropoutCase.school_id == self._school_id,
                                      DropoutCase.student_id == student_id,
                                      DropoutCase.status != CLOSED)
            .order_by(DropoutCase.opened_on.desc(), DropoutCase.id.desc()).limit(1))

    async def add_action(self, case: DropoutCase, kind: str, outcome: str, *, by: str,
                         day: date, now: datetime) -> CaseAction:
        action = CaseAction(school_id=self._school_id, case_id=case.id, kind=kind,
                            outcome=outcome, taken_by=by, taken_on=day, recorded_at=now)
        self._session.add(action)
        await self._session.flush()
        return action

    async def add_suspension(self, student_id: int, first: date, last: date, reason: str, *,
                             by: str, now: datetime) -> Suspension:
        row = Suspension(school_id=self._school_id, student_id=student_id, start_date=first,
                         end_date=last, reason=reason, recorded_by=by, recorded_at=now)
        self._session.add(row)
        await self._session.flush()
        return row

    async def suspensions(self, student_id: int) -> list[Suspension]:
        rows = await self._session.scalars(
            select(Suspension).where(Suspension.school_id == self._school_id,
                                     Suspension.student_id == student_id)
            .order_by(Suspension.start_date))
        return list(rows)

    async def ledger(self, first: date, last: date) -> list[LedgerLine]:
        """The cases open at some time in [first, last], with their students, 班主任 and steps."""
        rows = await self._session.execute(
            select(DropoutCase, Student.student_no, Student.name, Student.class_id,
                   SchoolClass.grade, SchoolClass.name)
            .join(Student, Student.id == DropoutCase.student_id)
            .join(SchoolClass, SchoolClass.id == Student.class_id)
            .where(DropoutCase.school_id == self._school_id, DropoutCase.opened_on <= last)
            .order_by(DropoutCase.opened_on, DropoutCase.id))
        found = [row for row in rows if in_month(row[0].opened_on, row[0].closed_on, first, last)]
        actions = await self._actions([row[0].id for row in found])
        teachers = await self._teachers({row[3] for row in found})
        return [LedgerLine(case, no, name, class_label(grade, cname),
                           tuple(teachers.get(class_id, ())), tuple(actions.get(case.id, ())))
                for case, no, name, class_id, grade, cname in found]

    async def _actions(self, case_ids: Sequence[int]) -> dict[int, list[CaseAction]]:
        found: dict[int, list[CaseAction]] = defaultdict(list)
        if case_ids:
            rows = await self._session.scalars(
                select(CaseAction).where(CaseAction.case_id.in_(tuple(case_ids)))
                .order_by(CaseAction.taken_on, CaseAction.id))
            for action in rows:
                found[action.case_id].append(action)
        return found

    async def _teachers(self, class_ids: set[int]) -> dict[int, list[str]]:
        found: dict[int, list[str]] = defaultdict(list)
        if class_ids:
            rows = await self._session.execute(
                select(StaffRole.class_id, StaffRole.userid)
                .where(StaffRole.school_id == self._school_id, StaffRole.role == "班主任",
                       StaffRole.class_id.in_(tuple(class_ids)))
                .order_by(StaffRole.userid))
            for class_id, userid in rows:
                if class_id is not None:
                    found[class_id].append(userid)
        return found

