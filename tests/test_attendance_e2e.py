"""A week of attendance through encrypted callbacks; truancy and the ladder by `qingjia run-job`."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from models.attendance import Truancy
from models.messaging import AuditEntry
from tests.conftest import local
from tests.harness import ROOT, FakeClock, Harness, running
from tests.test_leave_e2e import say, submit


def config_file(tmp_path: Path, db_url: str) -> Path:
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    path = tmp_path / "config.toml"
    path.write_text(text.replace('url = "sqlite+aiosqlite:///qingjia.db"', f'url = "{db_url}"'),
                    encoding="utf-8")
    return path


async def run_job(config: Path, name: str, day: str, clock: FakeClock) -> None:
    """The operator's command, exactly as typed (in a thread: it runs its own event loop)."""
    code = await asyncio.to_thread(main, ["run-job", name, "--date", day, "--config", str(config)],
                                   clock=clock)
    assert code == 0


@pytest.fixture
def monday() -> FakeClock:
    return FakeClock(local(2026, 11, 30, 8, 30))


async def evening(h: Harness, config: Path) -> None:
    """16:30: the truancy run, then the ladder, then the outbox sends what they queued."""
    day = h.clock().astimezone(h.config.school.tz).date().isoformat()
    await run_job(config, "truancy", day, h.clock)
    await run_job(config, "escalation", day, h.clock)
    await h.drain()


def next_morning(h: Harness) -> None:
    h.clock.advance(days=1)


async def test_a_week_of_attendance(demo_db: str, monday: FakeClock, tmp_path: Path) -> None:
    config = config_file(tmp_path, demo_db)
    async with running(demo_db, monday) as h:
        # Thursday's leave for 张小明, approved in advance.
        number = await submit(h, "parent_zhang", "请假 张小明 12月3日 病假 看牙")
        await say(h, "teacher_li", f"批准 {number}")

        # Monday: 刘洋 absent without leave; class 2 all present.
        assert "缺勤1人" in await say(h, "teacher_li", "考勤 缺勤 刘洋")
        assert "全勤" in await say(h, "teacher_wang", "考勤 全勤")
        await evening(h, config)
        assert "11月30日，刘洋（全天）未到校且没有请假" in h.last_text("parent_liu")
        assert "初一(1)班旷课1人：刘洋（全天）" in h.last_text("teacher_li")
        assert h.texts_for("parent_huang") == []

        # Tuesday: 刘洋 again, 黄欣怡 misses the morning; class 2 forgets to report.
        next_morning(h)
        await say(h, "teacher_li", "考勤 缺勤 刘洋 黄欣怡 上午")
        await evening(h, config)
        assert "黄欣怡（半天）" in h.last_text("parent_huang")
        office = h.last_text("office_zhao")
        assert "初一(2)班" in office and "没有上报" in office

        # Wednesday: a third day in a row → 政教处, and a home visit for the 班主任.
        next_morning(h)
        await say(h, "teacher_li", "考勤 缺勤 刘洋")
        await say(h, "teacher_wang", "考勤 全勤")
        await evening(h, config)
        assert any("刘洋" in t and "连续旷课3天" in t for t in h.texts_for("office_zhao"))
        assert any("请尽快家访" in t for t in h.texts_for("teacher_li"))
        assert "已记录对刘洋的家访" in await say(h, "teacher_li", "家访 刘洋 已联系家长，周五返校")

        # Thursday: 张小明 is absent on his approved leave, which is not truancy.
        next_morning(h)
        await say(h, "teacher_li", "考勤 缺勤 刘洋 张小明")
        await say(h, "teacher_wang", "考勤 全勤")
        await evening(h, config)
        assert not any("张小明（" in t for t in h.texts_for("parent_zhang"))

        # Friday: everyone is back; the office hears about the episode only once.
        next_morning(h)
        await say(h, "teacher_li", "考勤 全勤")
        await say(h, "teacher_wang", "考勤 全勤")
        await evening(h, config)
        office = [t for t in h.texts_for("office_zhao") if "连续旷课" in t]
        assert len(office) == 1

        # A re-run by an operator changes nothing and sends nothing twice.
        sent = len(h.standin.delivered)
        await run_job(config, "truancy", "2026-12-02", h.clock)
        await h.drain()
        assert len(h.standin.delivered) == sent
        async with h.db.read() as session:
            days = sorted((t.day.isoformat(), t.days) for t in
                          await session.scalars(select(Truancy).where(Truancy.voided_at.is_(None))))
        assert days == [("2026-11-30", 1.0), ("2026-12-01", 0.5), ("2026-12-01", 1.0),
                        ("2026-12-02", 1.0), ("2026-12-03", 1.0)]


async def test_a_leave_approved_later_voids_the_truancy(demo_db: str, monday: FakeClock,
                                                        tmp_path: Path) -> None:
    config = config_file(tmp_path, demo_db)
    async with running(demo_db, monday) as h:
        await say(h, "teacher_li", "考勤 缺勤 刘洋")
        await evening(h, config)
        monday.advance(days=1)
        number = await submit(h, "parent_liu", "请假 昨天 病假 发烧补假")
        await say(h, "teacher_li", f"批准 {number}")
        assert any("旷课记录已撤销" in t for t in h.texts_for("parent_liu"))
        async with h.db.read() as session:
            record = await session.scalar(select(Truancy))
        assert record is not None and record.voided_by_leave == number


async def test_attendance_report_is_replaced_and_shown(harness: Harness) -> None:
    await say(harness, "teacher_li", "考勤 缺勤 刘洋")
    reply = await say(harness, "teacher_li", "考勤 缺勤 黄欣怡 下午")
    assert reply.startswith("已更新") and "黄欣怡（下午）" in reply and "刘洋" not in reply
    assert "黄欣怡（下午）" in await say(harness, "teacher_li", "考勤")
    assert "没有叫「王五」" in await say(harness, "teacher_li", "考勤 缺勤 王五")
    assert "权限" in await say(harness, "parent_liu", "考勤 全勤")


async def test_no_attendance_on_a_weekend(demo_db: str, tmp_path: Path) -> None:
    saturday = FakeClock(local(2026, 11, 28, 9, 0))
    async with running(demo_db, saturday) as h:
        assert "不是上课日" in await say(h, "teacher_li", "考勤 全勤")



async def test_a_report_corrected_after_the_run_voids_its_truancy(
        demo_db: str, monday: FakeClock, tmp_path: Path) -> None:
    config = config_file(tmp_path, demo_db)
    async with running(demo_db, monday) as h:
        await say(h, "teacher_li", "考勤 缺勤 刘洋 黄欣怡")
        monday.advance(hours=8)  # 16:30
        await evening(h, config)
        assert "旷课" in h.last_text("parent_liu")
        monday.advance(minutes=30)  # 17:00: 刘洋 was there after all, 黄欣怡 only the morning
        reply = await say(h, "teacher_li", "考勤 缺勤 黄欣怡 上午")
        assert reply.startswith("已更新")
        assert "11月30日的旷课记录已撤销" in h.last_text("parent_liu")
        assert "11月30日的旷课记录改为半天" in h.last_text("parent_huang")
        async with h.db.read() as session:
            rows = (await session.execute(select(Truancy.days, Truancy.voided_at)
                                          .order_by(Truancy.student_id))).all()
            audit = (await session.scalars(select(AuditEntry).where(
                AuditEntry.action == "truancy_corrected").order_by(AuditEntry.id))).all()
        assert [(days, voided is not None) for days, voided in rows] == [(1.0, True), (0.5, False)]
        assert [(a.before, a.after) for a in audit] == [({"days": 1.0}, {"days": 0.0}),
                                                         ({"days": 1.0}, {"days": 0.5})]


async def test_a_teacher_may_report_the_last_school_days_only(demo_db: str,
                                                               monday: FakeClock) -> None:
    async with running(demo_db, monday) as h:  # Monday 30 November
        reply = await say(h, "teacher_li", "考勤 11月27日 缺勤 刘洋")  # last Friday
        assert reply.startswith("已记录初一(1)班11月27日考勤") and "刘洋" in reply
        assert "11月27日缺勤：刘洋" in await say(h, "teacher_li", "考勤 11月27日")
        assert "最近3个上课日" in await say(h, "teacher_li", "考勤 11月20日 全勤")
        assert "还没有上报" in await say(h, "teacher_li", "考勤")  # today untouched
