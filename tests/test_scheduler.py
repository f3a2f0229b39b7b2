"""The job runner with an injected clock: catch-up, one run across processes, crash safety."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest
from sqlalchemy import func, select

from models.attendance import JobRun, Truancy
from models.db import Database
from models.messaging import OutboxMessage
from models.repos.attendance import AttendanceRepo
from scheduler.registry import JOBS
from scheduler.runner import Job, JobContext, JobRunner
from tests.conftest import local
from tests.harness import FakeClock, make_config, prepare_database, student_id


async def report_absent(db: Database, day_clock: FakeClock) -> None:
    """初一(1)班 reports 刘洋 absent (all day) for the clock's date."""
    day = day_clock().astimezone(make_config("x").school.tz).date()
    slot = day.toordinal() * 2
    liu_yang, class_1 = await student_id(db, "刘洋")
    async with db.unit_of_work() as session:
        await AttendanceRepo(session, 1).save_report(class_1, day, "teacher_li", day_clock(),
                                                     [(liu_yang, slot, slot + 1)])


def runner_for(db: Database, url: str, clock: FakeClock, jobs: dict[str, Job] = JOBS) -> JobRunner:
    return JobRunner(db, make_config(url), school_id=1, clock=clock, jobs=jobs)


async def runs(db: Database, job: str) -> list[tuple[str, str, int]]:
    async with db.read() as session:
        rows = await session.execute(select(JobRun.run_key, JobRun.status, JobRun.attempts)
                                     .where(JobRun.job == job).order_by(JobRun.run_key))
        return [tuple(r) for r in rows]  # type: ignore[misc]


async def count(db: Database, model: type) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_days_missed_while_down_are_caught_up_once_oldest_first(demo_db: str) -> None:
    clock = FakeClock(local(2026, 11, 30, 17, 0))  # Monday evening: the first ever run
    db = Database(demo_db)
    runner = runner_for(db, demo_db, clock)
    await report_absent(db, clock)
    await runner.run_due()
    assert [k for k, _, _ in await runs(db, "truancy")] == ["2026-11-30"]
    for _ in range(3):  # down Tuesday to Thursday; 初一(1)班 still reported each day
        clock.advance(days=1)
        await report_absent(db, clock)
    await runner.run_due()  # Thursday evening, back up
    assert await runs(db, "truancy") == [("2026-11-30", "done", 1), ("2026-12-01", "done", 1),
                                         ("2026-12-02", "done", 1), ("2026-12-03", "done", 1)]
    assert await runner.run_due() == 0
    assert await count(db, Truancy) == 4
    # the morning reminders of days gone by are not sent late
    async with db.read() as session:
        results = list(await session.scalars(select(JobRun.result).where(
            JobRun.job == "attendance-reminder", JobRun.run_key == "2026-12-01")))
    assert results == [{"skipped": "not today's school day", "notices": 0}]
    await db.dispose()


async def test_a_new_installation_does_not_invent_past_runs(demo_db: str) -> None:
    clock = FakeClock(local(2026, 12, 2, 8, 0))
    db = Database(demo_db)
    await runner_for(db, demo_db, clock).run_due()
    assert await runs(db, "truancy") == []
    await db.dispose()


async def test_two_schedulers_on_one_database_run_each_date_once(any_db_url: str) -> None:
    url = any_db_url
    await prepare_database(url)
    clock = FakeClock(local(2026, 11, 30, 17, 0))
    one, two = Database(url), Database(url)
    await report_absent(one, clock)
    ran = await asyncio.gather(runner_for(one, url, clock).run_due(),
                               runner_for(two, url, clock).run_due())
    assert sum(ran) == len(JOBS)  # every job once, shared between the two
    assert await runs(one, "truancy") == [("2026-11-30", "done", 1)]
    async with one.read() as session:
        keys = list(await session.scalars(select(OutboxMessage.dedupe_key)))
    assert len(keys) == len(set(keys)) and any(k and k.startswith("truancy:") for k in keys)
    await one.dispose()
    await two.dispose()


async def test_a_crash_mid_run_leaves_nothing_half_done(demo_db: str) -> None:
    clock = FakeClock(local(2026, 11, 30, 17, 0))
    db = Database(demo_db)
    await report_absent(db, clock)

    async def dies_after_the_work(ctx: JobContext) -> None:
        await JOBS["truancy"].work(ctx)
        assert ctx.notify.messages  # notices were queued …
        raise RuntimeError("process killed")  # … and then the run dies

    broken = {"truancy": dataclasses.replace(JOBS["truancy"], work=dies_after_the_work)}
    with pytest.raises(RuntimeError):
        await runner_for(db, demo_db, clock, broken).run("truancy", clock().date())
    assert await count(db, Truancy) == 0
    assert await count(db, OutboxMessage) == 0
    assert await runs(db, "truancy") == [("2026-11-30", "failed", 1)]
    # the next tick claims the failed run again and completes it
    assert await runner_for(db, demo_db, clock).run("truancy", clock().date()) is not None
    assert await runs(db, "truancy") == [("2026-11-30", "done", 2)]
    assert await count(db, Truancy) == 1
    await db.dispose()


async def test_a_late_start_sends_no_stale_reminder_and_nothing_in_quiet_hours(
        demo_db: str) -> None:
    clock = FakeClock(local(2026, 11, 30, 23, 53))  # Monday, started late at night
    db = Database(demo_db)
    runner = runner_for(db, demo_db, clock)
    await report_absent(db, clock)  # 初一(2)班 has no report: it would be reminded
    await runner.run_due()
    assert [k for k, _, _ in await runs(db, "attendance-reminder")] == ["2026-11-30"]
    async with db.read() as session:
        queued = (await session.execute(
            select(OutboxMessage.payload, OutboxMessage.next_attempt_at))).all()
    texts = [str(payload) for payload, _ in queued]
    assert not any("考勤还没有上报" in t for t in texts)
    assert any("旷课" in t for t in texts)  # the truancy run did its work; its notices wait
    morning = local(2026, 12, 1, 7, 0)
    assert queued and all(at >= morning for _, at in queued)
    await db.dispose()
