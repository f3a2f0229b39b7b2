"""The schema comes from Alembic, and Alembic's migrations match the models."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.ext.asyncio import create_async_engine

import models.all  # noqa: F401
from models.base import Base
from models.migrate import upgrade_async


async def test_migrated_schema_matches_the_models(any_db_url: str) -> None:
    url = any_db_url
    await upgrade_async(url)
    await upgrade_async(url)  # running it again is harmless
    engine = create_async_engine(url)
    async with engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(MigrationContext.configure(sync), Base.metadata))
    await engine.dispose()
    assert diff == []
