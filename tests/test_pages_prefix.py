"""The pages of a school below its path prefix, as a deployment of several schools serves them
(tests/schools.py): school a (the demo school, with the demo's invented weeks of history) at /s/a
and school b (the same userids, its own names, corp, key scope and rows) at /s/b, sub-apps of one
root app. Every href, src and action of the pages walked starts with the school's prefix, every
redirect stays under it, and a session of one school is no session at the other."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from yarl import URL

from bot import keys
from bot.simulator.history import seed_history
from bot.web.render import TEMPLATES
from bot.web.session import LOGIN_COOKIE, SESSION_COOKIE
from tests.harness import FakeClock, Harness
from tests.pages import csrf_of, hidden_fields, page, post_form
from tests.schools import SchoolSpec, corp_of, running_schools, school_b_roster

URLS = re.compile(r'\s(?:href|src|action|data-jsapi)="([^"]*)"')
LINK = re.compile(r"查看放行码：(\S+)")
CODE = re.compile(r"放行码：([0-9A-Z]{4}-[0-9A-Z]{4})")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100_000  # more than the 64 KiB of an ordinary form
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def specs(tmp_path: Path) -> list[SchoolSpec]:
    return [SchoolSpec("a", "示范中学"),
            SchoolSpec("b", "第二中学", roster=school_b_roster(tmp_path / "roster-b"))]


async def with_history(h: Harness) -> None:
    """The demo's invented weeks before today: a term for the console's charts and reports."""
    assert (await seed_history(h.db, h.config, h.app[keys.SCHOOL_ID], h.clock())).days > 20


@pytest.fixture
async def schools(sqlite_url: str, tmp_path: Path,
                  clock: FakeClock) -> AsyncIterator[dict[str, Harness]]:
    async with running_schools(sqlite_url, clock, tmp_path / "deploy", specs(tmp_path)) as s:
        await with_history(s["a"])
        yield s


def under(text: str, base: str) -> list[str]:
    """The page's URLs (there are some), each checked to stay in the school at `base`."""
    urls = URLS.findall(text)
    assert urls, text
    assert [u for u in urls if not u.startswith((base + "/", "#"))] == [], base
    return urls


def signed_out(h: Harness) -> None:
    h.client.session.cookie_jar.clear()


def cookie(h: Harness, name: str, path: str) -> str:
    """The value the client's jar would send for `name` to `path` ("" when none)."""
    found = h.client.session.cookie_jar.filter_cookies(h.client.make_url(path))
    return found[name].value if name in found else ""


async def test_a_parent_signs_in_asks_for_leave_and_finds_it_under_the_prefix(
        schools: dict[str, Harness]) -> None:
    a = schools["a"]
    resp = await a.client.get("/s/a/h5/leaves", allow_redirects=False)
    assert resp.status == 302
    authorize = URL(resp.headers["Location"])
    assert authorize.query["appid"] == corp_of("a")["corp_id"]
    assert authorize.query["redirect_uri"] == a.config.server.public_url + "/auth/callback"
    assert authorize.query["redirect_uri"].endswith("/s/a/auth/callback")
    assert resp.cookies[LOGIN_COOKIE]["path"] == "/s/a/auth/"

    home = await a.sign_in("parent_liu", "/s/a/h5/")
    text = await home.text()
    assert home.status == 200 and "您好，刘强" in text
    assert {"/s/a/h5/leave/new", "/s/a/h5/leaves", "/s/a/auth/signout"} <= set(under(text, "/s/a"))
    assert cookie(a, SESSION_COOKIE, "/s/a/h5/") and not cookie(a, SESSION_COOKIE, "/s/b/h5/")
    bare = await a.client.get("/s/a/h5", allow_redirects=False)
    assert bare.status == 301 and bare.headers["Location"] == "/s/a/h5/"

    status, form = await page(a, "parent_liu", "/s/a/h5/leave/new")
    assert status == 200 and 'action="/s/a/h5/leave/new"' in form
    under(form, "/s/a")
    resp = await post_form(a, "/s/a/h5/leave/new", {
        "csrf": csrf_of(form), "step": "check", "dates": "明天", "kind": "病假",
        "reason": "发烧，去医院"}, files={"photo": ("note.png", PNG, "image/png")})
    echo = await resp.text()
    assert resp.status == 200 and "请核对" in echo  # the photo's large body was let through
    under(echo, "/s/a")
    resp = await post_form(a, "/s/a/h5/leave/new", {**hidden_fields(echo), "step": "confirm"},
                           follow=False)
    assert resp.status == 303
    mine = URL(resp.headers["Location"])
    assert mine.path == "/s/a/h5/leaves" and mine.query["submitted"].isdigit()
    listing = await a.client.get(mine)
    text = await listing.text()
    assert f"单号{mine.query['submitted']}" in text and "待审批" in text
    assert f'action="/s/a/h5/leaves/{mine.query["submitted"]}/withdraw"' in text
    under(text, "/s/a")

    resp = await a.client.post("/s/a/auth/signout", data={"csrf": csrf_of(text)},
                               allow_redirects=False)
    assert resp.status == 302 and resp.headers["Location"] == "/s/a/auth/signed-out"
    assert resp.cookies[SESSION_COOKIE]["path"] == "/s/a/"
    assert not cookie(a, SESSION_COOKIE, "/s/a/h5/")


async def approved_pass(h: Harness) -> tuple[URL, str]:
    """张小红's 病假 today, asked and approved in chat: (the link in the message, the code)."""
    await h.say("parent_zhang", "请假 张小红 今天 病假 头疼")
    await h.drain()
    await h.say("parent_zhang", "确认")
    await h.drain()
    number = re.search(r"单号(\d+)", h.last_text("parent_zhang"))
    assert number, h.last_text("parent_zhang")
    await h.say("teacher_wang", f"批准 {number.group(1)}")
    await h.drain()
    text = h.last_text("parent_zhang")
    link, code = LINK.search(text), CODE.search(text)
    assert link and code, text
    return URL(link.group(1)), code.group(1)


async def test_the_pass_and_the_guards_gate_page_under_the_prefix(
        schools: dict[str, Harness]) -> None:
    a = schools["a"]
    link, code = await approved_pass(a)
    assert str(link).startswith(a.config.server.public_url + "/h5/pass/")  # the chat's link
    status, text = await page(a, "parent_zhang", link.path)
    assert status == 200 and "张小红" in text
    [qr] = [u for u in under(text, "/s/a") if u.endswith(".png")]
    image = await a.client.get(qr)
    assert image.status == 200 and image.content_type == "image/png"

    signed_out(a)
    status, text = await page(a, "guard_sun", "/s/a/h5/gate")
    assert status == 200 and "门岗核验" in text
    urls = under(text, "/s/a")
    assert "/s/a/assets/gate.js" in urls and "/s/a/h5/gate/jsapi" in urls
    script = await a.client.get("/s/a/assets/gate.js")
    assert script.status == 200 and "button.dataset.jsapi" in await script.text()
    # what gate.js asks of the data-jsapi address: the JS-SDK's signature for this page
    signature = await a.client.get("/s/a/h5/gate/jsapi",
                                   params={"url": a.config.server.public_url + "/h5/gate"})
    assert signature.status == 200 and len((await signature.json())["signature"]) == 40
    other = a.config.server.public_url.removesuffix("/s/a") + "/s/b/h5/gate"
    refused = await a.client.get("/s/a/h5/gate/jsapi", params={"url": other})
    assert refused.status == 403  # not a page of this school's
    resp = await post_form(a, "/s/a/h5/gate", {"csrf": csrf_of(text), "code": code,
                                                "action": "check"})
    text = await resp.text()
    assert resp.status == 200 and '<p class="verdict-word">可以放行</p>' in text
    assert 'action="/s/a/h5/gate"' in text
    under(text, "/s/a")


async def test_the_principals_console_and_a_download_under_the_prefix(
        schools: dict[str, Harness]) -> None:
    a = schools["a"]
    resp = await a.sign_in("principal_chen", "/s/a/admin/")
    text = await resp.text()
    assert resp.status == 200 and "今日" in text
    urls = under(text, "/s/a")
    assert {"/s/a/admin/", "/s/a/admin/term", "/s/a/admin/downloads"} <= set(urls)
    assert "/s/a/admin/today/unreported?class=1" in urls  # today's list behind a number
    bare = await a.client.get("/s/a/admin", allow_redirects=False)
    assert bare.status == 301 and bare.headers["Location"] == "/s/a/admin/"

    status, term = await page(a, "principal_chen", "/s/a/admin/term?from=2026-11-09")
    assert status == 200 and "<svg" in term
    under(term, "/s/a")
    status, downloads = await page(a, "principal_chen", "/s/a/admin/downloads")
    assert 'action="/s/a/admin/downloads/attendance"' in downloads
    under(downloads, "/s/a")
    resp = await a.client.post("/s/a/admin/downloads/attendance", data={
        "csrf": csrf_of(downloads), "from": "2026-11-09", "to": "2026-11-26", "class": ""})
    assert resp.status == 200 and resp.content_type == XLSX
    assert "attachment" in resp.headers["Content-Disposition"]
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
    assert (await resp.read())[:2] == b"PK"

    missing = await a.client.get("/s/a/admin/nothing-here")
    text = await missing.text()
    assert missing.status == 404 and "页面不存在" in text and 'href="/s/a/h5/"' in text


async def test_a_session_of_one_school_is_none_at_the_other(
        schools: dict[str, Harness]) -> None:
    a, b = schools["a"], schools["b"]
    await a.sign_in("parent_liu", "/s/a/h5/")
    session_a = cookie(a, SESSION_COOKIE, "/s/a/h5/")
    assert session_a
    # the browser does not send it there ...
    resp = await b.client.get("/s/b/h5/", allow_redirects=False)
    assert resp.status == 302
    assert URL(resp.headers["Location"]).query["appid"] == corp_of("b")["corp_id"]
    # ... and were it sent, school B's keys do not accept it (the same userid is in B's roster)
    resp = await b.client.get("/s/b/h5/", cookies={SESSION_COOKIE: session_a},
                              allow_redirects=False)
    assert resp.status == 302 and URL(resp.headers["Location"]).path.endswith("/authorize")
    assert (await a.client.get("/s/a/h5/", allow_redirects=False)).status == 200

    home = await b.sign_in("parent_liu", "/s/b/h5/leaves")
    text = await home.text()
    assert home.status == 200 and "第二中学" in text and "单号" not in text  # B's own rows
    under(text, "/s/b")
    assert cookie(b, SESSION_COOKIE, "/s/b/h5/") not in ("", session_a)


def test_every_url_a_template_writes_starts_with_the_schools_base() -> None:
    written = [(path.relative_to(TEMPLATES), url) for path in TEMPLATES.rglob("*.html")
               for url in URLS.findall(path.read_text(encoding="utf-8"))]
    assert len(written) > 40
    # a path of the school's, or a place on the same page (the console's 待审批 tile: #pending)
    assert [(p, u) for p, u in written if not u.startswith(("{{ base }}", "#"))] == []
