"""门卫: check a 放行码, let the student out once, register the return."""

from __future__ import annotations

import re
from datetime import timedelta

from handlers import leave_views as views
from handlers.context import User
from handlers.dispatcher import Command, Router
from handlers.leave_desk import LeaveDesk
from models.leave import APPROVED, Leave
from models.messages import Incoming, TextMessage
from models.rules import passcode

router = Router("guard", roles=frozenset({"门卫"}))

REASONS = {"valid": "✅ 有效，可以放行", "not_yet": "⛔ 还未到请假时间", "expired": "⛔ 已过期",
           "withdrawn": "⛔ 家长已撤销", "used": "⛔ 已使用过（已离校或已销假）",
           "rejected": "⛔ 未获批准"}
ASK_CODE = "请发送放行码，例如：核验 5RXQ-83VK"
_CODE_SHAPE = re.compile(r"[0-9A-Za-z]{4}[-－ ]?[0-9A-Za-z]{4}")


def _bare_code(message: Incoming, data: dict) -> bool:  # type: ignore[type-arg]
    return isinstance(message, TextMessage) and bool(_CODE_SHAPE.fullmatch(data["text"]))


@router.on(_bare_code)
async def bare_code(text: str, user: User, desk: LeaveDesk) -> str:
    return await check(text, user, desk)


@router.on(Command("核验", "查验"))
async def check(args: str, user: User, desk: LeaveDesk) -> str:
    """Who, which class, when, approved by whom, and whether the pass is good right now."""
    leave, refusal = await _find(args, user, desk)
    if leave is None:
        return refusal
    return await _describe(leave, desk)


@router.on(Command("放行", "离校"))
async def let_out(args: str, user: User, desk: LeaveDesk) -> str:
    leave, refusal = await _find(args, user, desk)
    if leave is None:
        return refusal
    verdict = _verdict(leave, desk)
    if not verdict.ok:
        return "不能放行。\n" + await _describe(leave, desk)
    if not await desk.leaves.mark_exited(leave.id, desk.now, user.userid):
        return "不能放行：该放行码刚刚已被使用。"
    desk.record(user.userid, "exited", leave, before=APPROVED)
    student = await desk.roster.student(leave.student_id)
    name = student.name if student else ""
    at = views.clock(desk.now, desk.tz)
    for userid in await desk.family_and_teachers(leave):
        desk.notify.send(userid, f"{name}已于 {at} 离校（请假单号{leave.id}）。")
    return f"已登记：{name} {at} 离校。"


@router.on(Command("返校"))
async def came_back(args: str, user: User, desk: LeaveDesk) -> str:
    leave, refusal = await _find(args, user, desk)
    if leave is None:
        return refusal
    if not await desk.close(leave, user, via="gate"):
        return f"单号{leave.id}当前{views.STATUS_NAMES[leave.status]}，无需登记返校。"
    student = await desk.roster.student(leave.student_id)
    name = student.name if student else ""
    return f"已登记：{name} {views.clock(desk.now, desk.tz)} 返校，已销假。"


async def _find(text: str, user: User, desk: LeaveDesk) -> tuple[Leave | None, str]:
    """The leave behind a code, counting wrong codes towards this guard's lock."""
    gate = desk.config.gate
    window = timedelta(minutes=gate.wrong_code_window_minutes)
    lock = timedelta(minutes=gate.lock_minutes)
    since = desk.now - window - lock
    wrong = await desk.leaves.wrong_checks_since(user.userid, since)
    locked_until = passcode.guard_locked(wrong, desk.now, gate.max_wrong_codes, window, lock)
    if locked_until is not None:
        return None, f"错误次数过多，核验已暂停，请于{views.clock(locked_until, desk.tz)}后再试。"
    code = passcode.normalize_code(text) if text else None
    if code is None:
        return None, ASK_CODE
    digest = passcode.code_digest(code, desk.config.security.derive("pass"))
    leave = await desk.leaves.by_pass_digest(digest)
    desk.leaves.record_check(user.userid, desk.now, leave.id if leave else None)
    if leave is not None:
        return leave, ""
    now_locked = passcode.guard_locked([*wrong, desk.now], desk.now, gate.max_wrong_codes,
                                       window, lock)
    if now_locked is not None:
        for office in await desk.roster.users_with_role("政教处"):
            desk.notify.send(office, f"门卫{user.name}在{gate.wrong_code_window_minutes}分钟内"
                                     f"输错放行码{gate.max_wrong_codes}次，其核验已暂停至"
                                     f"{views.clock(now_locked, desk.tz)}。")
        return None, f"放行码无效。错误次数过多，核验已暂停至{views.clock(now_locked, desk.tz)}。"
    return None, "⛔ 放行码无效，请核对后重试。"


def _verdict(leave: Leave, desk: LeaveDesk) -> passcode.PassCheck:
    assert leave.valid_from is not None and leave.valid_until is not None
    return passcode.check_pass(desk.now, leave.valid_from, leave.valid_until, leave.status,
                               leave.exited_at)


async def _describe(leave: Leave, desk: LeaveDesk) -> str:
    student = await desk.roster.student(leave.student_id)
    label = await desk.student_label(student) if student else ""
    approver = await desk.roster.display_name(leave.decided_by or "") or ""
    verdict = _verdict(leave, desk)
    return (f"{REASONS[verdict.reason]}\n学生：{student.name if student else ''}（{label}）\n"
            f"时间：{views.stamp(leave.valid_from or desk.now, desk.tz)} 至 "
            f"{desk.valid_until_text(leave)}\n类型：{leave.kind}　审批：{approver}\n"
            f"单号：{leave.id}" + ("\n放行请发送：放行 放行码" if verdict.ok else ""))
