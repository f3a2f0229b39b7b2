"""Sign-in to the pages by WeCom OAuth through the stand-in: the redirect, the state, the code
exchange (members and 家校 parents), the session cookie, CSRF and the console's staff gate."""

from __future__ import annotations

import logging
import re
from http.cookies import SimpleCookie

import aiohttp
import pytest
from yarl import URL

from bot import keys
from bot.simulator.oauth import Person
from bot.web.gate import CSP
from tests.harness import Harness, make_family

WECHAT = ("Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 Chrome/120.0 Mobile "
          "MicroMessenger/8.0.47")


def cookies_of(resp: aiohttp.ClientResponse) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    for header in resp.headers.getall("Set-Cookie", []):
        jar.load(header)
    return jar


async def start(h: Harness, path: str = "/h5/", **headers: str) -> URL:
    """Open a page without a session: where it sends the browser."""
    resp = await h.client.get(path, allow_redirects=False, headers=headers)
    assert resp.status == 302, await resp.text()
    return URL(resp.headers["Location"])


async def choose(h: Harness, authorize: URL, who: str) -> URL:
    """Pick `who` on the stand-in's chooser; where WeCom sends the browser back."""
    async with aiohttp.ClientSession() as phone:
        page = await phone.get(authorize.with_fragment(None), allow_redirects=False)
        assert page.status == 200, await page.text()
        form = {**authorize.query, "who": who}
        back = await phone.post(authorize.with_query(None).with_fragment(None), data=form,
                                allow_redirects=False)
        assert back.status == 302, await back.text()
        return URL(back.headers["Location"])


async def test_a_page_without_a_session_goes_to_wecom_authorize(harness: Harness) -> None:
    resp = await harness.client.get("/h5/pass/sometoken", allow_redirects=False)
    assert resp.status == 302
    to = URL(resp.headers["Location"])
    assert str(to.origin()) == harness.config.wecom.oauth_base
    assert to.path == "/connect/oauth2/authorize" and to.fragment == "wechat_redirect"
    assert list(to.query) == ["appid", "redirect_uri", "response_type", "scope", "state",
                              "agentid"]
    assert to.query["appid"] == harness.config.wecom.corp_id
    assert to.query["redirect_uri"] == harness.config.server.public_url + "/auth/callback"
    assert to.query["response_type"] == "code" and to.query["scope"] == "snsapi_base"
    assert to.query["agentid"] == str(harness.config.wecom.agent_id)
    assert re.fullmatch(r"[a-zA-Z0-9]{1,128}", to.query["state"])
    login = cookies_of(resp)["qingjia_login"]
    assert login["httponly"] and login["samesite"] == "Lax" and login["path"] == "/auth/"
    assert "qingjia_session" not in cookies_of(resp)
    assert "sometoken" not in str(to)  # where to return is kept in the signed cookie


async def test_sign_in_sets_a_signed_httponly_day_long_session(harness: Harness) -> None:
    authorize = await start(harness, "/h5/")
    back = await choose(harness, authorize, "member.parent_zhang")
    assert back.query["state"] == authorize.query["state"] and back.query["code"]
    resp = await harness.client.get(back.path_qs, allow_redirects=False)
    assert resp.status == 302 and resp.headers["Location"] == "/h5/"
    session = cookies_of(resp)["qingjia_session"]
    assert session["httponly"] and session["samesite"] == "Lax" and session["path"] == "/"
    assert session["max-age"] == str(24 * 3600)
    page = await harness.client.get("/h5/")
    text = await page.text()
    assert page.status == 200 and "张伟" in text and "张小明" in text and "张小红" in text


async def test_the_session_lasts_a_day_by_the_apps_clock(harness: Harness) -> None:
    assert (await harness.sign_in("parent_zhang")).status == 200
    harness.clock.advance(hours=23, minutes=59)
    assert (await harness.client.get("/h5/", allow_redirects=False)).status == 200
    harness.clock.advance(minutes=1)
    assert (await harness.client.get("/h5/", allow_redirects=False)).status == 302


async def test_a_tampered_session_cookie_is_no_session(harness: Harness) -> None:
    assert (await harness.sign_in("parent_zhang")).status == 200
    value = harness.client.session.cookie_jar.filter_cookies(
        harness.client.make_url("/"))["qingjia_session"].value
    body, mac = value.split(".")
    forged = body[:5] + ("A" if body[5] != "A" else "B") + body[6:] + "." + mac
    jar = harness.client.session.cookie_jar
    jar.clear()
    jar.update_cookies({"qingjia_session": forged}, response_url=harness.client.make_url("/"))
    assert (await harness.client.get("/h5/", allow_redirects=False)).status == 302


async def test_a_callback_with_another_state_is_refused(harness: Harness) -> None:
    authorize = await start(harness)
    back = await choose(harness, authorize, "member.parent_zhang")
    forged = back.update_query(state="0" * 32)
    resp = await harness.client.get(forged.path_qs, allow_redirects=False)
    assert resp.status == 400 and "登录请求无效" in await resp.text()
    assert "qingjia_session" not in cookies_of(resp)
    assert (await harness.client.get("/h5/", allow_redirects=False)).status == 302


async def test_a_callback_nobody_started_is_refused(harness: Harness) -> None:
    resp = await harness.client.get("/auth/callback?code=abc&state=abc", allow_redirects=False)
    assert resp.status == 400 and "登录已过期" in await resp.text()
    assert "qingjia_session" not in cookies_of(resp)


async def test_a_code_older_than_five_minutes_signs_nobody_in(harness: Harness) -> None:
    back = await choose(harness, await start(harness), "member.parent_zhang")
    harness.clock.advance(minutes=5, seconds=1)
    resp = await harness.client.get(back.path_qs, allow_redirects=False)
    assert resp.status == 400 and "登录链接已失效" in await resp.text()
    assert "qingjia_session" not in cookies_of(resp)


async def test_wecom_down_during_the_exchange_says_try_later(harness: Harness) -> None:
    back = await choose(harness, await start(harness), "member.parent_zhang")
    harness.standin.fail_for(60, ["errcode-1"])
    resp = await harness.client.get(back.path_qs, allow_redirects=False)
    assert resp.status == 503 and "暂时无法登录" in await resp.text()


async def test_a_school_parent_from_a_desktop_browser_takes_a_second_round(
        harness: Harness) -> None:
    await make_family(harness.db, harness.app[keys.SCHOOL_ID], "parent_liu")
    first = await start(harness)
    assert "agentid" in first.query
    back = await choose(harness, first, "parent.parent_liu")
    resp = await harness.client.get(back.path_qs, allow_redirects=False)
    assert resp.status == 302  # auth/getuserinfo answered an openid: ask again, 家校 this time
    second = URL(resp.headers["Location"])
    assert second.path == "/connect/oauth2/authorize" and "agentid" not in second.query
    assert second.query["state"] != first.query["state"]
    resp = await harness.client.get((await choose(harness, second, "parent.parent_liu")).path_qs,
                                    allow_redirects=False)
    assert resp.status == 302 and resp.headers["Location"] == "/h5/"
    text = await (await harness.client.get("/h5/")).text()
    assert "刘洋" in text and "家长" in text


async def test_wechats_browser_starts_with_the_school_directory(harness: Harness) -> None:
    harness.standin.oauth.people.append(Person("parent_liu", "刘强", "parent"))
    authorize = await start(harness, "/h5/", **{"User-Agent": WECHAT})
    assert "agentid" not in authorize.query
    back = await choose(harness, authorize, "parent.parent_liu")
    resp = await harness.client.get(back.path_qs, allow_redirects=False)
    assert resp.status == 302 and resp.headers["Location"] == "/h5/"


async def test_a_school_parent_never_gets_a_members_staff_roles(harness: Harness) -> None:
    # A 家校 parent_userid may equal a member's userid: it is another person.
    # teacher_li is also a member guardian (of 杨子涵): their child is not the 家校 parent's.
    harness.standin.oauth.people.append(Person("teacher_li", "家长李", "parent"))
    page = await harness.sign_in("teacher_li", "/h5/", kind="parent")
    text = await page.text()
    assert page.status == 200 and "杨子涵" not in text
    assert "班主任" not in text and "初一(1)班" not in text
    resp = await harness.client.get("/admin/", allow_redirects=False)
    assert resp.status == 403 and "教职工" in await resp.text()


async def test_someone_in_neither_directory_is_refused_after_two_rounds(
        harness: Harness) -> None:
    harness.standin.oauth.people.append(Person("passer_by", "路人", "visitor"))
    resp = await harness.sign_in("passer_by", "/h5/", kind="visitor")
    assert resp.status == 403 and "无法确认您的身份" in await resp.text()
    assert (await harness.client.get("/h5/", allow_redirects=False)).status == 302


async def test_a_school_parent_the_roster_does_not_know_sees_nothing(harness: Harness) -> None:
    harness.standin.oauth.people.append(Person("parent_new", "新家长", "parent"))
    resp = await harness.sign_in("parent_new", "/h5/", kind="parent")
    text = await resp.text()
    assert resp.status == 200 and "名册中没有您的身份" in text and "张小明" not in text


@pytest.mark.parametrize(("who", "status", "seen"), [
    ("office_zhao", 200, "今日"),        # today's picture (bot/web/console/)
    ("admin_zhou", 200, "报表下载"),     # the first console page a 管理员 has
    ("teacher_li", 200, "初一(1)班"),
    ("guard_sun", 403, "门卫的核验和放行在企业微信里进行"),
    ("parent_zhang", 403, "教职工"),
    ("visitor_9", 403, "教职工"),
])
async def test_the_console_is_for_staff_members(harness: Harness, who: str, status: int,
                                                seen: str) -> None:
    harness.standin.oauth.people.append(Person("visitor_9", "访客", "member"))
    resp = await harness.sign_in(who, "/admin/")
    text = await resp.text()
    assert resp.status == status and seen in text
    if status == 200:
        assert "管理后台" in text and "家长" not in text


async def test_the_console_never_tries_the_school_directory(harness: Harness) -> None:
    harness.standin.oauth.people.append(Person("parent_liu", "刘强", "parent"))
    authorize = await start(harness, "/admin/", **{"User-Agent": WECHAT})
    assert "agentid" in authorize.query
    back = await choose(harness, authorize, "parent.parent_liu")
    resp = await harness.client.get(back.path_qs, allow_redirects=False)
    assert resp.status == 403 and "企业微信成员" in await resp.text()


async def test_sign_out_needs_the_forms_csrf_token(harness: Harness) -> None:
    page = await harness.sign_in("parent_zhang")
    token = re.search(r'name="csrf" value="([0-9a-f]{32})"', await page.text())
    assert token
    for data, headers in (({}, {}), ({"csrf": "0" * 32}, {}),
                          ({"csrf": token.group(1)}, {"Origin": "https://evil.example"})):
        resp = await harness.client.post("/auth/signout", data=data, headers=headers,
                                         allow_redirects=False)
        assert resp.status == 403
        assert (await harness.client.get("/h5/", allow_redirects=False)).status == 200
    resp = await harness.client.post("/auth/signout", data={"csrf": token.group(1)},
                                     allow_redirects=False)
    assert resp.status == 302 and resp.headers["Location"] == "/auth/signed-out"
    assert (await harness.client.get("/h5/", allow_redirects=False)).status == 302


async def test_a_post_without_a_session_is_refused(harness: Harness) -> None:
    resp = await harness.client.post("/auth/signout", data={"csrf": "x"}, allow_redirects=False)
    assert resp.status == 403 and "登录已过期" in await resp.text()


async def test_pages_carry_a_strict_policy_and_no_third_party_origin(harness: Harness) -> None:
    for resp in (await harness.sign_in("parent_zhang"),
                 await harness.client.get("/auth/callback"),
                 await harness.client.get("/h5/no-such-page")):
        assert resp.headers["Content-Security-Policy"] == CSP
        assert resp.headers["X-Content-Type-Options"] == "nosniff"
        assert resp.headers["Referrer-Policy"] == "same-origin"
        assert "no-store" in resp.headers["Cache-Control"]
        text = await resp.text()
        assert "http://" not in text and "https://" not in text
    assert "http" not in CSP and "unsafe" not in CSP and "*" not in CSP
    missing = await harness.client.get("/h5/no-such-page")
    assert missing.status == 404 and "页面不存在" in await missing.text()
    css = await harness.client.get(re.search(r'href="(/assets/site\.css\?v=\w+)"',
                                             await (await harness.client.get("/h5/")).text())
                                   .group(1))  # type: ignore[union-attr]
    assert css.status == 200 and css.content_type == "text/css"


async def test_sign_in_logs_ids_never_names_or_codes(harness: Harness,
                                                     caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    back = await choose(harness, await start(harness), "member.parent_zhang")
    resp = await harness.client.get(back.path_qs)
    assert resp.status == 200
    ours = "\n".join(r.getMessage() for r in caplog.records if r.name.startswith("qingjia"))
    assert "web sign-in userid=parent_zhang kind=member" in ours
    assert "张伟" not in ours and "张小明" not in ours and back.query["code"] not in ours
