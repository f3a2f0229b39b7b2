"""Shared fixtures: databases (a SQLite file or a fresh PostgreSQL one), the clock, the app."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from models import clock as clock_module
from tests.harness import FakeClock, Harness, prepare_database, running

PG_DSN = os.environ.get("QINGJIA_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    """A Beijing-time moment, as a school would say it."""
    return datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


class RealClockRead(AssertionError):
    """Code under test read the real clock although the test gave it one."""


def _no_real_clock() -> datetime:
    raise RealClockRead("the real clock was read inside a test: pass the clock you were given "
                        "(mark the test `real_clock` if it truly runs on wall time)")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say in one line when the browser tests were not run, and why."""
    reasons = {str(report.longrepr[2]).removeprefix("Skipped: ")
               for report in terminalreporter.stats.get("skipped", [])
               if isinstance(report.longrepr, tuple) and "browser tests not run" in
               str(report.longrepr[2])}
    for reason in sorted(reasons):
        terminalreporter.write_line(reason)


@pytest.fixture(autouse=True)
def _guard_real_clock(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs with the real clock forbidden unless it says otherwise."""
    if request.node.get_closest_marker("real_clock") is None:
        monkeypatch.setattr(clock_module, "_read", _no_real_clock)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(local(2026, 11, 26, 8, 0))  # a Thursday in term


@pytest.fixture
def sqlite_url(tmp_path) -> str:  # type: ignore[no-untyped-def]
    return f"sqlite+aiosqlite:///{tmp_path}/qingjia.db"


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"qingjia_t_{uuid.uuid4().hex[:12]}"
    try:
        admin = await asyncpg.connect(PG_DSN)
    except (OSError, asyncpg.PostgresError) as exc:
        pytest.fail(f"PostgreSQL at {PG_DSN} is not reachable ({exc}); start it or run .ci/run")
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    base = PG_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://")
    yield f"{base}/{name}"
    admin = await asyncpg.connect(PG_DSN)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def any_db_url(request) -> str:  # type: ignore[no-untyped-def]
    """Run a test once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("pg_url")


@pytest.fixture
async def demo_db(sqlite_url: str) -> str:
    await prepare_database(sqlite_url)
    return sqlite_url


@pytest.fixture
async def harness(demo_db: str, clock: FakeClock) -> AsyncIterator[Harness]:
    async with running(demo_db, clock) as h:
        yield h
