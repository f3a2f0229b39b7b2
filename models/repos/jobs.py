"""Job runs: each (job, run key) claimed once across processes, then finished or failed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from models.attendance import JobRun
from models.repos._sql import upsert


class JobRunRepo:
    def __init__(self, session: AsyncSession, school_id: int) -> None:
        self._session = session
        self._school_id = school_id

    async def claim(self, name: str, key: str, now: datetime, *, force: bool) -> bool:
        """Take (job, key) inside the run's own transaction.

        A second process trying the same key waits on the unique index until the first commits,
        then finds it done. A failed run (or a forced re-run) is claimed again by updating it.
        """
        return await self._upsert({"job": name, "run_key": key, "status": "running",
                                   "started_at": now, "attempts": 1}, force=force)

    async def fail(self, name: str, key: str, started: datetime, finished: datetime,
                   error: str) -> None:
        """A failed run leaves a row that the next tick may claim again."""
        await self._upsert({"job": name, "run_key": key, "status": "failed",
                            "started_at": started, "finished_at": finished, "attempts": 1,
                            "error": error[:200]}, force=True)

    async def finish(self, name: str, key: str, at: datetime, counts: dict[str, Any]) -> None:
        await self._session.execute(
            update(JobRun).where(JobRun.school_id == self._school_id, JobRun.job == name,
                                 JobRun.run_key == key)
            .values(status="done", finished_at=at, result=counts, error=None))

    async def history(self, name: str, oldest: date) -> tuple[set[str], date | None]:
        """Keys of runs done since `oldest`, and the date of the job's first run ever."""
        mine = (JobRun.school_id == self._school_id, JobRun.job == name)
        first = await self._session.scalar(select(func.min(JobRun.run_key)).where(*mine))
        done = set(await self._session.scalars(
            select(JobRun.run_key).where(*mine, JobRun.status == "done",
                                         JobRun.run_key >= oldest.isoformat())))
        return done, date.fromisoformat(first[:10]) if first else None

    async def last_runs(self) -> dict[str, JobRun]:
        """Each job's most recent run."""
        latest = (select(JobRun.job, func.max(JobRun.id).label("id"))
                  .where(JobRun.school_id == self._school_id).group_by(JobRun.job).subquery())
        rows = await self._session.scalars(select(JobRun).join(latest, JobRun.id == latest.c.id))
        return {row.job: row for row in rows}

    async def _upsert(self, values: dict[str, Any], *, force: bool) -> bool:
        table = JobRun.__table__
        stmt = upsert(self._session, table).values(school_id=self._school_id, **values)
        changes: dict[str, Any] = {k: stmt.excluded[k] for k in values
                                   if k not in ("job", "run_key")}
        changes["attempts"] = table.c.attempts + 1
        where = None if force else table.c.status == "failed"
        stmt = stmt.on_conflict_do_update(index_elements=["school_id", "job", "run_key"],
                                          set_=changes, where=where)
        result = await self._session.execute(stmt)
        return bool(result.rowcount)  # type: ignore[attr-defined]
