"""SQLite under concurrent writers: no "database is locked", no lost update.

`Database.unit_of_work()` queues writers of one process on a lock and begins every write with
BEGIN IMMEDIATE under a busy timeout, so writers of other engines on the same file wait too.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, select, text

from models.db import Database
from models.messages import TextMessage
from models.messaging import InboxMessage
from models.repos.inbox import InboxRepo
from models.repos.roster import RosterRepo
from tests.harness import IMPORTED_AT, FakeClock, make_config, prepare_database, running

WRITERS = 200
NOW = datetime(2026, 11, 26, tzinfo=UTC)


async def _setup(url: str) -> int:
    """The demo school, plus a shared counter row every writer will increment."""
    await prepare_database(url)
    config = make_config(url)
    db = Database(url)
    try:
        async with db.unit_of_work() as session:
            school_id = await RosterRepo(session, 0).ensure_school(
                config.school.code, config.school.name, now=IMPORTED_AT)
            await session.execute(text("CREATE TABLE test_counter "
                                       "(id INTEGER PRIMARY KEY, value INTEGER NOT NULL)"))
            await session.execute(text("INSERT INTO test_counter VALUES (1, 0)"))
    finally:
        await db.dispose()
    return school_id


async def _write(db: Database, school_id: int, n: int) -> None:
    """One unit of work: record an inbox row and read-modify-write the shared counter."""
    message = TextMessage(userid=f"writer_{n % 17}", agent_id=1000002, created=NOW,
                          content=f"第{n}条", msg_id=f"concurrency-{n}")
    async with db.unit_of_work() as session:
        assert await InboxRepo(session, school_id).record(message, NOW)
        value = await session.scalar(text("SELECT value FROM test_counter WHERE id = 1"))
        await asyncio.sleep(0)  # let every other writer run here: a lost update would show
        await session.execute(text("UPDATE test_counter SET value = :v WHERE id = 1"),
                              {"v": value + 1})


async def _read(db: Database) -> int:
    async with db.read() as session:
        return int(await session.scalar(text("SELECT value FROM test_counter WHERE id = 1")))


async def _totals(url: str) -> tuple[int, int]:
    db = Database(url)
    try:
        async with db.read() as session:
            counter = await session.scalar(text("SELECT value FROM test_counter WHERE id = 1"))
            inbox = await session.scalar(select(func.count()).select_from(InboxMessage))
        return int(counter), int(inbox or 0)
    finally:
        await db.dispose()


async def test_200_writers_through_one_database(sqlite_url: str) -> None:
    school_id = await _setup(sqlite_url)
    db = Database(sqlite_url)
    try:
        results = await asyncio.gather(
            *(_write(db, school_id, n) for n in range(WRITERS)),
            *(_read(db) for _ in range(50)),  # readers alongside never block nor fail
            return_exceptions=True)
    finally:
        await db.dispose()
    errors = [repr(r) for r in results if isinstance(r, BaseException)]
    assert errors == []
    assert await _totals(sqlite_url) == (WRITERS, WRITERS)


async def test_200_writers_through_four_engines_on_one_file(sqlite_url: str) -> None:
    """Four engines contend in SQLite itself (as processes would): they wait, none fails."""
    school_id = await _setup(sqlite_url)
    dbs = [Database(sqlite_url) for _ in range(4)]
    try:
        results = await asyncio.gather(
            *(_write(dbs[n % 4], school_id, n) for n in range(WRITERS)),
            return_exceptions=True)
    finally:
        for db in dbs:
            await db.dispose()
    errors = [repr(r) for r in results if isinstance(r, BaseException)]
    assert not any("locked" in e for e in errors), errors[:3]
    assert errors == []
    assert await _totals(sqlite_url) == (WRITERS, WRITERS)


async def test_200_callbacks_at_once_are_all_recorded(demo_db: str, clock: FakeClock) -> None:
    users = ["parent_zhang", "parent_lin", "parent_liu", "parent_huang", "parent_wu",
             "teacher_li", "teacher_wang", "office_zhao", "principal_chen", "guard_sun"]
    async with running(demo_db, clock) as h:
        statuses = await asyncio.gather(*(h.say(users[n % len(users)], f"撤销 {n + 1}")
                                          for n in range(WRITERS)))
        assert statuses == [200] * WRITERS
        async with h.db.read() as session:
            assert await session.scalar(
                select(func.count()).select_from(InboxMessage)) == WRITERS
        await h.drain(rounds=2 * WRITERS + 10)
        async with h.db.read() as session:
            states = list(await session.scalars(select(InboxMessage.status)))
        assert states == ["done"] * WRITERS
        assert sum(len(h.texts_for(u)) for u in users) == WRITERS
