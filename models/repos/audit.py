"""The audit log: who changed what, when, from what to what (篇六 第二十八条)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from models.messaging import AuditEntry


class AuditRepo:
    def __init__(self, session: AsyncSession, school_id: int) -> None:
        self._session = session
        self._school_id = school_id

    def record(self, *, actor: str, action: str, entity: str, entity_id: object, at: datetime,
               before: dict[str, Any] | None = None, after: dict[str, Any] | None = None,
               note: str | None = None) -> None:
        """Add one entry to the current unit of work."""
        self._session.add(AuditEntry(
            school_id=self._school_id, actor=actor, action=action, entity=entity,
            entity_id=str(entity_id), before=before, after=after, at=at, note=note,
        ))

    async def history(self, entity: str, entity_id: object) -> list[AuditEntry]:
        """Every entry for one record, oldest first."""
        rows = await self._session.scalars(
            select(AuditEntry)
            .where(AuditEntry.school_id == self._school_id, AuditEntry.entity == entity,
                   AuditEntry.entity_id == str(entity_id))
            .order_by(AuditEntry.id)
        )
        return list(rows)
