"""因病缺勤: `诊断 <学生> <诊断结果>` answers the follow-up (班主任, 校医, or the parent)."""

from __future__ import annotations

import re

from handlers.context import User
from handlers.dispatcher import Command, Router
from handlers.dropout import find_student
from models.roster import Student
from models.rules.privacy import Consent
from services import recovery
from services.health import DOCTOR, NOT_SEEN, HealthDesk
from services.leave.desk import LeaveDesk
from services.privacy import STATES

router = Router("health", roles=frozenset({"班主任", DOCTOR, "家长"}))

USAGE = ("诊断的写法：诊断 学生 诊断结果，例如：诊断 张小明 流感\n"
         f"没有就诊：诊断 张小明 {NOT_SEEN}")

WITHHELD = ("{name}的家长{state}学校保存健康信息，诊断未记录。请电话了解孩子情况；"
            "家长同意后，以后的病情才会记录。")

OWN_WITHHELD = ("您还没有同意学校保存孩子的健康信息，诊断未记录。同意请回复：同意"
                "（以后的病情才会记录）；也可以直接告诉班主任。")


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
    if isinstance(row, Consent):
        if not user.roles & {"班主任", DOCTOR}:
            return OWN_WITHHELD
        return WITHHELD.format(name=student.name, state=STATES.get(row, "尚未同意"))
    await recovery.after_diagnosis(desk, row)
    if user.roles & {"班主任", DOCTOR} and not await health.privacy.disclose(
            user.userid, [student.id], "诊断", "诊断回复"):
        return f"已记录{student.name}的诊断。"
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
