"""The wall-clock scheduler: every job at its local time, and none under a caller's clock."""

from __future__ import annotations

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot import keys
from models.db import Database
from scheduler.registry import JOBS
from scheduler.runner import JobRunner
from scheduler.service import CATCH_UP_MINUTES, start_scheduler
from tests.conftest import local
from tests.harness import FakeClock, make_config, running


async def test_every_job_fires_at_its_local_time_plus_a_catch_up_tick(demo_db: str) -> None:
    config = make_config(demo_db)
    db = Database(demo_db)
    runner = JobRunner(db, config, school_id=1, clock=FakeClock(local(2026, 12, 1, 8, 0)),
                       jobs=JOBS)
    scheduler = start_scheduler(runner, config)
    try:
        jobs = {job.id: job.trigger for job in scheduler.get_jobs()}
    finally:
        scheduler.shutdown(wait=False)
        await db.dispose()
    assert set(jobs) == set(JOBS) | {"catch-up"}
    truancy = jobs["truancy"]
    assert isinstance(truancy, CronTrigger)
    assert str(truancy.timezone) == str(config.school.tz)
    fields = {f.name: str(f) for f in truancy.fields}
    at = config.attendance.truancy_run
    assert (fields["hour"], fields["minute"]) == (str(at.hour), str(at.minute))
    assert isinstance(jobs["notices"], IntervalTrigger)
    assert jobs["catch-up"].interval.total_seconds() == CATCH_UP_MINUTES * 60


async def test_under_a_given_clock_nothing_fires_on_the_wall_clock(demo_db: str) -> None:
    """The workers run, but the jobs wait for the caller: a wall-clock firing mid-test would
    run them at the fake time on the real clock's whim."""
    clock = FakeClock(local(2026, 12, 1, 8, 0))
    async with running(demo_db, clock, run_workers=True) as h:
        assert h.app[keys.JOB_RUNNER] is not None
        assert h.app[keys.SCHEDULER] is None
