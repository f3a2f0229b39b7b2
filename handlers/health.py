"""因病缺勤: `诊断 <学生> <诊断结果>` answers the follow-up (班主任, 校医, or the parent)."""

from __future__ import annotations

import re

from handlers.context import User
from handlers.dispatcher import Command, Router
from handlers.dropout import find_student
from models.roster import Student
from services import recovery
from services.health import DOCTOR, NOT_SEEN, HealthDesk
from services.leave.desk import LeaveDesk

router = Router("health", roles=frozenset({"班主任", DOCTOR, "家长"}))

USAGE = ("诊断的写法：诊断 学生 诊断结果，例如：诊断 张小明 流感\n"
         f"没有就诊：诊断 张小明 {NOT_SEEN}")


@router.on(Command("诊断"))
async def diagnosis(args: str, user: User, desk: LeaveDesk, health: HealthDesk) -> str:
    match = re.fullmatch(r"(\S+)\s+(.+)", args.strip())
    if match is None:
        return USAGE
    student = await _student(desk, user, match.group(1))
    if isinstance(student, str):
        return student
    row = await health.diagnose(student.id, match.group(2), by=user.userid)
    if row is None:
        return f"{student.name}没有因病缺课的登记。"
    await recovery.after_diagnosis(desk, row)
    return f"已记录{student.name}{row.day.month}月{row.day.day}日因病缺课的诊断：{row.diagnosis}。"


async def _student(desk: LeaveDesk, user: User, name: str) -> Student | str:
    """A parent means their own child; staff go by find_student (校医: the whole school)."""
    if user.roles & {"班主任", DOCTOR}:
        return await find_student(desk, user, name, school_wide=frozenset({DOCTOR}))
    children = [c for c in await desk.roster.children_of(user.userid) if name in (c.name,
                                                                                   c.student_no)]
    if len(children) != 1:
        return f"您的孩子中没有「{name[:20]}」。"
    return children[0]
