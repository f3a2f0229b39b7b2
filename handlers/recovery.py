"""复课证明: the parent's photo (sent outside any dialog) and the 校医's `复课 张小明 确认`."""

from __future__ import annotations

import re
from typing import Any

from handlers import texts
from handlers.context import User
from handlers.dialogs import CONVERSATIONS
from handlers.dispatcher import ButtonPrefix, Command, Router
from handlers.dropout import find_student
from models.messages import ImageMessage, Incoming
from models.repos.roster import PARENT
from services import recovery
from services.leave.desk import LeaveDesk

families = Router("recovery-family", roles=frozenset({PARENT}))
doctors = Router("recovery-doctor", roles=frozenset({recovery.DOCTOR}))

USAGE = "确认复课证明的写法：复课 学生 确认，例如：复课 张小明 确认"


# An offer (a soft step) does not hold a photo back: the offer simply lapses.
_SOFT = frozenset(step.state for c in CONVERSATIONS for step in c.steps if step.soft)


def _photo_outside_dialogs(message: Incoming, data: dict[str, Any]) -> bool:
    state = data["dialog"].state
    return isinstance(message, ImageMessage) and (state is None or state in _SOFT)


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
