"""复课证明: the parent's photo (sent outside any dialog) and the 校医's `复课 张小明 确认`."""

from __future__ import annotations

import re
from typing import Any

from handlers import texts
from handlers.context import User
from handlers.dispatcher import ButtonPrefix, Command, Router
from handlers.dropout import find_student
from models.messages import ImageMessage, Incoming
from models.repos.roster import PARENT
from services import recovery
from services.leave.desk import LeaveDesk

families = Router("recovery-family", roles=frozenset({PARENT}))
doctors = Router("recovery-doctor", roles=frozenset({recovery.DOCTOR}))

USAGE = "确认复课证明的写法：复课 学生 确认，例如：复课 张小明 确认"


def _photo_outside_dialogs(message: Incoming, data: dict[str, Any]) -> bool:
    return isinstance(message, ImageMessage) and data["dialog"].state is None


@families.on(_photo_outside_dialogs)
async def certificate_photo(message: ImageMessage, user: User, desk: LeaveDesk) -> str:
    """A photo is a 复课证明 when a child of the sender's waits for one."""
    taken = await recovery.take_photo(desk, user, message.media_id)
    return taken if taken is not None else texts.UNSUPPORTED_MESSAGE


@doctors.on(Command("复课"))
async def confirm_text(args: str, user: User, desk: LeaveDesk) -> str:
    match = re.fullmatch(r"(\S+)\s+确认", args.strip())
    if match is None:
        return USAGE
    student = await find_student(desk, user, match.group(1),
                                 school_wide=frozenset({recovery.DOCTOR}))
    if isinstance(student, str):
        return student
    return await recovery.confirm_for_student(desk, user, student.id)


@doctors.on(ButtonPrefix(recovery.CONFIRM))
async def confirm_button(args: str, user: User, desk: LeaveDesk) -> str:
    if not args.isdigit():
        return "这张卡片已失效。"
    return await recovery.confirm_by_id(desk, user, int(args))
