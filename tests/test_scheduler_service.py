"""The wall-clock scheduler: every job at its local time, and none under a caller's clock."""

from __future__ import annotations

import asyncio
import dataclasses

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy import event, select

from bot import keys
from models.attendance import JobRun
from models.db import Database
from models.repos.roster import RosterRepo
from scheduler.registry import JOBS
from scheduler.runner import JobRunner
from scheduler.service import CATCH_UP_MINUTES, JOBS_AT_ONCE, start_scheduler
from tests.conftest import local
from tests.harness import FakeClock, make_config, running


async def test_every_job_fires_at_its_schools_local_time_plus_a_catch_up_tick(
        demo_db: str) -> None:
    east = make_config(demo_db)
    west = dataclasses.replace(east, school=dataclasses.replace(
        east.school, code="kashi-1", name="喀什一中", timezone="Asia/Urumqi"))
    db = Database(demo_db)
    clock = FakeClock(local(2026, 12, 1, 8, 0))
    runners = [(JobRunner(db, config, school_id=n, clock=clock, jobs=JOBS), config)
               for n, config in enumerate((east, west), start=1)]
    scheduler = start_scheduler(runners)
    try:
        jobs = {job.id: job.trigger for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)
        await db.dispose()
    for config in (east, west):
        code = config.school.code
        assert {i for i in jobs if i.startswith(f"{code}:")} == {
            f"{code}:{name}" for name in (*JOBS, "catch-up")}
        truancy = jobs[f"{code}:truancy"]
        assert isinstance(truancy, CronTrigger)
        assert str(truancy.timezone) == config.school.timezone
        fields = {f.name: str(f) for f in truancy.fields}
        at = config.attendance.truancy_run
        assert (fields["hour"], fields["minute"]) == (str(at.hour), str(at.minute))
        assert isinstance(jobs[f"{code}:notices"], IntervalTrigger)
        assert jobs[f"{code}:catch-up"].interval.total_seconds() == CATCH_UP_MINUTES * 60
    assert len(jobs) == 2 * (len(JOBS) + 1)


async def test_under_a_given_clock_nothing_fires_on_the_wall_clock(demo_db: str) -> None:
    """The workers run, but the jobs wait for the caller: a wall-clock firing mid-test would
    run them at the fake time on the real clock's whim."""
    clock = FakeClock(local(2026, 12, 1, 8, 0))
    async with running(demo_db, clock, run_workers=True) as h:
        assert h.app[keys.JOB_RUNNER] is not None
        assert h.app[keys.SCHEDULER] is None


async def test_a_districts_schools_run_their_jobs_two_at_a_time(demo_db: str) -> None:
    """Every school's 16:30 comes at once: the firings queue, so a process holds at most
    JOBS_AT_ONCE runs' connections whatever the number of schools."""
    base = make_config(demo_db)
    db = Database(demo_db)
    clock = FakeClock(local(2026, 12, 1, 16, 35))
    async with db.unit_of_work() as session:
        ids = [await RosterRepo(session, 0).ensure_school(f"s{n}", f"第{n}中学", now=clock())
               for n in range(6)]
    configs = [dataclasses.replace(base, school=dataclasses.replace(
        base.school, code=f"s{n}", name=f"第{n}中学")) for n in range(6)]
    runners = [(JobRunner(db, c, school_id=i, clock=clock, jobs=JOBS), c)
               for c, i in zip(configs, ids, strict=True)]
    out = [0, 0]  # connections checked out now, the most at once

    def checkout(*_args: object) -> None:
        out[0] += 1
        out[1] = max(out)

    def checkin(*_args: object) -> None:
        out[0] -= 1

    for engine in {db.engine.sync_engine, db.read_engine.sync_engine}:
        event.listen(engine, "checkout", checkout)
        event.listen(engine, "checkin", checkin)
    scheduler = start_scheduler(runners)
    try:
        firings = [job.func for job in scheduler.get_jobs() if job.id.endswith(":truancy")]
        assert len(firings) == 6
        await asyncio.gather(*(fire() for fire in firings))
    finally:
        scheduler.shutdown(wait=False)
    async with db.read() as session:
        done = (await session.scalars(select(JobRun.school_id).where(
            JobRun.job == "truancy", JobRun.status == "done"))).all()
    await db.dispose()
    assert sorted(done) == sorted(ids)  # every school's truancy ran
    assert out[1] <= JOBS_AT_ONCE, out  # each run holds one connection at a time
