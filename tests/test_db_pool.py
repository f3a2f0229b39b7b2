"""[database] max_connections: one process never opens more PostgreSQL connections than that
(a deployment's processes share the server's max_connections)."""

from __future__ import annotations

import asyncio
import tomllib

import pytest
from sqlalchemy import text

from bot.config import ConfigError, parse_config
from models.db import Database
from tests.harness import ROOT

UNITS = 6


@pytest.mark.postgres
async def test_units_of_work_beyond_max_connections_wait_for_one(pg_url: str) -> None:
    db = Database(pg_url, max_connections=2)
    seen: list[int] = []

    async def unit() -> None:
        async with db.unit_of_work() as session:
            await session.execute(text("SELECT pg_sleep(0.1)"))
            seen.append(int(await session.scalar(text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND backend_type = 'client backend'")) or 0) + 1)

    try:
        await asyncio.gather(*(unit() for _ in range(UNITS)))
    finally:
        await db.dispose()
    assert len(seen) == UNITS  # every unit of work ran
    assert max(seen) <= 2  # never more than two connections at once


def test_max_connections_is_read_from_the_database_section() -> None:
    raw = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    assert parse_config(raw).database.max_connections == 40
    raw["database"]["max_connections"] = 20
    assert parse_config(raw).database.max_connections == 20
    raw["database"]["max_connections"] = 1
    with pytest.raises(ConfigError, match=r"database\.max_connections"):
        parse_config(raw)
