"""The 门卫's page (/h5/gate): a code typed, the verdict with name, class, window and approver,
放行 once, 返校; wrong codes lock as in chat; only 门卫; the JS-SDK's signature made here."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select
from yarl import URL

from bot.web.gate import CSP
from models.leave import Leave
from tests.harness import Harness
from tests.pages import csrf_of, page, post_form
from tests.test_web_pass_page import approved

GATE = "/h5/gate"


async def gate(h: Harness, code: str, action: str = "check") -> tuple[int, str]:
    status, form = await page(h, "guard_sun", GATE)
    assert status == 200, form
    resp = await post_form(h, GATE, {"csrf": csrf_of(form), "code": code, "action": action})
    return resp.status, await resp.text()


def verdict(text: str) -> str:
    found = re.search(r'<p class="verdict-word">(.+?)</p>', text)
    assert found, text
    return found.group(1)


async def the_leave(h: Harness) -> Leave:
    async with h.db.read() as session:
        leave = await session.scalar(select(Leave))
        assert leave is not None
        return leave


async def test_the_guard_lets_the_child_out_once_and_registers_the_return(
        harness: Harness) -> None:
    _, code = await approved(harness, "parent_liu", "请假 刘洋 今天 病假 头疼", "teacher_li")
    status, text = await gate(harness, code.lower().replace("-", ""))  # as a guard may type it
    assert status == 200 and verdict(text) == "可以放行"
    assert "刘洋" in text and "初一(1)班" in text and "李静" in text and "病假" in text
    assert 'value="out"' in text

    status, text = await gate(harness, code, "out")
    assert "已登记：刘洋 08:00 离校。" in text and verdict(text) == "不能放行"
    assert "已使用过" in text and 'value="back"' in text
    assert (await the_leave(harness)).exited_at is not None
    await harness.drain()
    assert "刘洋已于 08:00 离校" in harness.last_text("parent_liu")

    status, text = await gate(harness, code, "out")  # the second time: refused
    assert "不能放行" in text and "已登记" not in text

    harness.clock.advance(hours=3)
    status, text = await gate(harness, code, "back")
    assert "已登记：刘洋 11:00 返校，已销假。" in text
    assert (await the_leave(harness)).status == "returned"
    assert 'value="back"' not in text and 'value="out"' not in text


async def test_wrong_codes_are_refused_and_the_office_told_never_locked(
        harness: Harness) -> None:
    for _ in range(4):
        status, text = await gate(harness, "AAAA-BBBB")
        assert status == 400 and "放行码无效，请核对后重试。" in text
        assert 'value="AAAA-BBBB"' in text  # kept for correcting
    status, text = await gate(harness, "AAAA-BBBB")
    assert status == 400 and "已输错5次，已告知政教处" in text and "暂停" not in text
    await harness.drain()
    assert "输错放行码5次" in harness.last_text("office_zhao")
    _, code = await approved(harness, "parent_liu", "请假 刘洋 今天 病假 头疼", "teacher_li")
    status, text = await gate(harness, code)  # a valid pass right after: still accepted
    assert status == 200 and "刘洋" in text


async def test_only_guards(harness: Harness) -> None:
    _, code = await approved(harness, "parent_liu", "请假 刘洋 今天 病假 头疼", "teacher_li")
    for who in ("parent_liu", "teacher_li", "office_zhao"):
        harness.client.session.cookie_jar.clear()
        status, text = await page(harness, who, GATE)
        assert status == 403 and "仅供门卫使用" in text
        resp = await post_form(harness, GATE, {"csrf": csrf_of(text), "code": code,
                                               "action": "out"})
        assert resp.status == 403 and "刘洋" not in await resp.text()
        resp = await harness.client.get(f"{GATE}/jsapi?url=http://localhost:8080{GATE}")
        assert resp.status == 403
    assert (await the_leave(harness)).exited_at is None


async def test_the_page_loads_nothing_from_another_origin(harness: Harness) -> None:
    status, text = await page(harness, "guard_sun", GATE)
    assert status == 200
    resp = await harness.client.get(GATE)
    assert resp.headers["Content-Security-Policy"] == CSP and "http" not in CSP
    scripts = re.findall(r'<script src="([^"]+)"', text)
    assert scripts == ["/assets/vendor/wecom-jssdk-2.4.4.min.js", "/assets/gate.js"]
    for src in scripts:
        asset = await harness.client.get(src)
        assert asset.status == 200 and len(await asset.read()) > 500


async def test_the_jssdk_signature_is_made_here_from_a_cached_ticket(harness: Harness) -> None:
    await page(harness, "guard_sun", GATE)
    public = URL(harness.config.server.public_url)
    url = str(public.with_path(GATE))
    answers = []
    for _ in range(2):
        resp = await harness.client.get(f"{GATE}/jsapi", params={"url": url + "#top"})
        assert resp.status == 200
        answers.append(await resp.json())
    [ticket] = harness.standin.jsapi_tickets  # fetched once, then cached
    for answer in answers:
        plain = (f"jsapi_ticket={ticket}&noncestr={answer['nonceStr']}"
                 f"&timestamp={answer['timestamp']}&url={url}")
        assert answer["signature"] == hashlib.sha1(plain.encode()).hexdigest()
        assert answer["timestamp"] == int(harness.clock().timestamp())
    for other in ("https://evil.example/h5/gate", "/h5/gate", ""):
        foreign = await harness.client.get(f"{GATE}/jsapi", params={"url": other})
        assert foreign.status == 403
