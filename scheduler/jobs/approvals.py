"""Pending leaves: remind the approvers after N hours, hand over one tier up after M hours."""

from __future__ import annotations

from scheduler.runner import JobContext
from services.approvals import follow_up_pending
from services.leave.desk import LeaveDesk


async def approval_reminder(ctx: JobContext) -> None:
    desk = LeaveDesk.open(ctx.session, ctx.school_id, ctx.config, ctx.notify, ctx.now)
    done = await follow_up_pending(desk)
    ctx.counts.update(reminded=done.reminded, moved_up=done.moved_up)
