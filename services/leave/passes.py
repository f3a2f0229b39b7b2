"""The 放行码: issued with an approval, checked at the gate, used once to leave, closed on return.

A gate page calls the same functions as the guard's chat: `find_pass` (counting wrong codes,
never locking a guard out), `describe` (who, class, window, approver, whether it is good now),
`let_out`, `register_return`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from models.leave import APPROVED, Leave
from models.rules import passcode
from models.rules.sealed import seal
from models.rules.slots import pass_window
from services import recovery
from services.actor import Actor
from services.leave import views
from services.leave.closing import close
from services.leave.desk import LeaveDesk

VERDICTS = {"valid": "有效，可以放行", "not_yet": "还未到请假时间", "expired": "已过期",
            "withdrawn": "家长已撤销", "used": "已使用过（已离校或已销假）", "rejected": "未获批准"}
REASONS = {k: ("✅ " if k == "valid" else "⛔ ") + v for k, v in VERDICTS.items()}
ASK_CODE = "请发送放行码，例如：核验 5RXQ-83VK"
WRONG = "⛔ 放行码无效，请核对后重试。"
OFFICE = "政教处"


# ---- issuing --------------------------------------------------------------------


DRAWS = 5  # a new code that matches one already issued is drawn again, up to this many times


class NoFreeCode(RuntimeError):
    """Every draw matched a code already issued: the random source is broken."""


async def fresh_code(desk: LeaveDesk) -> str:
    """A new 放行码 that no leave holds yet (drawn again on a collision)."""
    key = desk.config.security.derive("pass")
    for _ in range(DRAWS):
        code = passcode.new_code()
        if not await desk.leaves.pass_digest_taken(passcode.code_digest(code, key)):
            return code
    raise NoFreeCode(f"{DRAWS} draws of a 放行码 all collided")


def pass_values(desk: LeaveDesk, leave: Leave, code: str, *, holder: str) -> dict[str, object]:
    """The columns a pass sets on its leave: the code's digest (never the code), who holds it,
    and the window it is valid in."""
    start_half = "pm" if leave.start_slot % 2 else "am"
    end_half = "pm" if leave.end_slot % 2 else "am"
    window = ((leave.window_start, leave.window_end)
              if leave.window_start is not None and leave.window_end is not None else None)
    valid_from, valid_until = pass_window(leave.start_date, start_half,  # type: ignore[arg-type]
                                          leave.end_date, end_half,  # type: ignore[arg-type]
                                          window, desk.tz)
    return {"pass_digest": passcode.code_digest(code, desk.config.security.derive("pass")),
            "pass_holder": holder, "valid_from": valid_from, "valid_until": valid_until}


def pass_message(desk: LeaveDesk, leave: Leave, name: str, code: str) -> str:
    """What the pass's holder receives: the code and the link to its page (bot/web/pass_page)."""
    token = seal(code, desk.config.security.derive("qr"))
    url = f"{desk.config.server.public_url}/h5/pass/{token}"
    return (f"{name}的请假（单号{leave.id}）已批准。\n{views.when(leave)}\n"
            f"放行码：{passcode.format_code(code)}\n查看放行码：{url}\n"
            f"离校时请出示给门卫，仅可使用一次。")


# ---- the gate ---------------------------------------------------------------------


async def find_pass(desk: LeaveDesk, text: str, guard: Actor) -> tuple[Leave | None, str]:
    """The leave behind a code, or why there is none. A valid code is always found; wrong codes
    are counted, and 政教处 is told each time a guard's count in the window reaches another
    `[gate] max_wrong_codes`."""
    code = passcode.normalize_code(text) if text else None
    if code is None:
        return None, ASK_CODE
    digest = passcode.code_digest(code, desk.config.security.derive("pass"))
    leave = await desk.leaves.by_pass_digest(digest)
    if leave is not None:
        desk.leaves.record_check(guard.userid, desk.now, leave.id)
        return leave, ""
    gate = desk.config.gate
    minutes = gate.wrong_code_window_minutes
    since = desk.now - timedelta(minutes=minutes)
    wrong = len(await desk.leaves.wrong_checks_since(guard.userid, since)) + 1  # this one too
    desk.leaves.record_check(guard.userid, desk.now, None)
    if wrong % gate.max_wrong_codes:
        return None, WRONG
    at = views.clock(desk.now, desk.tz)
    for office in await desk.roster.users_with_role(OFFICE):
        desk.notify.send(office, f"门卫{guard.name}在{minutes}分钟内输错放行码{wrong}次"
                                 f"（最近一次{at}），请留意是否有人冒用放行码。")
    return None, f"{WRONG}\n{minutes}分钟内已输错{wrong}次，已告知政教处。"


def verdict(desk: LeaveDesk, leave: Leave) -> passcode.PassCheck:
    """Whether the pass lets the student out now, and if not, why."""
    assert leave.valid_from is not None and leave.valid_until is not None
    return passcode.check_pass(desk.now, leave.valid_from, leave.valid_until, leave.status,
                               leave.exited_at)


@dataclass(frozen=True)
class PassFacts:
    """What the guard is shown of a pass, as values: the chat's text and the gate page's panel."""

    check: passcode.PassCheck
    leave_id: int
    student: str
    class_label: str
    valid_from: str
    valid_until: str
    kind: str
    approver: str
    exited: bool  # used to leave, not yet back: 返校 closes it


async def facts(desk: LeaveDesk, leave: Leave) -> PassFacts:
    student = await desk.roster.student(leave.student_id)
    label = await desk.student_label(student) if student else ""
    approver = await desk.roster.display_name(leave.decided_by or "") or ""
    return PassFacts(verdict(desk, leave), leave.id, student.name if student else "", label,
                     views.stamp(leave.valid_from or desk.now, desk.tz),
                     views.valid_until(leave, desk.now, desk.tz), leave.kind, approver,
                     leave.exited_at is not None and leave.status == APPROVED)


async def describe(desk: LeaveDesk, leave: Leave) -> str:
    """What the guard is shown: the verdict, student and class, window, kind, approver."""
    found = await facts(desk, leave)
    return (f"{REASONS[found.check.reason]}\n学生：{found.student}（{found.class_label}）\n"
            f"时间：{found.valid_from} 至 {found.valid_until}\n"
            f"类型：{found.kind}　审批：{found.approver}\n"
            f"单号：{found.leave_id}" + ("\n放行请发送：放行 放行码" if found.check.ok else ""))


async def let_out(desk: LeaveDesk, leave: Leave, guard: Actor) -> str:
    """Register the exit once (compare-and-set); parents and 班主任 are told. The guard's answer."""
    if not verdict(desk, leave).ok:
        return "不能放行。\n" + await describe(desk, leave)
    if not await desk.leaves.mark_exited(leave.id, desk.now, guard.userid):
        return "不能放行：该放行码刚刚已被使用。"
    desk.record(guard.userid, "exited", leave, before=APPROVED)
    name = await desk.student_name(leave)
    at = views.clock(desk.now, desk.tz)
    for userid in await desk.family_and_teachers(leave):
        desk.notify.send(userid, f"{name}已于 {at} 离校（请假单号{leave.id}）。")
    return f"已登记：{name} {at} 离校。"


async def register_return(desk: LeaveDesk, leave: Leave, guard: Actor) -> str:
    """返校 at the gate closes the leave (see closing.close), unless a 病假 still waits for its
    复课证明 (the guard is told to send the child to the 校医). The guard's answer."""
    refused = await recovery.refuse_return(desk, leave) if leave.status == APPROVED else None
    if refused is not None:
        return refused
    if not await close(desk, leave, guard, via="gate"):
        return f"单号{leave.id}当前{views.STATUS_NAMES[leave.status]}，无需登记返校。"
    name = await desk.student_name(leave)
    return f"已登记：{name} {views.clock(desk.now, desk.tz)} 返校，已销假。"
