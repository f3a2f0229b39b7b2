"""Handles recorded callbacks one unit of work each: dispatch, queue replies, mark done."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from bot.waiting import wait_until
from handlers.engine import Dispatcher
from models.clock import Clock
from models.db import Database
from models.logsafe import without_data
from models.messages import SchoolContactChange, incoming_from_payload
from models.repos.inbox import InboxRepo
from models.repos.outbox import OutboxRepo
from models.rules.channel import MEMBER_CHANNEL
from models.rules.masking import mask_payload

log = logging.getLogger("qingjia.inbox")


class InboxWorker:
    """Drains the inbox; rows left by a crash are still pending and are handled after restart."""

    def __init__(self, db: Database, dispatcher: Dispatcher, *, school_id: int, clock: Clock,
                 on_outgoing: asyncio.Event | None = None,
                 on_school_contact: Callable[[datetime], Awaitable[None]] | None = None
                 ) -> None:
        self._db = db
        # the 家校通讯录 changed: sync the roster (after the event is recorded as handled)
        self._on_school_contact = on_school_contact
        self._synced_at: datetime | None = None
        self._dispatcher = dispatcher
        self._school_id = school_id
        self._clock = clock
        self._on_outgoing = on_outgoing
        self.wakeup = asyncio.Event()

    async def run_once(self) -> bool:
        """Handle the oldest pending message; False when there was none to take now."""
        async with self._db.unit_of_work() as session:
            inbox = InboxRepo(session, self._school_id)
            row = await inbox.claim_next()
            if row is None:
                return False
            # The per-user lock comes before the dialog is read: two quick messages from one
            # parent are handled one after the other, on any instance.
            await self._db.lock_user(session, self._school_id, row.userid)
            # On SQLite the claim took the oldest pending row under the database's write lock,
            # so none of this user's is older: only PostgreSQL's skipped locks can leave one.
            if not self._db.is_sqlite and await inbox.has_earlier_pending(row):
                return False  # another instance holds this user's older message; keep order
            now = self._clock()
            message = incoming_from_payload(row.payload)
            try:
                async with session.begin_nested():
                    outgoing = await self._dispatcher.handle(session, message, now)
                error = None
            except Exception as exc:  # a handler bug must not lose the message or go silent
                log.error("handler failed inbox=%s user=%s %s", row.id, row.userid,
                          without_data(exc))
                outgoing = self._dispatcher.failed(row.userid)
                error = type(exc).__name__
            # what goes back to the sender goes to the member who wrote, by chat
            outgoing = [dataclasses.replace(o, channel=MEMBER_CHANNEL)
                        if o.touser == row.userid and o.channel is None else o
                        for o in outgoing]
            await OutboxRepo(session, self._school_id).add(outgoing, now)
            masked = mask_payload(row.payload)
            await inbox.finish(row.id, now, error=error,
                               payload=masked if masked != row.payload else None)
        log.info("handled inbox=%s user=%s replies=%d", row.id, row.userid, len(outgoing))
        if outgoing and self._on_outgoing is not None:
            self._on_outgoing.set()
        if isinstance(message, SchoolContactChange):
            await self._school_contact_changed(message, now)
        return True

    async def _school_contact_changed(self, message: SchoolContactChange,
                                      now: datetime) -> None:
        """One sync covers every change made before it started (WeCom sends them in bursts)."""
        if self._on_school_contact is None:
            return
        if self._synced_at is not None and message.created <= self._synced_at:
            return
        self._synced_at = now
        try:
            await self._on_school_contact(now)
        except Exception as exc:  # the next change syncs again; the 管理员 hear of failures
            log.error("roster sync after change_school_contact failed: %s", without_data(exc))

    async def run_forever(self, idle_poll_seconds: float = 1.0,
                          gate: asyncio.Semaphore | None = None) -> None:
        """Handle messages as they come; poll now and then for rows other instances recorded.
        `gate`: shared by the schools of a process, so only so many handle at once."""
        while True:
            self.wakeup.clear()
            try:
                if gate is None:
                    handled = await self.run_once()
                else:
                    async with gate:
                        handled = await self.run_once()
            except Exception as exc:
                log.error("inbox worker error; retrying: %s", without_data(exc))
                handled = False
                await asyncio.sleep(idle_poll_seconds)
            if not handled:
                await wait_until(self.wakeup, idle_poll_seconds)
