"""Open a deployment's database: one engine for every school, and each school's row id."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.config import Config, DatabaseConfig
from models.db import Database
from models.repos.roster import RosterRepo


async def open_school(config: Config, now: datetime) -> tuple[Database, int]:
    """The database and the id of the school named in [school] (created on first use)."""
    db, ids = await open_schools(config.database, [config], now)
    return db, ids[config.school.code]


async def open_schools(database: DatabaseConfig, configs: Iterable[Config],
                       now: datetime) -> tuple[Database, dict[str, int]]:
    """One engine (the schools share the database) and each school's id by code."""
    db = Database(database.url, busy_timeout_ms=database.busy_timeout_ms,
                  max_connections=database.max_connections)
    try:
        async with db.unit_of_work() as session:
            repo = RosterRepo(session, 0)
            ids = {c.school.code: await repo.ensure_school(c.school.code, c.school.name, now=now)
                   for c in configs}
    except BaseException:
        await db.dispose()
        raise
    return db, ids
