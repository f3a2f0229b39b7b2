"""Pending leaves followed up: approvers reminded after N hours, the leave handed one tier up
after M hours (the approval-reminder job calls this)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from models.leave import PENDING, Leave
from models.rules.routing import pending_action
from services.leave.cards import close_cards, send_cards
from services.leave.desk import LeaveDesk

SYSTEM = "system:scheduler"


@dataclass(frozen=True)
class FollowUp:
    reminded: int
    moved_up: int


async def follow_up_pending(desk: LeaveDesk) -> FollowUp:
    """Every pending leave whose time has come: a reminder, or a move one tier up."""
    approval = desk.config.approval
    reminded = moved = 0
    for leave in await desk.leaves.pending():
        step = pending_action(leave.tier_since, desk.now, leave.reminded, leave.tier_index,
                              approval.chain, timedelta(hours=approval.remind_after_hours),
                              timedelta(hours=approval.escalate_after_hours),
                              approval.quiet_start, approval.quiet_end, desk.tz)
        if step.kind == "none":
            continue
        if step.kind == "remind":
            # at the top tier a reminder restarts the clock: it comes again after M hours
            reminded += await _remind(desk, leave, restart=step.next_tier_index is not None)
        else:
            moved += await _move_up(desk, leave, step.next_tier_index)
    return FollowUp(reminded, moved)


async def _remind(desk: LeaveDesk, leave: Leave, *, restart: bool) -> int:
    """Whoever can decide the leave now hears again (not an earlier tier's approvers, whose
    cards were closed when it moved up); 1 if the reminder was sent."""
    student = await desk.roster.student(leave.student_id)
    if student is None:
        return 0
    values: dict[str, object] = {"reminded": True}
    if restart:
        values["tier_since"] = desk.now
    if not await desk.leaves.transition(leave.id, [PENDING], **values):
        return 0
    desk.record(SYSTEM, "reminded", leave)
    for userid in await desk.deciders_now(leave, student):
        desk.notify.send(userid, f"提醒：{student.name}的请假（单号{leave.id}）"
                                      f"还在等待您审批。回复「批准 {leave.id}」或"
                                      f"「驳回 {leave.id} 理由」。")
    return 1


async def _move_up(desk: LeaveDesk, leave: Leave, tier_index: int | None) -> int:
    """The leave goes to the next tier: old cards closed, new ones sent; 1 if it moved."""
    student = await desk.roster.student(leave.student_id)
    if student is None:
        return 0
    if not await desk.leaves.transition(leave.id, [PENDING], tier_index=tier_index,
                                        tier_since=desk.now, reminded=False):
        return 0
    await close_cards(desk, leave, "已转上级审批")
    desk.record(SYSTEM, "moved_up", leave)
    await send_cards(desk, leave, student)
    return 1
