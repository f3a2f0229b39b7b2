"""CPU of one leave submission, step by step: the callback, the inbox worker, the outbox worker.

Drives the real app through tests/harness.py (signed, encrypted callbacks; the WeCom stand-in in
the same process) on a freshly migrated database holding the submit-latency bench's generated
roster, with a clock of its own on a school-day morning. Each of the parents asks for a leave
(`请假 <child> <day> 事假 探亲`, the echo sent) and then confirms it (`确认`: the leave stored, the
班主任's card sent). Only the `确认` is measured: `time.process_time()` around the callback's POST,
the inbox worker's `run_once` that handles it and the outbox rounds that send its card and
reply. The outbox step includes the stand-in taking the messages (it runs in this process).
With `--profile FILE` the measured steps (`--steps`) also run under cProfile on CPU time
(slower; the stats go to FILE, the 40 costliest functions by own time are printed). The
stand-in's view of the directory is read once at the start, not on every send (its reads of
the app's database are not the service's cost).

    .venv/bin/python bench/submit_cpu.py                       # SQLite
    .venv/bin/python bench/submit_cpu.py --backend postgres
    .venv/bin/python bench/submit_cpu.py --profile /tmp/confirm.prof
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # project root

import argparse
import asyncio
import contextlib
import cProfile
import pstats
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any

from bench._common import PG_SERVER, fresh_pg_database
from bench.submit_latency import REQUEST, START, leave_days, write_roster
from bot import keys
from bot.simulator.oauth import Person
from tests.harness import FakeClock, Harness, make_config, prepare_database, running


class Meter:
    """CPU seconds per step, optionally under one profiler."""

    def __init__(self, profile: bool, profiled: set[str]) -> None:
        self.steps: dict[str, list[float]] = {"callback": [], "inbox": [], "outbox": []}
        self.profiler = cProfile.Profile(time.process_time) if profile else None
        self.profiled = profiled

    async def measure(self, step: str, work: Callable[[], Awaitable[Any]]) -> Any:
        profiling = self.profiler is not None and step in self.profiled
        if profiling:
            self.profiler.enable()
        t0 = time.process_time()
        try:
            return await work()
        finally:
            self.steps[step].append(time.process_time() - t0)
            if profiling:
                self.profiler.disable()


@contextlib.asynccontextmanager
async def database(backend: str, workdir: Path) -> AsyncIterator[str]:
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{workdir}/cpu.db"
        return
    async with fresh_pg_database() as name:
        yield f"postgresql+asyncpg://{PG_SERVER}/{name}"


async def run(backend: str, parents: int, rounds: int, profile: str | None,
              profiled: set[str]) -> None:
    meter = Meter(profile is not None, profiled)
    days = leave_days(make_config("sqlite+aiosqlite://"), rounds)
    with tempfile.TemporaryDirectory(prefix="qingjia-cpu-") as tmp:
        workdir = Path(tmp)
        (workdir / "roster").mkdir()
        families, _ = write_roster(workdir / "roster", parents, max(1, parents // 5), 0)
        async with database(backend, workdir) as url:
            await prepare_database(url, roster_dir=workdir / "roster")
            async with running(url, FakeClock(START)) as h:
                await h.drain()
                await fixed_directory(h)
                inbox, outbox = h.app[keys.INBOX_WORKER], h.app[keys.OUTBOX_WORKER]

                async def sent_all() -> None:
                    while await outbox.run_once():
                        pass

                for day in days:
                    for f in families:
                        h.clock.advance(seconds=2)
                        await h.say(f.parent, REQUEST.format(child=f.child,
                                                             day=f"{day.month}月{day.day}日"))
                        await h.drain()
                    for f in families:
                        h.clock.advance(seconds=2)
                        assert await meter.measure("callback", lambda f=f: h.say(f.parent,
                                                                                   "确认")) == 200
                        assert await meter.measure("inbox", inbox.run_once)
                        await meter.measure("outbox", sent_all)
                    h.clock.advance(minutes=1)  # the outbox's per-member minute
    report(backend, meter, parents * len(days), days)
    if profile is not None and meter.profiler is not None:
        meter.profiler.dump_stats(profile)
        pstats.Stats(profile).sort_stats("tottime").print_stats(40)


async def fixed_directory(h: Harness) -> None:
    """The stand-in asks the app's database who WeCom knows on every send; the roster does not
    change here, so it gets the directory read once (its reads are not the service's cost)."""
    people = await h.standin.oauth.directory()

    async def as_before() -> list[Person]:
        return people

    h.standin.oauth.directory = as_before


def report(backend: str, meter: Meter, n: int, days: list[date]) -> None:
    total = [sum(v) for v in zip(*meter.steps.values(), strict=True)]
    parts = ", ".join(f"{k} {1000 * statistics.median(v):.2f}" for k, v in meter.steps.items())
    print(f"{backend}: {n} 确认 over {len(days)} days; CPU per submission, median ms: {parts}; "
          f"total {1000 * statistics.median(total):.2f} (mean {1000 * statistics.mean(total):.2f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--parents", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2, help="leave days (default 2)")
    parser.add_argument("--profile", metavar="FILE", help="cProfile the measured steps")
    parser.add_argument("--steps", default="callback,inbox,outbox",
                        help="the steps to profile, comma-separated (default all three)")
    args = parser.parse_args()
    asyncio.run(run(args.backend, args.parents, args.rounds, args.profile,
                    set(args.steps.split(","))))


if __name__ == "__main__":
    main()
