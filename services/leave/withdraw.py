"""撤销: a parent takes back a pending leave, or an approved one before it starts."""

from __future__ import annotations

from models.leave import APPROVED, PENDING, WITHDRAWN
from services.actor import Actor
from services.leave import views
from services.leave.cards import close_cards
from services.leave.desk import LeaveDesk


async def withdraw(desk: LeaveDesk, parent: Actor, leave_id: int) -> str:
    """Withdraw (compare-and-set) a leave of the parent's own child; the approvers are told and
    their cards closed. The parent's answer."""
    children = {c.id: c for c in await desk.roster.children_of(parent.userid)}
    leave = await desk.leaves.get(leave_id)
    if leave is None or leave.student_id not in children:
        return f"没有找到您的单号{leave_id}。发送「我的请假」可查看单号。"
    started = leave.valid_from is not None and leave.valid_from <= desk.now
    allowed = [PENDING] + ([] if started or leave.exited_at else [APPROVED])
    before = leave.status
    if not await desk.leaves.transition(leave.id, allowed, status=WITHDRAWN,
                                        decided_at=desk.now if before == PENDING else
                                        leave.decided_at):
        return f"单号{leave_id}{views.STATUS_NAMES[leave.status]}，已不能撤销。"
    desk.record(parent.userid, "withdrawn", leave, before=before)
    name = children[leave.student_id].name
    for card in await desk.leaves.cards(leave.id):
        desk.notify.send(card.userid, f"单号{leave.id}（{name}）已被家长撤销。")
    await close_cards(desk, leave, "已撤销")
    return f"已撤销单号{leave.id}（{name} {views.when(leave)}）。"
