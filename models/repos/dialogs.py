"""Dialog state per user: a named state, its data and when it lapses."""

from __future__ import annotations

from datetime import datetime
from typing import Any, cast

from sqlalchemy import Delete, Select, Table, bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from models.messaging import DialogState
from models.repos._sql import built_once


@built_once
def _dialog_of() -> Select[DialogState]:
    return select(DialogState).where(DialogState.school_id == bindparam("school_id"),
                                     DialogState.userid == bindparam("userid"))


@built_once
def _clear() -> Delete:
    table = cast(Table, DialogState.__table__)
    return delete(table).where(table.c.school_id == bindparam("school_id"),
                               table.c.userid == bindparam("userid"))


class DialogRepo:
    """One user's dialog read once per message: `save` writes to the row `load` read (or adds
    one when `load` found none) without reading it again."""

    def __init__(self, session: AsyncSession, school_id: int) -> None:
        self._session = session
        self._school_id = school_id
        self._loaded: dict[str, DialogState | None] = {}

    async def load(self, userid: str, now: datetime) -> DialogState | None:
        """The user's live dialog; a lapsed one is removed and reads as none."""
        row = await self._session.scalar(
            _dialog_of(), {"school_id": self._school_id, "userid": userid})
        if row is not None and row.expires_at <= now:
            await self._session.delete(row)
            await self._session.flush()  # gone before `save` may add the user's new row
            row = None
        self._loaded[userid] = row
        return row

    async def save(self, userid: str, state: str, data: dict[str, Any],
                   expires_at: datetime) -> None:
        if userid in self._loaded:
            row = self._loaded[userid]
        else:
            row = await self._session.scalar(
                _dialog_of(), {"school_id": self._school_id, "userid": userid})
        if row is None:
            row = DialogState(school_id=self._school_id, userid=userid, state=state,
                              data=data, expires_at=expires_at)
            self._session.add(row)
        else:
            row.state, row.data, row.expires_at = state, data, expires_at
        self._loaded[userid] = row

    async def clear(self, userid: str) -> None:
        # The session's copies of the row go first: the DELETE is the table's, not the ORM's,
        # so nothing else would stop a later flush from writing them back.
        for obj in [*self._session.identity_map.values(), *self._session.new]:
            if (isinstance(obj, DialogState) and obj.school_id == self._school_id
                    and obj.userid == userid):
                self._session.expunge(obj)
        await self._session.execute(_clear(), {"school_id": self._school_id, "userid": userid})
        self._loaded[userid] = None
