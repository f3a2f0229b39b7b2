"""Shared fixtures: databases (a SQLite file or a fresh PostgreSQL one), the clock, the app."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from models import clock as clock_module
from tests._postgres import (
    CONFIGURED_DSN,
    ThrowAwayServer,
    answers,
    database_url,
    shown,
    throwaway_server,
)
from tests.harness import FakeClock, Harness, prepare_database, running

SHANGHAI = ZoneInfo("Asia/Shanghai")


def local(*args: int) -> datetime:
    """A Beijing-time moment, as a school would say it."""
    return datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


class RealClockRead(AssertionError):
    """Code under test read the real clock although the test gave it one."""


def _no_real_clock() -> datetime:
    raise RealClockRead("the real clock was read inside a test: pass the clock you were given "
                        "(mark the test `real_clock` if it truly runs on wall time)")


def _browser_summary(terminalreporter: pytest.TerminalReporter) -> None:
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


_THROWAWAY = pytest.StashKey[ThrowAwayServer]()


@pytest.fixture(scope="session")
def pg_admin_dsn(request: pytest.FixtureRequest) -> Iterator[str]:
    """The PostgreSQL server of this session: `QINGJIA_TEST_PG` if anything answers there, else a
    throw-away one, started on first use and stopped and deleted when the session ends."""
    if asyncio.run(answers(CONFIGURED_DSN)):
        yield CONFIGURED_DSN
        return
    with throwaway_server() as server:
        request.config.stash[_THROWAWAY] = server
        yield server.dsn


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter,
                            config: pytest.Config) -> None:
    """One line each when the browser tests did not run, and when the PostgreSQL tests ran on a
    throw-away server (told after its removal)."""
    _browser_summary(terminalreporter)
    server = config.stash.get(_THROWAWAY, None)
    if server is not None:
        fate = ("NOT removed" if server.data_dir.exists() else "since stopped and removed")
        terminalreporter.write_line(
            f"PostgreSQL: nothing answered at {shown(CONFIGURED_DSN)}; the PostgreSQL tests ran "
            f"on a throw-away server ({server.package}) in {server.data_dir}, {fate}")


@pytest.fixture
async def pg_url(pg_admin_dsn: str) -> AsyncIterator[str]:
    """A new, empty PostgreSQL database for one test, dropped afterwards."""
    name = f"qingjia_t_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(pg_admin_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    yield database_url(pg_admin_dsn, name)
    admin = await asyncpg.connect(pg_admin_dsn)
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
