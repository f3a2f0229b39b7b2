"""Open the configured school's database: one engine, and the school's row id."""

from __future__ import annotations

from datetime import datetime

from bot.config import Config
from models.db import Database
from models.repos.roster import RosterRepo


async def open_school(config: Config, now: datetime) -> tuple[Database, int]:
    """The database and the id of the school named in [school] (created on first use)."""
    db = Database(config.database.url, busy_timeout_ms=config.database.busy_timeout_ms)
    try:
        async with db.unit_of_work() as session:
            school_id = await RosterRepo(session, 0).ensure_school(
                config.school.code, config.school.name, now=now)
    except BaseException:
        await db.dispose()
        raise
    return db, school_id
