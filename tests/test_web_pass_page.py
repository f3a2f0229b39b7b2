"""The 放行码 page: the chat message links to it; it shows the pass and its live state to those
who may see it (guardians, the class's 班主任, 政教处, 校长) and refuses everyone else."""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from yarl import URL

from bot.simulator.oauth import Person
from tests.conftest import local
from tests.harness import FakeClock, Harness, prepare_database, running

START = local(2026, 11, 26, 8, 0)  # a Thursday in term
LINK = re.compile(r"查看放行码：(\S+)")
CODE = re.compile(r"放行码：([0-9A-Z]{4}-[0-9A-Z]{4})")


async def say(h: Harness, user: str, text: str) -> str:
    assert await h.say(user, text) == 200
    await h.drain()
    return h.last_text(user)


async def approved(h: Harness, parent: str, request: str, approver: str) -> tuple[str, str]:
    """Submit and approve a leave through chat: (the page's path, the code) from the message."""
    assert "回复「确认」" in await say(h, parent, request)
    number = re.search(r"单号(\d+)", await say(h, parent, "确认"))
    assert number
    assert "已批准" in await say(h, approver, f"批准 {number.group(1)}")
    return pass_link(h.last_text(parent))


def pass_link(text: str) -> tuple[str, str]:
    link, code = LINK.search(text), CODE.search(text)
    assert link and code, text
    url = URL(link.group(1))
    assert url.path.startswith("/h5/pass/")
    return url.path, code.group(1)


# ---- who may see a pass: one database, a copy per row ---------------------------------------

async def _build(url: str) -> tuple[str, str]:
    await prepare_database(url)
    async with running(url, FakeClock(START)) as h:
        return await approved(h, "parent_liu", "请假 刘洋 今天 病假 头疼", "teacher_li")


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, str]:
    path = tmp_path_factory.mktemp("pass_page") / "template.db"
    with ThreadPoolExecutor(1) as pool:  # its own event loop, away from the tests' loops
        page, code = pool.submit(asyncio.run, _build(f"sqlite+aiosqlite:///{path}")).result()
    return path, page, code


@pytest.fixture
async def copy(world: tuple[Path, str, str], tmp_path: Path) -> AsyncIterator[Harness]:
    path = world[0]
    for src in path.parent.glob(path.name + "*"):
        shutil.copy(src, tmp_path / src.name.replace(path.stem, "qingjia"))
    async with running(f"sqlite+aiosqlite:///{tmp_path / 'qingjia.db'}", FakeClock(START)) as h:
        h.standin.oauth.people += [Person("visitor_9", "访客", "member"),
                                   Person("parent_liu", "刘强", "parent"),
                                   Person("teacher_li", "家长李", "parent")]
        yield h


SEES, REFUSED = 200, 403


@pytest.mark.parametrize(("who", "kind", "status"), [
    ("parent_liu", "member", SEES),      # the child's guardian
    ("parent_liu", "parent", REFUSED),   # a 家校 parent whose id equals the member guardian's
    ("teacher_li", "member", SEES),      # 班主任 of 初一(1)班
    ("office_zhao", "member", SEES),     # 政教处
    ("principal_chen", "member", SEES),  # 校长
    ("teacher_wang", "member", REFUSED),  # 班主任 of another class
    ("parent_zhang", "member", REFUSED),  # a parent of another child of the same class
    ("guard_sun", "member", REFUSED),    # 门卫 check codes at the gate, not here
    ("admin_zhou", "member", REFUSED),   # 管理员
    ("visitor_9", "member", REFUSED),    # a member not in the roster
    ("teacher_li", "parent", REFUSED),   # a 家校 parent whose id equals the 班主任's
])
async def test_who_sees_the_pass(copy: Harness, world: tuple[Path, str, str], who: str,
                                 kind: str, status: int) -> None:
    _, page, code = world
    resp = await copy.sign_in(who, page, kind=kind)
    text = await resp.text()
    assert resp.status == status, text
    if status == SEES:
        assert "刘洋" in text and "初一(1)班" in text and code in text and "有效" in text
        assert "头疼" not in text  # the reason is for the approver only
    else:
        assert "无法查看这个放行码" in text
        for secret in ("刘洋", "初一(1)班", code, code.replace("-", ""), "/pass/", "病假"):
            assert secret not in text


async def test_the_message_link_opens_the_page_after_sign_in(copy: Harness,
                                                             world: tuple[Path, str, str]) -> None:
    _, page, code = world
    first = await copy.client.get(page, allow_redirects=False)
    assert first.status == 302 and "/connect/oauth2/authorize" in first.headers["Location"]
    resp = await copy.sign_in("parent_liu", page)
    assert resp.url.path == page and code in await resp.text()
    qr = re.search(r'<img class="qr" src="(/pass/[\w-]+\.png)"', await resp.text())
    assert qr
    image = await copy.client.get(qr.group(1))
    assert image.status == 200 and image.content_type == "image/png"


@pytest.mark.parametrize("token", ["not-a-token", "A" * 60])
async def test_an_unknown_token_is_not_found(copy: Harness, token: str) -> None:
    resp = await copy.sign_in("parent_liu", f"/h5/pass/{token}")
    assert resp.status == 404 and "没有这个放行码" in await resp.text()


# ---- the live state -------------------------------------------------------------------------

async def state_seen(h: Harness, page: str, who: str = "parent_liu") -> str:
    resp = await h.sign_in(who, page)
    assert resp.status == 200
    badge = re.search(r'<p id="pass-state" class="badge">(.+?)</p>', await resp.text())
    assert badge
    return badge.group(1)


async def test_valid_now(harness: Harness) -> None:
    page, _ = await approved(harness, "parent_liu", "请假 刘洋 今天 病假 头疼", "teacher_li")
    assert await state_seen(harness, page) == "有效"


async def test_not_yet_then_valid_when_the_leave_starts(harness: Harness) -> None:
    page, _ = await approved(harness, "parent_liu", "请假 刘洋 明天 事假 有事", "teacher_li")
    assert await state_seen(harness, page) == "未到时间"
    harness.clock.advance(days=1)  # the sign-in lapsed too: a day is its limit
    assert await state_seen(harness, page) == "有效"


async def test_used_once_the_guard_lets_the_child_out(harness: Harness) -> None:
    page, code = await approved(harness, "parent_liu", "请假 刘洋 今天 病假 头疼", "teacher_li")
    assert "已登记" in await say(harness, "guard_sun", f"放行 {code}")
    resp = await harness.sign_in("parent_liu", page)
    text = await resp.text()
    assert "已使用" in text and "已于 11月26日 08:00 离校" in text


async def test_withdrawn_by_the_parent(harness: Harness) -> None:
    page, _ = await approved(harness, "parent_liu", "请假 刘洋 明天 事假 有事", "teacher_li")
    number = re.search(r"单号(\d+)", harness.last_text("parent_liu"))
    assert number and "已撤销" in await say(harness, "parent_liu", f"撤销 {number.group(1)}")
    assert await state_seen(harness, page) == "已撤销"


async def test_expired_after_the_window(harness: Harness) -> None:
    page, _ = await approved(harness, "parent_liu", "请假 刘洋 今天 病假 头疼", "teacher_li")
    harness.clock.advance(days=1)
    assert await state_seen(harness, page) == "已过期"


async def test_a_temporary_leave_pass_is_seen_by_the_teacher_who_holds_it(
        harness: Harness) -> None:
    text = await say(harness, "teacher_li", "临时请假 刘洋 发烧 至 16:00")
    page, code = pass_link(text)
    resp = await harness.sign_in("teacher_li", page)
    body = await resp.text()
    assert resp.status == 200 and code in body and "临时请假" in body and "有效" in body
    harness.client.session.cookie_jar.clear()
    assert (await harness.sign_in("teacher_wang", page)).status == 403
