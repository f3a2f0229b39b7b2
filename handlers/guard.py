"""门卫: check a 放行码, let the student out once, register the return."""

from __future__ import annotations

import re

from handlers.context import User
from handlers.dispatcher import Command, Router
from models.messages import Incoming, TextMessage
from services.leave import passes
from services.leave.desk import LeaveDesk

router = Router("guard", roles=frozenset({"门卫"}))

_CODE_SHAPE = re.compile(r"[0-9A-Za-z]{4}[-－ ]?[0-9A-Za-z]{4}")


def _bare_code(message: Incoming, data: dict) -> bool:  # type: ignore[type-arg]
    return isinstance(message, TextMessage) and bool(_CODE_SHAPE.fullmatch(data["text"]))


@router.on(_bare_code)
async def bare_code(text: str, user: User, desk: LeaveDesk) -> str:
    return await check(text, user, desk)


@router.on(Command("核验", "查验"))
async def check(args: str, user: User, desk: LeaveDesk) -> str:
    """Who, which class, when, approved by whom, and whether the pass is good right now."""
    leave, refusal = await passes.find_pass(desk, args, user)
    if leave is None:
        return refusal
    return await passes.describe(desk, leave)


@router.on(Command("放行", "离校"))
async def let_out(args: str, user: User, desk: LeaveDesk) -> str:
    leave, refusal = await passes.find_pass(desk, args, user)
    if leave is None:
        return refusal
    return await passes.let_out(desk, leave, user)


@router.on(Command("返校"))
async def came_back(args: str, user: User, desk: LeaveDesk) -> str:
    leave, refusal = await passes.find_pass(desk, args, user)
    if leave is None:
        return refusal
    return await passes.register_return(desk, leave, user)
