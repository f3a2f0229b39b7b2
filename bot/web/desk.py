"""A page's unit of work on the leave lifecycle: the same `LeaveDesk` a chat message gets.

    async with open_desk(request) as desk:
        answer = await passes.let_out(desk, leave, viewer_of(request))

Notices the operation queues go to the outbox in the same transaction (one outbox, one pacing
policy), and the outbox worker is woken once it commits. A viewer's writes hold the same
per-person lock as their chat messages, so a page and the chat never interleave.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiohttp import web

from bot import keys
from bot.web.viewer import viewer_of
from models.messages import Notifier
from models.repos.outbox import OutboxRepo
from services.leave.desk import LeaveDesk
from services.notices.desk import NoticeDesk


@asynccontextmanager
async def open_desk(request: web.Request) -> AsyncIterator[LeaveDesk]:
    """One transaction: the viewer's lock, the desk, and the notices it queued."""
    app = request.app
    db, school_id, now = app[keys.DB], app[keys.SCHOOL_ID], app[keys.CLOCK]()
    notifier = Notifier()
    async with db.unit_of_work() as session:
        await db.lock_key(session, f"user:{viewer_of(request).userid}")
        yield LeaveDesk.open(session, school_id, app[keys.CONFIG], notifier, now)
        await OutboxRepo(session, school_id).add(notifier.messages, now)
    worker = app.get(keys.OUTBOX_WORKER)
    if notifier.messages and worker is not None:
        worker.wakeup.set()


@asynccontextmanager
async def reading_desk(request: web.Request) -> AsyncIterator[LeaveDesk]:
    """The desk for a page that only reads (nothing it queues is sent)."""
    app = request.app
    async with app[keys.DB].read() as session:
        yield LeaveDesk.open(session, app[keys.SCHOOL_ID], app[keys.CONFIG], Notifier(),
                             app[keys.CLOCK]())


@asynccontextmanager
async def open_notice_desk(request: web.Request) -> AsyncIterator[NoticeDesk]:
    """A notice operation's unit of work (a 收到 on the page), locked as the viewer's chat is."""
    app = request.app
    db, school_id, now = app[keys.DB], app[keys.SCHOOL_ID], app[keys.CLOCK]()
    notifier = Notifier()
    async with db.unit_of_work() as session:
        await db.lock_key(session, f"user:{viewer_of(request).userid}")
        yield NoticeDesk.open(session, school_id, app[keys.CONFIG], notifier, now)
        await OutboxRepo(session, school_id).add(notifier.messages, now)
    worker = app.get(keys.OUTBOX_WORKER)
    if notifier.messages and worker is not None:
        worker.wakeup.set()


@asynccontextmanager
async def reading_notice_desk(request: web.Request) -> AsyncIterator[NoticeDesk]:
    """The notice desk for a page that only reads."""
    app = request.app
    async with app[keys.DB].read() as session:
        yield NoticeDesk.open(session, app[keys.SCHOOL_ID], app[keys.CONFIG], Notifier(),
                              app[keys.CLOCK]())
