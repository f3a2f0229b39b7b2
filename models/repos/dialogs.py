"""Dialog state per user: a named state, its data and when it lapses."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.messaging import DialogState


class DialogRepo:
    def __init__(self, session: AsyncSession, school_id: int) -> None:
        self._session = session
        self._school_id = school_id

    async def load(self, userid: str, now: datetime) -> DialogState | None:
        """The user's live dialog; a lapsed one is removed and reads as none."""
        row = await self._session.scalar(
            select(DialogState).where(DialogState.school_id == self._school_id,
                                      DialogState.userid == userid))
        if row is not None and row.expires_at <= now:
            await self._session.delete(row)
            return None
        return row

    async def save(self, userid: str, state: str, data: dict[str, Any],
                   expires_at: datetime) -> None:
        row = await self._session.scalar(
            select(DialogState).where(DialogState.school_id == self._school_id,
                                      DialogState.userid == userid))
        if row is None:
            self._session.add(DialogState(school_id=self._school_id, userid=userid, state=state,
                                          data=data, expires_at=expires_at))
        else:
            row.state, row.data, row.expires_at = state, data, expires_at

    async def clear(self, userid: str) -> None:
        await self._session.execute(
            delete(DialogState).where(DialogState.school_id == self._school_id,
                                      DialogState.userid == userid))
