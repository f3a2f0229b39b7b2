"""The suite's own PostgreSQL, used when nothing answers at `QINGJIA_TEST_PG`: run here every
time, so the fallback keeps working on machines that do have a server."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from models.migrate import upgrade
from tests._postgres import answers, database_url, throwaway_server

pytestmark = pytest.mark.postgres


async def _admin(dsn: str, sql: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetch(sql)
    finally:
        await conn.close()


def test_the_throwaway_server_serves_the_schema_and_is_gone_after_a_failing_test() -> None:
    with pytest.raises(RuntimeError, match="a test failed"), throwaway_server() as server:
        data_dir, dsn = server.data_dir, server.dsn
        assert "host=" in dsn  # a unix socket, no TCP port
        assert asyncio.run(answers(dsn))
        asyncio.run(_admin(dsn, 'CREATE DATABASE "qingjia_probe"'))
        upgrade(database_url(dsn, "qingjia_probe"))  # SQLAlchemy and Alembic over the socket
        rows = asyncio.run(_admin(dsn.replace("/postgres?", "/qingjia_probe?"),
                                  "SELECT version_num FROM alembic_version"))
        assert len(rows) == 1
        raise RuntimeError("a test failed")
    assert not data_dir.exists()
    assert not asyncio.run(answers(dsn))
