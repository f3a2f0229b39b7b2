"""`qingjia serve --no-workers` beside `qingjia worker`: HTTP in one process, the handling, the
sending and the jobs in another, sharing one database."""

from __future__ import annotations

import asyncio
import itertools
import signal
import time
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select

from bot.config import Config
from bot.simulator.standin import WeComStandIn
from handlers import texts
from models.db import Database
from models.messaging import InboxMessage
from tests.harness import prepare_database
from tests.processes import (
    ServiceProcess,
    free_port,
    signed_text,
    standin_api,
    standin_base,
    write_config,
)

WAIT_SECONDS = 15.0
QUIET_SECONDS = 1.5  # how long the HTTP-only server is watched for replies it must not send
MSG_IDS = itertools.count(1)  # each test has a database of its own


async def post(server: ServiceProcess, config: Config, user: str, content: str) -> int:
    params, body = signed_text(config, user, content, next(MSG_IDS))
    async with aiohttp.ClientSession() as http, http.post(
            f"{server.url}/wecom/callback", params=params, data=body) as resp:
        return resp.status


def texts_for(standin: WeComStandIn, user: str) -> list[str]:
    return [str(d.body.get("text", {}).get("content", "")) for d in standin.messages_for(user)]


async def wait_for_text(standin: WeComStandIn, user: str, needle: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        if any(needle in t for t in texts_for(standin, user)):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{user} got no text with {needle!r}: {texts_for(standin, user)}")


async def inbox_states(db_url: str) -> list[str]:
    db = Database(db_url)
    try:
        async with db.read() as session:
            return list(await session.scalars(select(InboxMessage.status)
                                              .order_by(InboxMessage.id)))
    finally:
        await db.dispose()


async def split_service(db_url: str, tmp_path: Path) -> None:
    await prepare_database(db_url)
    port = free_port()
    async with standin_api(standin_base()) as (standin, api_base):
        config_path = tmp_path / "config.toml"
        config = write_config(config_path, db_url=db_url, port=port, api_base=api_base)
        http_only = ServiceProcess(config_path, tmp_path / "serve.log", port=port,
                                   args=("serve", "--no-workers"))
        worker = ServiceProcess(config_path, tmp_path / "worker.log", args=("worker",),
                                ready="worker running")
        try:
            await http_only.start()
            assert "HTTP only" in http_only.log()
            assert await post(http_only, config, "parent_zhang", "帮助") == 200
            await asyncio.sleep(QUIET_SECONDS)
            assert texts_for(standin, "parent_zhang") == []  # recorded, not handled
            assert await inbox_states(db_url) == ["pending"]

            await worker.start()  # handles what waited, then what comes
            await wait_for_text(standin, "parent_zhang", "【家长】")
            assert await post(http_only, config, "parent_zhang", "取消") == 200
            await wait_for_text(standin, "parent_zhang", texts.NOTHING_TO_CANCEL)
            assert await inbox_states(db_url) == ["done", "done"]

            assert await worker.stop(signal.SIGTERM) == 0
            assert "worker stopped" in worker.log()
        finally:
            await worker.stop()
            await http_only.stop()
    assert standin.violations == []


async def test_http_only_server_and_worker_process_on_sqlite(sqlite_url: str,
                                                             tmp_path: Path) -> None:
    await split_service(sqlite_url, tmp_path)


@pytest.mark.postgres
async def test_http_only_server_and_worker_process_on_postgres(pg_url: str,
                                                               tmp_path: Path) -> None:
    await split_service(pg_url, tmp_path)
