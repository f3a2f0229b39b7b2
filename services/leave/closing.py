"""A leave ends: 返校 at the gate or 销假 by the 班主任; an early return shortens it."""

from __future__ import annotations

from datetime import date

from models.leave import APPROVED, RETURNED, Leave
from models.rules.calendar import DayKind
from models.rules.dates import Half
from models.rules.slots import slot
from services import recovery
from services.actor import Actor
from services.leave import views
from services.leave.desk import LeaveDesk


def shortened(desk: LeaveDesk, leave: Leave) -> dict[str, object]:
    """An early return: the leave now ends with the current half day (its days recounted)."""
    local = desk.now.astimezone(desk.tz)
    if local >= (leave.valid_until or local):
        return {}
    half: Half = "pm" if local.hour >= 12 else "am"
    end_slot = max(slot(local.date(), half), leave.start_slot)
    counted = 0.0
    for n in range(leave.start_slot, end_slot + 1):
        day = date.fromordinal(n // 2)
        # An unknown day inside a leave was counted when the leave was made (临时请假: the
        # child was in school); never more than the leave's own count.
        if desk.config.calendar.kind(day) is not DayKind.DAY_OFF:
            counted += 0.5
    return {"end_slot": end_slot, "end_date": date.fromordinal(end_slot // 2),
            "days": min(counted, leave.days)}


async def close(desk: LeaveDesk, leave: Leave, actor: Actor, *, via: str) -> bool:
    """The approved leave is over (compare-and-set); parents and 班主任 other than the actor are
    told. False when it was not approved and open any more."""
    values = {"returned_at": desk.now, "returned_by": actor.userid, **shortened(desk, leave)}
    if not await desk.leaves.transition(leave.id, [APPROVED], status=RETURNED, **values):
        return False
    desk.record(actor.userid, "returned", leave, before=APPROVED, note=via)
    name = await desk.student_name(leave)
    at = views.clock(desk.now, desk.tz)
    # 返校 only for a student who was away (out through the gate, or on leave since an earlier
    # day); one who never left (a pass not used today) is only 已销假
    away = leave.exited_at is not None or leave.start_date < desk.today
    text = (f"{name}已于{at}返校，请假（单号{leave.id}）已销假。" if away
            else f"{name}的请假（单号{leave.id}）已销假（{at}）。")
    for userid in await desk.family_and_teachers(leave):
        if userid != actor.userid:
            desk.notify.send(userid, text)
    return True


async def of_teachers_class(desk: LeaveDesk, teacher: Actor, leave_id: int) -> Leave | None:
    """The leave with this 单号 if its student is in one of the teacher's classes."""
    classes = {c.id for c in await desk.roster.class_of_teacher(teacher.userid)}
    leave = await desk.leaves.get(leave_id)
    student = await desk.roster.student(leave.student_id) if leave else None
    if leave is None or student is None or student.class_id not in classes:
        return None
    return leave


async def close_by_teacher(desk: LeaveDesk, leave: Leave, teacher: Actor) -> str:
    """销假 by the 班主任 (see `close`); a 病假 waiting for its 复课证明 stays open. The teacher's
    answer."""
    refused = await recovery.refuse_close(desk, leave) if leave.status == APPROVED else None
    if refused is not None:
        return refused
    if not await close(desk, leave, teacher, via="homeroom"):
        return f"单号{leave.id}当前{views.STATUS_NAMES[leave.status]}，无需销假。"
    return f"已销假：{await desk.student_name(leave)} 单号{leave.id}（{views.when(leave)}）。"
