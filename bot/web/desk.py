"""A page's unit of work on the leave lifecycle: the same `LeaveDesk` a chat message gets.

    async with open_desk(request) as desk:
        answer = await passes.let_out(desk, leave, viewer_of(request))

Notices the operation queues go to the outbox in the same transaction (one outbox, one pacing
policy), and the outbox worker is woken once it commits. A viewer's writes hold the same
per-person lock as their chat messages, so a page and the chat never interleave.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import datetime
from typing import TypeVar

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot import keys
from bot.config import Config
from bot.web.viewer import viewer_of
from models.messages import Notifier
from models.repos.outbox import OutboxRepo
from services.leave.desk import LeaveDesk
from services.notices.desk import NoticeDesk

D = TypeVar("D", LeaveDesk, NoticeDesk)
# A desk's `open`: (session, school id, config, notifier, now) → the desk.
Opener = Callable[[AsyncSession, int, Config, Notifier, datetime], D]


@asynccontextmanager
async def _writing(request: web.Request, opener: Opener[D]) -> AsyncIterator[D]:
    """One transaction: the viewer's lock (as their chat takes it), the desk, and the notices
    it queued; the outbox is woken when there are any."""
    app = request.app
    db, school_id, now = app[keys.DB], app[keys.SCHOOL_ID], app[keys.CLOCK]()
    notifier = Notifier()
    async with db.unit_of_work() as session:
        await db.lock_user(session, school_id, viewer_of(request).userid)
        yield opener(session, school_id, app[keys.CONFIG], notifier, now)
        await OutboxRepo(session, school_id).add(notifier.messages, now)
    worker = app.get(keys.OUTBOX_WORKER)
    if notifier.messages and worker is not None:
        worker.wakeup.set()


@asynccontextmanager
async def _reading(request: web.Request, opener: Opener[D]) -> AsyncIterator[D]:
    """The desk for a page that only reads (nothing it queues is sent)."""
    app = request.app
    async with app[keys.DB].read() as session:
        yield opener(session, app[keys.SCHOOL_ID], app[keys.CONFIG], Notifier(),
                     app[keys.CLOCK]())


def open_desk(request: web.Request) -> AbstractAsyncContextManager[LeaveDesk]:
    """A leave operation's unit of work from a page."""
    return _writing(request, LeaveDesk.open)


def reading_desk(request: web.Request) -> AbstractAsyncContextManager[LeaveDesk]:
    return _reading(request, LeaveDesk.open)


def open_notice_desk(request: web.Request) -> AbstractAsyncContextManager[NoticeDesk]:
    """A notice operation's unit of work (a 收到 on the page)."""
    return _writing(request, NoticeDesk.open)


def reading_notice_desk(request: web.Request) -> AbstractAsyncContextManager[NoticeDesk]:
    return _reading(request, NoticeDesk.open)
