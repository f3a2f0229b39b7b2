"""Hostile and absurd chat input: one clear answer to the sender, nothing else changed."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from models.attendance import AttendanceReport, Truancy
from models.leave import Leave
from models.messaging import AuditEntry
from models.repos.leaves import LeaveRepo
from models.repos.roster import RosterRepo
from tests.harness import Harness, student_id

BUSINESS_TABLES = (Leave, Truancy, AttendanceReport, AuditEntry)

CASES = [
    ("parent_liu", "请假 9999年1月1日 事假 出国"),
    ("parent_liu", "请假 2月30日 事假 有事"),
    ("parent_liu", "请假 明天到13月40日 事假 有事"),
    ("parent_liu", "请假 后天到昨天 事假 有事"),
    ("parent_liu", "请假 999天 事假 有事"),
    ("parent_liu", "请假 明天 病假 '); DROP TABLE leave;--"),
    ("parent_liu", "请假 <script>alert(1)</script> 明天 事假 <b>x</b>"),
    ("parent_liu", "请假\t\x7f\x85 明天\u202e\u200b 事假"),  # (raw C0 controls are not XML: 400)
    ("parent_liu", "撤销 0"),
    ("parent_liu", "撤销 1 OR 1=1"),
    ("parent_liu", "撤销 99999999999999999999"),
    ("parent_liu", "😀😀😀"),
    ("parent_liu", ""),
    ("parent_liu", "批准 1"),
    ("teacher_li", "批准 -1"),
    ("teacher_li", "批准 1; DROP TABLE leave"),
    ("teacher_li", "驳回"),
    ("teacher_li", "查看 ../../etc/passwd"),
    ("teacher_li", "销假 99999"),
    ("teacher_li", "销假 <img src=x onerror=alert(1)>"),
    ("teacher_li", "临时请假 张小明 发烧 至 25:99"),
    ("teacher_li", "临时请假 张小明 发烧 至 07:00"),
    ("teacher_li", "临时请假 不存在的人 发烧"),
    ("teacher_li", "考勤 缺勤 " + " ".join(f"某{i}" for i in range(100))),
    ("teacher_li", "考勤 病假"),
    ("teacher_li", "家访 张小明"),
    ("guard_sun", "核验 !!!!"),
    ("guard_sun", "放行"),
    ("guard_sun", "返校 <script>"),
    ("office_zhao", "批准 " + "9" * 200),
    ("principal_chen", "待审批 " + "x" * 3000),
    ("admin_zhou", "请假 明天 事假 有事"),
]


async def business_rows(h: Harness) -> dict[str, int]:
    async with h.db.read() as session:
        return {m.__tablename__: int(await session.scalar(select(func.count()).select_from(m))
                                     or 0) for m in BUSINESS_TABLES}


@pytest.mark.parametrize(("user", "text"), CASES)
async def test_hostile_chat_gets_one_answer_and_changes_nothing(harness: Harness, user: str,
                                                                 text: str) -> None:
    before = await business_rows(harness)
    assert await harness.say(user, text) == 200
    await harness.drain()
    assert [d.touser for d in harness.standin.delivered] == [user]
    reply = harness.last_text(user)
    assert reply and "Traceback" not in reply and "Error" not in reply
    assert await business_rows(harness) == before


async def test_another_schools_number_is_unknown_here(harness: Harness) -> None:
    """Two schools share one database: a 单号 of the other school reads as no such leave."""
    async with harness.db.unit_of_work() as session:
        other = await RosterRepo(session, 0).ensure_school("other-school", "另一所学校",
                                                           now=harness.clock())
        zhang, _ = await student_id(harness.db, "张小明")
        theirs = await LeaveRepo(session, other).add(Leave(
            student_id=zhang, kind="事假", start_date=date(2026, 11, 27),
            end_date=date(2026, 11, 27), start_slot=date(2026, 11, 27).toordinal() * 2,
            end_slot=date(2026, 11, 27).toordinal() * 2 + 1, window_start=None,
            window_end=None, days=1, routing_days=1, reason="x", evidence_media_id=None,
            status="pending", tier_index=0, tier_since=datetime(2026, 11, 26, tzinfo=UTC),
            submitted_by="parent_zhang", submitted_at=datetime(2026, 11, 26, tzinfo=UTC)))
    for user, text in [("teacher_li", f"批准 {theirs.id}"), ("teacher_li", f"查看 {theirs.id}"),
                       ("parent_zhang", f"撤销 {theirs.id}"),
                       ("principal_chen", f"驳回 {theirs.id} 不行")]:
        await harness.say(user, text)
        await harness.drain()
        assert "没有找到" in harness.last_text(user)
    async with harness.db.read() as session:
        row = await session.get(Leave, theirs.id)
        assert row is not None and row.status == "pending"
