"""The school's roster as it stands, in the rows an import reads (for `qingjia sync-roster`)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.roster import Guardian, GuardianLink, SchoolClass, StaffRole, Student
from models.roster_import import Roster, StaffRow, StudentRow


async def current_roster(session: AsyncSession, school_id: int) -> Roster:
    """Every active student–guardian pair and every staff role, as validated rows (row 0)."""
    pairs = await session.execute(
        select(Student, SchoolClass, Guardian, GuardianLink.relation)
        .join(SchoolClass, SchoolClass.id == Student.class_id)
        .join(GuardianLink, GuardianLink.student_id == Student.id)
        .join(Guardian, Guardian.id == GuardianLink.guardian_id)
        .where(Student.school_id == school_id, Student.active.is_(True))
        .order_by(Student.student_no, Guardian.userid))
    students = tuple(
        StudentRow(row=0, student_no=s.student_no, name=s.name, grade=c.grade,
                   class_name=c.name, guardian_name=g.name, guardian_userid=g.userid,
                   guardian_phone=g.phone, relation=relation, guardian_channel=g.channel)
        for s, c, g, relation in pairs)
    roles = await session.execute(
        select(StaffRole, SchoolClass)
        .outerjoin(SchoolClass, SchoolClass.id == StaffRole.class_id)
        .where(StaffRole.school_id == school_id).order_by(StaffRole.id))
    staff = tuple(
        StaffRow(row=0, name=r.name, userid=r.userid, role=r.role,
                 grade=c.grade if c is not None else None,
                 class_name=c.name if c is not None else None)
        for r, c in roles)
    return Roster(students=students, staff=staff)
