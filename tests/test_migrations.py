"""The schema comes from Alembic, and Alembic's migrations match the models."""

from __future__ import annotations

import asyncio

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

import models.all  # noqa: F401
from models.base import Base
from models.db import Database
from models.migrate import alembic_config, upgrade_async
from tests.conftest import local
from tests.harness import FakeClock, prepare_database, running
from tests.test_leave_e2e import say


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


async def test_the_school_reaches_every_table_from_the_rows_it_hangs_off(
        any_db_url: str) -> None:
    """0012 gives absences, cards, notice families and guardian links the school of their
    report, leave, notice and student: data made at head, taken back to 0011 and up again."""
    await prepare_database(any_db_url)
    async with running(any_db_url, FakeClock(local(2026, 11, 26, 8, 0))) as h:
        await say(h, "parent_zhang", "请假 张小明 明天 事假 有事")
        await say(h, "parent_zhang", "确认")
        assert "缺勤1人" in await say(h, "teacher_li", "考勤 缺勤 刘洋")
        await say(h, "office_zhao", "通知 全校 周五开运动会")
        await say(h, "office_zhao", "确认")
    await asyncio.to_thread(command.downgrade, alembic_config(any_db_url), "0011")
    await upgrade_async(any_db_url)
    db = Database(any_db_url)
    try:
        async with db.read() as session:
            for table, parent, column in (("absence", "attendance_report", "report_id"),
                                          ("leave_card", "leave", "leave_id"),
                                          ("notice_family", "notice", "notice_id"),
                                          ("guardian_link", "student", "student_id")):
                rows = (await session.execute(text(
                    f"SELECT t.school_id, p.school_id FROM {table} t "
                    f"JOIN {parent} p ON p.id = t.{column}"))).all()
                assert rows and all(own == theirs == 1 for own, theirs in rows), table
    finally:
        await db.dispose()
