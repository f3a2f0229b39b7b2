"""Notices: unconfirmed families chased once after `[notices] chase_after_hours` (in waking
hours), and each sender's summary the next morning of what is still unconfirmed."""

from __future__ import annotations

from scheduler.runner import JobContext
from services.notices.desk import NoticeDesk
from services.notices.receipts import chase_due, summarise


async def notice_chase(ctx: JobContext) -> None:
    desk = NoticeDesk.open(ctx.session, ctx.school_id, ctx.config, ctx.notify, ctx.now)
    ctx.counts.update(chased=await chase_due(desk))


async def notice_summary(ctx: JobContext) -> None:
    desk = NoticeDesk.open(ctx.session, ctx.school_id, ctx.config, ctx.notify, ctx.now)
    ctx.counts.update(senders=await summarise(desk))
