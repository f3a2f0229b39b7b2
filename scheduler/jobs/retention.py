"""Chat messages kept no longer than needed: received and sent ones purged after N days."""

from __future__ import annotations

from datetime import timedelta

from models.repos.inbox import InboxRepo
from models.repos.outbox import OutboxRepo
from scheduler.runner import JobContext


async def message_retention(ctx: JobContext) -> None:
    """Delete inbox and outbox rows finished more than `[retention] message_days` ago."""
    cutoff = ctx.now - timedelta(days=ctx.config.retention.message_days)
    ctx.counts["inbox"] = await InboxRepo(ctx.session, ctx.school_id).purge_before(cutoff)
    ctx.counts["outbox"] = await OutboxRepo(ctx.session, ctx.school_id).purge_before(cutoff)
