"""The inbox: every accepted callback, recorded before it is answered; its key is the dedupe key."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Select, Table, Update, bindparam, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.db import INBOX_CHANNEL, notify
from models.messages import Incoming
from models.messaging import InboxMessage
from models.repos._sql import built_once, insert_ignoring_duplicates_many


@built_once
def _claim_next() -> Select[InboxMessage]:
    return (select(InboxMessage)
            .where(InboxMessage.school_id == bindparam("school_id"),
                   InboxMessage.status == "pending")
            .order_by(InboxMessage.id)
            .limit(1)
            .with_for_update(skip_locked=True))


@built_once
def _finish() -> Update:
    table = cast(Table, InboxMessage.__table__)
    return (update(table).where(table.c.id == bindparam("row_id"))
            .values(status=bindparam("status"), handled_at=bindparam("handled_at"),
                    error=bindparam("error")))


class InboxRepo:
    def __init__(self, session: AsyncSession, school_id: int) -> None:
        self._session = session
        self._school_id = school_id

    async def record(self, message: Incoming, now: datetime) -> bool:
        """Store a delivery once; False when WeCom (or anyone) delivered it before."""
        return message.dedupe_key in await self.record_many([message], now)

    async def record_many(self, messages: list[Incoming], now: datetime) -> set[str]:
        """Store deliveries in one statement; the dedupe keys that were new."""
        rows = [{"school_id": self._school_id, "dedupe_key": m.dedupe_key, "userid": m.userid,
                 "payload": m.to_payload(), "received_at": now, "status": "pending",
                 "handled_at": None, "error": None} for m in messages]
        fresh = set(await insert_ignoring_duplicates_many(
            self._session, InboxMessage.__table__, rows, InboxMessage.dedupe_key))
        if fresh:
            await notify(self._session, INBOX_CHANNEL, self._school_id)
        return fresh

    async def claim_next(self) -> InboxMessage | None:
        """The oldest pending row, locked for this transaction (skipped if another has it)."""
        return await self._session.scalar(_claim_next(), {"school_id": self._school_id})

    async def has_earlier_pending(self, row: InboxMessage) -> bool:
        """True when the same user has an older message still waiting (keep per-user order)."""
        earlier = exists().where(
            InboxMessage.school_id == self._school_id, InboxMessage.userid == row.userid,
            InboxMessage.status == "pending", InboxMessage.id < row.id,
        )
        return bool(await self._session.scalar(select(earlier)))

    async def finish(self, row_id: int, now: datetime, *, error: str | None = None,
                     payload: dict[str, Any] | None = None) -> None:
        """Handled (or failed); `payload`, when given, replaces the stored one (codes masked)."""
        values: dict[str, Any] = {"status": "failed" if error else "done", "handled_at": now,
                                  "error": error}
        if payload is None:
            await self._session.execute(_finish(), {"row_id": row_id, **values})
            return
        await self._session.execute(
            update(InboxMessage).where(InboxMessage.id == row_id).values(**values,
                                                                          payload=payload))

    async def purge_before(self, cutoff: datetime) -> int:
        """Delete callbacks handled before `cutoff` (WeCom retries within minutes); how many."""
        result = await self._session.execute(
            delete(InboxMessage).where(
                InboxMessage.school_id == self._school_id, InboxMessage.status != "pending",
                InboxMessage.handled_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)
