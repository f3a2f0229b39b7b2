"""Data at rest: no 放行码 in the database file, its write-ahead log or the log after a full leave
loop; chat messages purged after [retention] message_days; the example's secrets refused."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot import keys
from models.messaging import AuditEntry, InboxMessage, OutboxMessage
from tests.harness import FakeClock, Harness, running
from tests.test_leave_e2e import approved_code, say


def spellings(code: str) -> list[bytes]:
    bare = code.replace("-", "")
    return [s.encode() for s in {code, bare, code.lower(), bare.lower()}]


def found_in(path: Path, code: str) -> bool:
    data = path.read_bytes() if path.exists() else b""
    return any(s in data for s in spellings(code))


async def full_leave_loop(h: Harness) -> str:
    """Ask, approve, check at the gate, leave, come back: the 放行码 the family was sent."""
    _, code = await approved_code(h, "parent_zhang", "请假 张小明 明天 病假 发烧", "teacher_li")
    h.clock.advance(days=1, hours=2)
    assert "有效" in await say(h, "guard_sun", f"核验 {code.lower()}")
    assert "离校" in await say(h, "guard_sun", f"放行 {code}")
    h.clock.advance(hours=3)
    assert "返校" in await say(h, "guard_sun", f"返校 {code.replace('-', '')}")
    return code


async def test_no_pass_code_rests_in_the_database_its_wal_or_the_log(
        demo_db: str, clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    db_file = Path(demo_db.split("///", 1)[1])
    wal = db_file.with_name(db_file.name + "-wal")
    async with running(demo_db, clock) as h:
        code = await full_leave_loop(h)
        async with h.db.read() as session:
            stored = [str(p) for p in await session.scalars(select(InboxMessage.payload))]
            stored += [str(p) for p in await session.scalars(select(OutboxMessage.payload))]
            stored += [f"{a.before} {a.after} {a.note}"
                       for a in await session.scalars(select(AuditEntry))]
        assert not any(s.decode() in text for text in stored for s in spellings(code))
        # the daily retention job empties the write-ahead log of what was masked
        day = h.clock().astimezone(h.config.school.tz).date()
        await h.app[keys.JOB_RUNNER].run("message-retention", day)
        assert not found_in(db_file, code) and not found_in(wal, code)
    assert not found_in(db_file, code) and not found_in(wal, code)
    leaked = [r.name + ": " + r.getMessage()[:300] for r in caplog.records
              if any(s.decode() in r.getMessage() for s in spellings(code))]
    assert leaked == []


async def test_chat_messages_are_purged_after_the_retention_days(harness: Harness) -> None:
    h = harness
    await say(h, "parent_zhang", "帮助")
    day = h.clock().astimezone(h.config.school.tz).date()
    h.clock.advance(days=h.config.retention.message_days - 1)
    await h.app[keys.JOB_RUNNER].run("message-retention", day)
    assert await counts(h) == (1, 1)
    h.clock.advance(days=2)
    await say(h, "parent_liu", "帮助")  # recent: kept
    await h.app[keys.JOB_RUNNER].run("message-retention", day, force=True)
    assert await counts(h) == (1, 1)
    async with h.db.read() as session:
        assert await session.scalar(select(InboxMessage.userid)) == "parent_liu"


async def counts(h: Harness) -> tuple[int, int]:
    async with h.db.read() as session:
        inbox = await session.scalar(select(func.count()).select_from(InboxMessage))
        outbox = await session.scalar(select(func.count()).select_from(OutboxMessage))
    return int(inbox or 0), int(outbox or 0)


async def test_database_errors_and_logged_exceptions_carry_no_values(demo_db: str) -> None:
    from sqlalchemy import text

    from models.db import Database
    from models.logsafe import without_data

    db = Database(demo_db)
    try:
        with pytest.raises(Exception) as info:
            async with db.unit_of_work() as session:
                await session.execute(text("INSERT INTO no_such_table VALUES (:reason)"),
                                      {"reason": "孩子发烧39度"})
        assert "孩子发烧" not in str(info.value)
    finally:
        await db.dispose()
    try:
        raise ValueError("张小明 5RXQ-83VK")
    except ValueError as exc:
        shown = without_data(exc)
    assert shown.startswith("ValueError at ") and "张小明" not in shown and "5RXQ" not in shown
