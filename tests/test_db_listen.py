"""Rows for the workers wake them across processes on PostgreSQL (LISTEN/NOTIFY)."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from models.db import INBOX_CHANNEL, OUTBOX_CHANNEL, Database
from models.messages import Outgoing, Text
from models.repos.outbox import OutboxRepo
from tests.conftest import local
from tests.harness import prepare_database

WAIT_SECONDS = 5.0


@pytest.mark.postgres
async def test_a_committed_outbox_row_wakes_a_listener_of_another_engine(pg_url: str) -> None:
    await prepare_database(pg_url)
    writer, listener = Database(pg_url), Database(pg_url)  # two processes' engines
    outbox, inbox = asyncio.Event(), asyncio.Event()
    schools: list[str] = []

    def outbox_for(school: str) -> None:
        schools.append(school)
        outbox.set()

    task = asyncio.create_task(listener.listen({OUTBOX_CHANNEL: outbox_for,
                                                INBOX_CHANNEL: lambda _school: inbox.set()}))
    try:
        await asyncio.wait_for(outbox.wait(), WAIT_SECONDS)  # woken once on connect
        assert schools == [""]  # every school: what was committed while nobody listened
        outbox.clear()
        inbox.clear()
        async with writer.unit_of_work() as session:
            await OutboxRepo(session, 1).add([Outgoing("parent_zhang", Text("您好"))],
                                              local(2026, 12, 1, 8, 0))
            await asyncio.sleep(0.2)
            assert not outbox.is_set()  # not before the commit
        await asyncio.wait_for(outbox.wait(), WAIT_SECONDS)
        assert schools == ["", "1"]  # the school whose row it is
        assert not inbox.is_set()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await writer.dispose()
        await listener.dispose()


async def test_sqlite_has_nothing_to_listen_for(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    try:
        await asyncio.wait_for(db.listen({OUTBOX_CHANNEL: lambda _school: None}), WAIT_SECONDS)
    finally:
        await db.dispose()
