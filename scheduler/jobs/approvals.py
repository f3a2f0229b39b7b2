"""Pending leaves: remind the approvers after N hours, hand over one tier up after M hours."""

from __future__ import annotations

from datetime import timedelta

from handlers.leave_desk import LeaveDesk
from models.leave import PENDING
from models.repos.attendance import AttendanceRepo
from models.repos.audit import AuditRepo
from models.repos.leaves import LeaveRepo
from models.repos.roster import RosterRepo
from models.rules.routing import pending_action
from scheduler.runner import JobContext


async def approval_reminder(ctx: JobContext) -> None:
    approval = ctx.config.approval
    leaves = LeaveRepo(ctx.session, ctx.school_id)
    roster = RosterRepo(ctx.session, ctx.school_id)
    desk = LeaveDesk(ctx.config, leaves, roster, AuditRepo(ctx.session, ctx.school_id),
                     ctx.notify, ctx.now, AttendanceRepo(ctx.session, ctx.school_id))
    reminded = moved = 0
    for leave in await leaves.pending():
        step = pending_action(leave.tier_since, ctx.now, leave.reminded, leave.tier_index,
                              approval.chain, timedelta(hours=approval.remind_after_hours),
                              timedelta(hours=approval.escalate_after_hours),
                              approval.quiet_start, approval.quiet_end, ctx.config.school.tz)
        if step.kind == "none":
            continue
        student = await roster.student(leave.student_id)
        if student is None:
            continue
        if step.kind == "remind":
            values = {"reminded": True}
            if step.next_tier_index is not None:
                values["tier_since"] = ctx.now  # type: ignore[assignment]
            if not await leaves.transition(leave.id, [PENDING], **values):
                continue
            desk.record("system:scheduler", "reminded", leave)
            for card in await leaves.cards(leave.id):
                ctx.notify.send(card.userid, f"提醒：{student.name}的请假（单号{leave.id}）"
                                             f"还在等待您审批。回复「批准 {leave.id}」或"
                                             f"「驳回 {leave.id} 理由」。")
            reminded += 1
        else:
            if not await leaves.transition(leave.id, [PENDING], tier_index=step.next_tier_index,
                                           tier_since=ctx.now, reminded=False):
                continue
            await desk.close_cards(leave, "已转上级审批")
            desk.record("system:scheduler", "moved_up", leave)
            await desk.send_cards(leave, student)
            moved += 1
    ctx.counts.update(reminded=reminded, moved_up=moved)
