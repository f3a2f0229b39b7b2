"""A deployment of two schools split over processes: `qingjia serve --no-workers` records each
school's callbacks, two `qingjia worker` processes handle and send them, each school's replies at
its own WeCom (the same userid and MsgId at both: WeCom's are per corp)."""

from __future__ import annotations

import asyncio
import json
import re
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bot.config import Config
from bot.deployment import load_deployment
from bot.simulator.standin import WeComStandIn
from handlers import texts
from models.db import Database
from models.messaging import InboxMessage
from models.roster import School
from tests.harness import DEMO_ROSTER
from tests.processes import ServiceProcess, free_port, signed_text
from tests.schools import (
    SchoolSpec,
    corp_of,
    prepare_schools,
    school_b_roster,
    write_deployment,
)

WAIT_SECONDS = 20.0
QUIET_SECONDS = 1.5  # how long the stand-ins are watched for a second answer that must not come
MSG_ID = 7001  # the same at both schools


def texts_for(standin: WeComStandIn, user: str) -> list[str]:
    return [str(d.body.get("text", {}).get("content", "")) for d in standin.messages_for(user)]


async def wait_for(standin: WeComStandIn, user: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline and not texts_for(standin, user):
        await asyncio.sleep(0.05)


async def post(url: str, config: Config, code: str, content: str) -> int:
    params, body = signed_text(config, "parent_zhang", content, MSG_ID)
    async with aiohttp.ClientSession() as http, http.post(
            f"{url}/wecom/callback/{code}", params=params, data=body) as resp:
        return resp.status


async def inbox_by_school(db_url: str) -> list[tuple[str, str]]:
    db = Database(db_url)
    try:
        async with db.read() as session:
            rows = await session.execute(select(School.code, InboxMessage.status)
                                         .join(School, School.id == InboxMessage.school_id)
                                         .order_by(School.code))
            return [(code, status) for code, status in rows]
    finally:
        await db.dispose()


def serve_on(path: Path, port: int) -> None:
    """The deployment's main file with this server's port and public URL."""
    text = path.read_text(encoding="utf-8")
    for key, value in {"port": str(port),
                       "public_url": json.dumps(f"http://127.0.0.1:{port}")}.items():
        text, n = re.subn(rf"^{key} = .*$", f"{key} = {value}", text, count=1,
                          flags=re.MULTILINE)
        assert n == 1, key
    path.write_text(text, encoding="utf-8")


@pytest.mark.postgres
async def test_two_schools_served_by_an_http_process_and_two_workers(pg_url: str,
                                                                     tmp_path: Path) -> None:
    specs = [SchoolSpec("a", "甲中学"),
             SchoolSpec("b", "乙中学", roster=school_b_roster(tmp_path / "roster-b"))]
    async with AsyncExitStack() as stack:
        standins: dict[str, WeComStandIn] = {}
        wecom: dict[str, dict[str, Any]] = {}
        for spec in specs:
            own = corp_of(spec.code)
            standins[spec.code] = WeComStandIn(own["corp_id"], own["secret"])
            api = await stack.enter_async_context(TestServer(standins[spec.code].app(),
                                                             host="127.0.0.1"))
            base = str(api.make_url("")).rstrip("/")
            wecom[spec.code] = {**own, "api_base": base, "oauth_base": base}
        path = write_deployment(tmp_path / "deploy", pg_url, specs, wecom)
        port = free_port()
        serve_on(path, port)
        deployment = load_deployment(path)
        await prepare_schools(deployment, {"a": DEMO_ROSTER, "b": tmp_path / "roster-b"})

        http_only = ServiceProcess(path, tmp_path / "serve.log", port=port,
                                   args=("serve", "--no-workers"))
        workers = [ServiceProcess(path, tmp_path / f"worker-{k}.log", args=("worker",),
                                  ready="worker running") for k in (1, 2)]
        for process in (http_only, *workers):
            stack.push_async_callback(process.stop)
            await process.start()

        a, b = deployment.schools["a"], deployment.schools["b"]
        assert await post(http_only.url, a, "a", "帮助") == 200
        assert await post(http_only.url, b, "b", "取消") == 200
        await wait_for(standins["a"], "parent_zhang")
        await wait_for(standins["b"], "parent_zhang")
        await asyncio.sleep(QUIET_SECONDS)

        # each school's parent answered once, at their own school's WeCom
        [help_text] = texts_for(standins["a"], "parent_zhang")
        assert "【家长】" in help_text
        assert texts_for(standins["b"], "parent_zhang") == [texts.NOTHING_TO_CANCEL]
        assert await inbox_by_school(pg_url) == [("a", "done"), ("b", "done")]
    for standin in standins.values():
        assert standin.violations == []
