"""The stand-in's web sign-in is as strict as WeCom documents it: the authorize parameters, the
trusted domain, one-time codes that lapse after 5 minutes, and the two identity answers; our
client reads those answers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from yarl import URL

from bot.config import WeComConfig
from bot.simulator.oauth import AUTHORIZE_PATH, Person
from bot.simulator.standin import WeComStandIn
from bot.wecom_client import WeComClient, WeComError

CORP, SECRET, AGENT = "ww-test-corp", "s3cret", 1000002
BACK = "http://school.example/auth/callback"
GOOD = {"appid": CORP, "redirect_uri": BACK, "response_type": "code", "scope": "snsapi_base",
        "state": "abc123", "agentid": str(AGENT)}


class Clock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def wecom(clock: Clock) -> AsyncIterator[tuple[WeComStandIn, str]]:
    standin = WeComStandIn(CORP, SECRET, clock=clock, agent_id=AGENT,
                           trusted_domain="school.example")
    standin.oauth.people += [Person("t1", "老师甲", "member", "班主任"),
                             Person("p1", "家长乙", "parent"),
                             Person("v1", "路人丙", "visitor")]
    async with TestServer(standin.app(), host="127.0.0.1") as server:
        yield standin, str(server.make_url("")).rstrip("/")


@pytest.fixture
async def client(wecom: tuple[WeComStandIn, str]) -> AsyncIterator[WeComClient]:
    config = WeComConfig(corp_id=CORP, agent_id=AGENT, secret=SECRET, token="t",
                         encoding_aes_key="x" * 43, api_base=wecom[1])
    async with aiohttp.ClientSession() as http:
        yield WeComClient(http, config)


async def code_for(base: str, who: str, **params: str) -> str:
    """Choose `who` on the chooser; the code in the redirect back."""
    async with aiohttp.ClientSession() as phone:
        resp = await phone.post(base + AUTHORIZE_PATH, data={**GOOD, **params, "who": who},
                                allow_redirects=False)
        assert resp.status == 302, await resp.text()
        back = URL(resp.headers["Location"])
        assert str(back.with_query(None)) == BACK and back.query["state"] == GOOD["state"]
        return back.query["code"]


@pytest.mark.parametrize(("change", "why"), [
    ({"appid": "ww-other"}, "appid"),
    ({"response_type": "token"}, "response_type"),
    ({"scope": "snsapi_userinfo"}, "scope"),
    ({"scope": "snsapi_privateinfo", "agentid": ""}, "agentid"),
    ({"agentid": "1000003"}, "agentid"),
    ({"state": "has-dash"}, "state"),
    ({"state": "a" * 129}, "state"),
    ({"redirect_uri": "http://evil.example/auth/callback"}, "可信域名"),
    ({"redirect_uri": "/auth/callback"}, "redirect_uri"),
    ({"redirect_uri": "javascript:alert(1)"}, "redirect_uri"),
])
async def test_authorize_refuses_what_wecom_refuses(wecom: tuple[WeComStandIn, str],
                                                    change: dict[str, str], why: str) -> None:
    params = {k: v for k, v in {**GOOD, **change}.items() if v}
    async with aiohttp.ClientSession() as phone:
        page = await phone.get(f"{wecom[1]}{AUTHORIZE_PATH}?{urlencode(params)}",
                               allow_redirects=False)
        assert page.status == 400 and why in await page.text()
        chosen = await phone.post(wecom[1] + AUTHORIZE_PATH, data={**params, "who": "member.t1"},
                                  allow_redirects=False)
        assert chosen.status == 400


async def test_the_chooser_lists_people_escaped_and_then_signs_in_silently(
        wecom: tuple[WeComStandIn, str]) -> None:
    standin, base = wecom
    standin.oauth.people.append(Person("x1", "<b>坏</b>", "member"))
    url = f"{base}{AUTHORIZE_PATH}?{urlencode(GOOD)}"
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as phone:
        page = await (await phone.get(url, allow_redirects=False)).text()
        assert "老师甲" in page and "家长乙" in page and "&lt;b&gt;坏" in page
        assert "<b>坏" not in page
        await phone.post(base + AUTHORIZE_PATH, data={**GOOD, "who": "member.t1"},
                         allow_redirects=False)
        again = await phone.get(url, allow_redirects=False)  # the phone is t1's now
        assert again.status == 302 and URL(again.headers["Location"]).query["code"]


async def test_a_code_names_the_member_once(wecom: tuple[WeComStandIn, str],
                                            client: WeComClient) -> None:
    code = await code_for(wecom[1], "member.t1")
    user = await client.oauth_user(code)
    assert user.userid == "t1" and user.openid is None
    with pytest.raises(WeComError) as failed:
        await client.oauth_user(code)
    assert failed.value.errcode == 40029 and not failed.value.retryable


async def test_a_code_lapses_after_five_minutes(wecom: tuple[WeComStandIn, str], clock: Clock,
                                                client: WeComClient) -> None:
    fresh, stale = await code_for(wecom[1], "member.t1"), await code_for(wecom[1], "member.t1")
    clock.now += 299
    assert (await client.oauth_user(fresh)).userid == "t1"
    clock.now += 1
    with pytest.raises(WeComError) as failed:
        await client.oauth_user(stale)
    assert failed.value.errcode == 40029


async def test_a_school_parent_is_no_member_but_has_a_parent_userid(
        wecom: tuple[WeComStandIn, str], client: WeComClient) -> None:
    user = await client.oauth_user(await code_for(wecom[1], "parent.p1"))
    assert user.userid is None and user.openid and "p1" not in user.openid
    school = await client.school_user(await code_for(wecom[1], "parent.p1", agentid=""))
    assert school.parent_userid == "p1" and school.student_userid is None


async def test_the_school_answer_names_nobody_else(wecom: tuple[WeComStandIn, str],
                                                   client: WeComClient) -> None:
    for who in ("member.t1", "visitor.v1"):
        school = await client.school_user(await code_for(wecom[1], who))
        assert school.parent_userid is None and school.student_userid is None
    visitor = await client.oauth_user(await code_for(wecom[1], "visitor.v1"))
    assert visitor.userid is None and visitor.openid


@pytest.mark.parametrize(("query", "errcode"), [
    ({"code": "x"}, 41001),
    ({"access_token": "nope", "code": "x"}, 40014),
])
async def test_the_identity_calls_check_the_token(wecom: tuple[WeComStandIn, str],
                                                  query: dict[str, str], errcode: int) -> None:
    async with aiohttp.ClientSession() as http:
        for path in ("/cgi-bin/auth/getuserinfo", "/cgi-bin/school/getuserinfo"):
            data = await (await http.get(wecom[1] + path, params=query)).json()
            assert data["errcode"] == errcode


async def test_a_missing_code_is_41008(wecom: tuple[WeComStandIn, str],
                                       client: WeComClient) -> None:
    with pytest.raises(WeComError) as failed:
        await client.oauth_user("")
    assert failed.value.errcode == 41008
