"""Each job through the real app: reminders, the approval ladder, the dropout case."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from bot import keys
from models.attendance import EscalationStep, HomeVisit
from models.leave import Leave
from models.repos.attendance import AttendanceRepo
from models.roster import Student
from models.rules.calendar import DayKind
from tests.conftest import local
from tests.harness import FakeClock, Harness, running, student_id
from tests.test_leave_e2e import cards_for, say, submit


async def job(h: Harness, name: str) -> dict | None:  # type: ignore[type-arg]
    day = h.clock().astimezone(h.config.school.tz).date()
    result = await h.app[keys.JOB_RUNNER].run(name, day)
    await h.drain()
    return result


async def test_attendance_reminders_then_the_office(demo_db: str) -> None:
    clock = FakeClock(local(2026, 11, 30, 9, 0))
    async with running(demo_db, clock) as h:
        await say(h, "teacher_wang", "考勤 全勤")
        await job(h, "attendance-reminder")
        assert "还没有上报" in h.last_text("teacher_li")
        assert h.texts_for("teacher_wang")[-1].startswith("已记录")
        clock.advance(hours=1)
        await job(h, "attendance-office-alert")
        assert "初一(1)班" in h.last_text("office_zhao")
        assert "初一(2)班" not in h.last_text("office_zhao")


async def test_a_notice_held_through_quiet_hours_does_not_hold_back_a_reply(
        demo_db: str) -> None:
    """A service started at 21:10 catches up the day's 10:00 office alert and holds it until
    07:00; the 政教处 writing at 21:15 is answered at once, and the alert still comes in the
    morning."""
    clock = FakeClock(local(2026, 11, 30, 21, 10))
    async with running(demo_db, clock) as h:
        await h.app[keys.JOB_RUNNER].run_due()
        await h.drain()
        assert h.texts_for("office_zhao") == []  # the alert waits for the morning
        clock.advance(minutes=5)
        assert "没有待您审批的请假" in await say(h, "office_zhao", "待审批")
        clock.now = local(2026, 12, 1, 7, 1)
        await h.drain()
        assert "初一(1)班" in h.last_text("office_zhao")  # the held alert, now


async def test_no_reminders_on_a_holiday(demo_db: str) -> None:
    clock = FakeClock(local(2026, 10, 1, 9, 0))  # National Day
    async with running(demo_db, clock) as h:
        await job(h, "attendance-reminder")
        assert h.standin.delivered == []


async def test_a_pending_leave_is_reminded_then_moved_up_but_not_at_night(demo_db: str) -> None:
    clock = FakeClock(local(2026, 11, 26, 8, 0))
    async with running(demo_db, clock) as h:
        number = await submit(h, "parent_zhang", "请假 张小明 下周一 事假 有事")
        clock.advance(hours=4, minutes=1)
        await job(h, "approval-reminder")
        assert "还在等待您审批" in h.last_text("teacher_li")
        clock.advance(hours=10)  # 22:01: quiet hours
        before = len(h.standin.delivered)
        await job(h, "approval-reminder")
        assert len(h.standin.delivered) == before
        clock.advance(hours=10)  # next morning 08:01, 24 hours after submission
        await job(h, "approval-reminder")
        assert cards_for(h, "office_zhao")[-1]["main_title"]["title"] == f"请假审批 单号{number}"
        assert h.standin.card_updates[-1]["button"]["replace_name"] == "已转上级审批"
        async with h.db.read() as session:
            row = await session.get(Leave, number)
        assert row is not None and row.tier_index == 1 and row.status == "pending"


async def test_after_a_move_up_only_who_can_decide_now_is_reminded(demo_db: str) -> None:
    clock = FakeClock(local(2026, 11, 26, 8, 0))
    async with running(demo_db, clock) as h:
        number = await submit(h, "parent_zhang", "请假 张小明 下周一 事假 有事")
        clock.advance(hours=4, minutes=1)
        await job(h, "approval-reminder")  # the 班主任 reminded at tier 0
        clock.advance(hours=20)  # the next morning: moved up to 政教处
        await job(h, "approval-reminder")
        assert cards_for(h, "office_zhao")[-1]["main_title"]["title"] == f"请假审批 单号{number}"
        teacher_before = len(h.texts_for("teacher_li"))
        clock.advance(hours=4, minutes=1)
        await job(h, "approval-reminder")
        assert f"单号{number}）还在等待您审批" in h.last_text("office_zhao")
        assert h.texts_for("teacher_li")[teacher_before:] == []  # can no longer decide


def school_days_from(start: date, count: int, h: Harness) -> list[date]:
    days, day = [], start
    while len(days) < count:
        if h.config.calendar.kind(day) is DayKind.SCHOOL_DAY:
            days.append(day)
        day += timedelta(days=1)
    return days


async def test_fifteen_days_away_opens_a_dropout_case(demo_db: str) -> None:
    clock = FakeClock(local(2026, 11, 9, 17, 0))
    async with running(demo_db, clock) as h:
        days = school_days_from(clock().date(), 15, h)
        liu_yang, class_1 = await student_id(h.db, "刘洋")
        for day in days:
            slot = day.toordinal() * 2
            async with h.db.unit_of_work() as session:
                await AttendanceRepo(session, 1).save_report(class_1, day, "teacher_li", clock(),
                                                             [(liu_yang, slot, slot + 1)])
            clock.now = local(day.year, day.month, day.day, 17, 0)
            await job(h, "truancy")
            await job(h, "escalation")
        principal = h.texts_for("principal_chen")
        assert any("辍学预警" in t and "刘洋" in t for t in principal)
        dropout = [t for t in principal if "视为辍学" in t]
        assert len(dropout) == 1
        assert "刘强（父亲）13800000003" in dropout[0] and "G2026070102" in dropout[0]
        async with h.db.read() as session:
            steps = sorted(s.step for s in await session.scalars(select(EscalationStep)))
            visits = list(await session.scalars(select(HomeVisit)))
        assert steps == ["dropout", "office", "principal"]
        assert len(visits) == 1 and visits[0].closed_at is None
        async with h.db.read() as session:  # 篇三 §九.1: people decide; nobody is struck off
            student = await session.get(Student, liu_yang)
        assert student is not None and student.active
        assert any("视为辍学" not in t and "必须家访" in t for t in h.texts_for("teacher_li"))
