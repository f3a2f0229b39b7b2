"""`qingjia demo` invents the term before today for a new demo school (bot/simulator/history.py)
so the staff console has something to show; it tells nobody, and only a school with no report."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import func, select

from bot import keys
from bot.simulator.history import History, seed_history
from models.attendance import AttendanceReport, EscalationStep, HomeVisit, Truancy
from models.leave import Leave
from models.messaging import OutboxMessage
from models.rules.calendar import DayKind
from reports.attendance import export_attendance
from tests.conftest import local
from tests.harness import FakeClock, Harness, running, student_id

NOW = local(2026, 11, 26, 7, 0)  # a Thursday morning, before anyone has reported


async def count(h: Harness, model: type) -> int:
    async with h.db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_the_term_before_today_is_invented_once(demo_db: str, tmp_path: Path) -> None:
    async with running(demo_db, FakeClock(NOW)) as h:
        school = h.app[keys.SCHOOL_ID]
        made = await seed_history(h.db, h.config, school, NOW)
        term_days = [d for d, kind in h.config.calendar.school_days(date(2026, 9, 1),
                                                                     date(2026, 11, 25))
                     if kind is DayKind.SCHOOL_DAY]
        assert made.days == len(term_days) and made.reports == await count(h, AttendanceReport)
        assert made.leaves == await count(h, Leave) > 0
        async with h.db.read() as session:
            days = set(await session.scalars(select(AttendanceReport.day)))
            runaway, _ = await student_id(h.db, "刘洋")
            his = list(await session.scalars(select(Truancy.day)
                                             .where(Truancy.student_id == runaway)))
            steps = list(await session.scalars(select(EscalationStep.step)))
            visits = list(await session.scalars(select(HomeVisit.student_id)))
        assert days == set(term_days)
        assert his == term_days[-3:]  # three school days running, before today
        assert steps == ["office"] and visits == [runaway]
        assert await count(h, OutboxMessage) == 0  # nobody is told about invented days
        # the 旷课 records are the truancy rule's, as the attendance workbook reads them
        done = await export_attendance(h.db, h.config, school, term_days[0], term_days[-1],
                                       tmp_path / "term.xlsx", actor="test", now=NOW)
        async with h.db.read() as session:
            live = await session.scalar(select(func.sum(Truancy.days))
                                        .where(Truancy.voided_at.is_(None)))
        assert done.total.tally.truant == live
        assert await seed_history(h.db, h.config, school, NOW) == History(0, 0, 0)  # once only
        # today's ladder finds the rung reached and tells nobody again
        h.clock.now = local(2026, 11, 26, 16, 35)
        await h.app[keys.JOB_RUNNER].run("escalation", date(2026, 11, 26))
        assert await count(h, OutboxMessage) == 0 and await count(h, EscalationStep) == 1


async def test_a_school_with_reports_is_left_alone(harness: Harness) -> None:
    assert await harness.say("teacher_li", "考勤 全勤") == 200
    await harness.drain()
    made = await seed_history(harness.db, harness.config, harness.app[keys.SCHOOL_ID],
                              harness.clock())
    assert made == History(0, 0, 0) and await count(harness, AttendanceReport) == 1
