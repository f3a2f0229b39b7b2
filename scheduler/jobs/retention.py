"""Kept no longer than needed: chat messages received and sent, purged after N days; photos
uploaded on a form that never became a leave, removed after a day."""

from __future__ import annotations

from datetime import timedelta

from models.repos.inbox import InboxRepo
from models.repos.leaves import uploaded_evidence
from models.repos.outbox import OutboxRepo
from scheduler.runner import JobContext
from services import uploads


async def message_retention(ctx: JobContext) -> None:
    """Delete inbox and outbox rows finished more than `[retention] message_days` ago."""
    cutoff = ctx.now - timedelta(days=ctx.config.retention.message_days)
    ctx.counts["inbox"] = await InboxRepo(ctx.session, ctx.school_id).purge_before(cutoff)
    ctx.counts["outbox"] = await OutboxRepo(ctx.session, ctx.school_id).purge_before(cutoff)
    ctx.counts["photos"] = uploads.sweep(ctx.config, await uploaded_evidence(ctx.session),
                                         ctx.now)
