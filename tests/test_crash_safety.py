"""Crash safety: the real server in its own process, killed with SIGKILL mid-burst, five times.

What is promised: a callback answered 200 is never lost and is handled once; each reply it causes
is queued once and reaches the member once, however often the process dies in between. Callbacks
that fail at the connection level (the server was dead) are not counted: WeCom retries those.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import re
import signal
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.config import Config
from models.db import Database
from models.messaging import InboxMessage, OutboxMessage
from models.rules.masking import mask_codes
from models.rules.textparts import joined
from tests.harness import prepare_database
from tests.processes import (
    ServiceProcess,
    free_port,
    signed_text,
    standin_api,
    standin_base,
    write_config,
)

CRASHES = 5
BURST = 50
# The burst's callbacks leave this far apart: one group commit can otherwise answer all fifty at
# once, before the kill lands, and nothing would be in flight when the server dies.
SPREAD_SECONDS = 0.02
DRAIN_SECONDS = 20.0
# How many callbacks are answered before each SIGKILL: early, late and in between.
KILL_AFTER = (8, 30, 15, 40, 22)
# Replies that name a number are unique per message, so deliveries can be counted exactly.
PARENTS = ("parent_zhang", "parent_lin", "parent_liu", "parent_huang", "parent_wu", "teacher_li")
APPROVERS = ("teacher_wang", "office_zhao", "principal_chen")
_NUMBER = re.compile(r"单号(\d+)")


@dataclass
class Sender:
    """Signs and encrypts callbacks as WeCom does; remembers what each answered."""

    config: Config
    msg_ids: itertools.count = field(default_factory=lambda: itertools.count(
        int(time.time() * 1000)))
    numbers: itertools.count = field(default_factory=lambda: itertools.count(100_001))
    sent: int = 0
    answered: dict[str, int] = field(default_factory=dict)  # dedupe key -> HTTP status
    refused: int = 0  # connection-level failures: the server was dead

    def callback(self, i: int) -> tuple[str, dict[str, str], bytes]:
        users = PARENTS + APPROVERS
        user = users[i % len(users)]
        command = "撤销" if user in PARENTS else "查看"
        msg_id = next(self.msg_ids)
        params, body = signed_text(self.config, user, f"{command} {next(self.numbers)}", msg_id)
        return f"msg:{msg_id}", params, body

    async def burst(self, server: ServiceProcess, kill_after: int) -> None:
        """BURST callbacks, SPREAD_SECONDS apart; SIGKILL the server once `kill_after` have been
        answered."""
        answered_enough = asyncio.Event()
        ok = 0

        async def post(http: aiohttp.ClientSession, i: int) -> None:
            nonlocal ok
            await asyncio.sleep(i * SPREAD_SECONDS)
            key, params, body = self.callback(i)
            self.sent += 1
            try:
                async with http.post(f"{server.url}/wecom/callback", params=params,
                                     data=body) as resp:
                    await resp.read()
                    self.answered[key] = resp.status
                    if resp.status == 200:
                        ok += 1
                        if ok >= kill_after:
                            answered_enough.set()
            except (aiohttp.ClientError, TimeoutError, OSError):
                self.refused += 1

        async def killer() -> None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(answered_enough.wait(), 10)
            await server.kill()

        timeout = aiohttp.ClientTimeout(total=15)
        async with aiohttp.ClientSession(timeout=timeout, connector=aiohttp.TCPConnector(
                limit=0, force_close=True)) as http:
            await asyncio.gather(killer(), *(post(http, i) for i in range(BURST)))

    @property
    def ok_keys(self) -> set[str]:
        return {k for k, status in self.answered.items() if status == 200}


def _held(row: OutboxMessage) -> bool:
    """A job's notice queued for after quiet hours (the server's start-up catch-up, when the test
    runs in the evening): never tried, and not due yet by the wall clock the server reads."""
    return row.attempts == 0 and row.next_attempt_at > datetime.fromtimestamp(time.time(), UTC)


async def _settled(db: Database) -> bool:
    async with db.read() as session:
        inbox = await session.scalar(select(func.count()).select_from(InboxMessage)
                                     .where(InboxMessage.status == "pending"))
        outbox = await session.scalars(select(OutboxMessage)
                                       .where(OutboxMessage.status == "pending"))
        return inbox == 0 and all(_held(row) for row in outbox)


async def crash_five_times_then_drain(db_url: str, tmp_path: Path, label: str) -> None:
    await prepare_database(db_url)
    port = free_port()
    async with standin_api(standin_base()) as (standin, api_base):
        config_path = tmp_path / "config.toml"
        config = write_config(config_path, db_url=db_url, port=port, api_base=api_base)
        server = ServiceProcess(config_path, tmp_path / "server.log", port=port)
        sender = Sender(config)
        started = time.monotonic()
        try:
            for kill_after in KILL_AFTER[:CRASHES]:
                await server.start()
                await sender.burst(server, kill_after)
                assert server.proc is not None and server.proc.returncode == -signal.SIGKILL
            await server.start()
            db = Database(db_url)
            try:
                deadline = time.monotonic() + DRAIN_SECONDS
                while not await _settled(db) and time.monotonic() < deadline:
                    await asyncio.sleep(0.2)
                await server.stop()
                async with db.read() as session:
                    inbox = list(await session.scalars(select(InboxMessage)))
                    outbox = list(await session.scalars(select(OutboxMessage)))
            finally:
                await db.dispose()
        finally:
            await server.stop()
        elapsed = time.monotonic() - started

        by_key = {row.dedupe_key: row for row in inbox}
        ok = sender.ok_keys
        lost = sorted(k for k in ok if k not in by_key)
        unfinished = sorted(k for k in ok if k in by_key and by_key[k].status != "done")
        # Every recorded message (answered or not: a retry would find it) gets exactly one reply.
        replies: Counter[tuple[str, str]] = Counter()
        for out in outbox:
            content = out.payload.get("content", "")
            if (m := _NUMBER.search(content)) and out.status in ("sent", "gathered"):
                replies[(out.touser, m.group(1))] += 1
        expected: Counter[tuple[str, str]] = Counter(
            (row.userid, row.payload["content"].split()[-1]) for row in inbox)
        missing_replies = sorted(set(expected) - set(replies))
        extra_replies = sorted(k for k in replies if replies[k] != expected.get(k, 0))
        # What WeCom delivered, per (member, content), against the rows marked sent.
        # Stored payloads have code-like words masked once sent; the deliveries are compared so.
        delivered = Counter((d.touser, mask_codes(d.body[d.msgtype].get("content", "")))
                            for d in standin.delivered if d.msgtype in ("text", "markdown"))
        sent_rows = Counter(sent_messages(outbox))
        duplicates = sum(max(0, n - sent_rows[k]) for k, n in delivered.items())
        undelivered = sum(max(0, n - delivered[k]) for k, n in sent_rows.items())
        pending = [(row.id, row.status, row.attempts, row.last_error) for row in outbox
                   if row.status not in ("sent", "gathered") and not _held(row)]
        retried = sum(1 for row in outbox if row.attempts > 1)
        send_calls = sum(1 for path, _ in standin.requests if path.endswith("/message/send"))

        print(f"\n[{label}] {CRASHES} SIGKILLs, {server.starts} starts, {elapsed:.1f} s: "
              f"callbacks sent {sender.sent}, answered 200 {len(ok)}, "
              f"connection failed {sender.refused}, "
              f"other status {sum(1 for s in sender.answered.values() if s != 200)}; "
              f"inbox rows {len(inbox)} (done {sum(r.status == 'done' for r in inbox)}), "
              f"effects found {sum(1 for k in ok if k in by_key and by_key[k].status == 'done')}"
              f"/{len(ok)}; outbox rows {len(outbox)} (sent "
              f"{sum(r.status == 'sent' for r in outbox)}); messages delivered "
              f"{len(standin.delivered)}; duplicates {duplicates}; undelivered {undelivered}; "
              f"rows retried after a crash {retried}, sends WeCom dropped as repeats "
              f"{send_calls - len(standin.delivered)}")

        assert len(ok) > 0 and sender.refused > 0, "the kills did not land mid-burst"
        assert lost == [], f"answered 200 but not recorded: {lost[:5]}"
        assert unfinished == [], f"recorded but not handled: {unfinished[:5]}"
        assert missing_replies == [], f"no reply queued and sent for {missing_replies[:5]}"
        assert extra_replies == [], f"more than one reply for {extra_replies[:5]}"
        assert pending == [], f"outbox rows not sent: {pending[:5]}"
        assert duplicates == 0, "a member received a message twice"
        assert undelivered == 0, "a row marked sent never reached the member"


def sent_messages(outbox: list[OutboxMessage]) -> list[tuple[str, str]]:
    """(member, text) of each text message sent: a row and the rows gathered into it (same
    member and send time), joined as the outbox joins them."""
    groups: dict[tuple[str, object], list[OutboxMessage]] = {}
    for row in sorted(outbox, key=lambda r: r.id):
        if row.kind == "text" and row.status in ("sent", "gathered"):
            groups.setdefault((row.touser, row.sent_at), []).append(row)
    return [(touser, joined([str(r.payload.get("content", "")) for r in rows]))
            for (touser, _), rows in groups.items()]


async def test_sigkill_mid_burst_five_times_on_sqlite(sqlite_url: str, tmp_path: Path) -> None:
    await crash_five_times_then_drain(sqlite_url, tmp_path, "SQLite")


@pytest.mark.postgres
async def test_sigkill_mid_burst_five_times_on_postgres(pg_url: str, tmp_path: Path) -> None:
    await crash_five_times_then_drain(pg_url, tmp_path, "PostgreSQL")
