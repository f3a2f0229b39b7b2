"""The stand-in's web sign-in: WeCom's authorize page and the one-time codes it issues.

`GET /connect/oauth2/authorize` checks its parameters as WeCom documents them (appid is the
corp id, response_type=code, scope, a state of at most 128 letters and digits, the redirect_uri on
the app's trusted domain, the agentid of the app). The simulated phone knows who holds it (a
cookie the chooser or the console sets): then it redirects straight back with a code, as WeCom's
silent snsapi_base does; else it shows a chooser of the people it knows. A code works once and
lapses after 5 minutes by the stand-in's clock.
"""

from __future__ import annotations

import hashlib
import html
import re
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from aiohttp import web
from multidict import MultiMapping
from yarl import URL

AUTHORIZE_PATH = "/connect/oauth2/authorize"
CODE_SECONDS = 300
WHO_COOKIE = "wecom_standin_who"
_STATE = re.compile(r"[a-zA-Z0-9]{0,128}")
Kind = Literal["member", "parent", "visitor"]  # visitor: a WeChat user in neither directory


@dataclass(frozen=True)
class Person:
    """Someone the stand-in can sign in: a member (userid), a 家校 parent (parent_userid) or a
    visitor (anyone else who opened the link in WeChat)."""

    userid: str
    name: str
    kind: Kind = "member"
    note: str = ""  # shown in the chooser, e.g. the roles

    @property
    def who(self) -> str:
        return f"{self.kind}.{self.userid}"


@dataclass(frozen=True)
class Grant:
    person: Person
    expires: float


class OAuthDesk:
    """Issues and redeems sign-in codes for one corp and app."""

    def __init__(self, corp_id: str, clock: Callable[[], float], *, agent_id: int | None = None,
                 trusted_domain: str | None = None) -> None:
        self.corp_id = corp_id
        self.agent_id = agent_id
        self.trusted_domain = trusted_domain
        self._clock = clock
        self.people: list[Person] = []  # known besides what `directory` answers
        self.directory: Callable[[], Awaitable[list[Person]]] | None = None
        self._grants: dict[str, Grant] = {}

    def routes(self) -> list[web.RouteDef]:
        return [web.get(AUTHORIZE_PATH, self._authorize),
                web.post(AUTHORIZE_PATH, self._chosen)]

    async def everyone(self) -> list[Person]:
        found = list(await self.directory()) if self.directory is not None else []
        return found + [p for p in self.people if p not in found]

    def redeem(self, code: str) -> Person | None:
        """The person a code was issued to; a code works once and only within 5 minutes."""
        grant = self._grants.pop(code, None)
        if grant is None or self._clock() >= grant.expires:
            return None
        return grant.person

    def issue(self, person: Person) -> str:
        code = secrets.token_urlsafe(48)
        now = self._clock()
        self._grants = {c: g for c, g in self._grants.items() if g.expires > now}
        self._grants[code] = Grant(person, now + CODE_SECONDS)
        return code

    def remember(self, response: web.StreamResponse, person: Person) -> None:
        """The simulated phone now belongs to `person` (silent sign-in from then on)."""
        response.set_cookie(WHO_COOKIE, person.who, path="/connect/", httponly=True,
                            samesite="Lax")

    # ---- handlers -----------------------------------------------------------------------

    async def _authorize(self, request: web.Request) -> web.StreamResponse:
        params = request.query
        if (error := self._invalid(params)) is not None:
            return _error_page(error)
        people = await self.everyone()
        holder = next((p for p in people if p.who == request.cookies.get(WHO_COOKIE)), None)
        if holder is not None:
            return self._back(params, holder)
        return web.Response(text=_chooser(params, people), content_type="text/html")

    async def _chosen(self, request: web.Request) -> web.StreamResponse:
        form = await request.post()
        params = {k: v for k, v in form.items() if isinstance(v, str)}
        if (error := self._invalid(params)) is not None:
            return _error_page(error)
        person = next((p for p in await self.everyone() if p.who == params.get("who")), None)
        if person is None:
            return _error_page("没有这个人")
        response = self._back(params, person)
        self.remember(response, person)
        return response

    def _back(self, params: MultiMapping[str] | dict[str, str], person: Person) -> web.Response:
        target = URL(params["redirect_uri"]).update_query(code=self.issue(person),
                                                          state=params.get("state", ""))
        return web.Response(status=302, headers={"Location": str(target)})

    def _invalid(self, params: MultiMapping[str] | dict[str, str]) -> str | None:
        """What is wrong with an authorize request, as WeCom would refuse it; None if nothing."""
        if params.get("appid") != self.corp_id:
            return "appid 参数错误"
        if params.get("response_type") != "code":
            return "response_type 参数错误"
        scope = params.get("scope")
        if scope not in ("snsapi_base", "snsapi_privateinfo"):
            return "scope 参数错误"
        agentid = params.get("agentid")
        if scope == "snsapi_privateinfo" and not agentid:
            return "agentid 参数错误"
        if agentid and self.agent_id is not None and agentid != str(self.agent_id):
            return "agentid 参数错误"
        if not _STATE.fullmatch(params.get("state", "")):
            return "state 参数错误"
        redirect = urlsplit(params.get("redirect_uri", ""))
        if redirect.scheme not in ("http", "https") or not redirect.hostname:
            return "redirect_uri 参数错误"
        if self.trusted_domain and not _trusted(redirect.netloc, redirect.hostname,
                                                self.trusted_domain):
            return "redirect_uri 需使用应用可信域名"
        return None


def openid_of(corp_id: str, person: Person) -> str:
    """A non-member's stable openid for this corp (what auth/getuserinfo answers for them)."""
    return "o" + hashlib.sha256(f"{corp_id}:{person.who}".encode()).hexdigest()[:27]


def _trusted(netloc: str, hostname: str, domain: str) -> bool:
    """The host matches the trusted domain; its port too when the domain names one."""
    return netloc == domain if ":" in domain else hostname == domain


def _error_page(reason: str) -> web.Response:
    return web.Response(status=400, content_type="text/html", text=(
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>出错了</title></head><body><h1>出错了</h1><p>{html.escape(reason)}</p>"
        "</body></html>"))


def _chooser(params: MultiMapping[str] | dict[str, str], people: list[Person]) -> str:
    """The simulator's stand-in for "who holds this phone": one button per person."""
    keep = "".join(f'<input type="hidden" name="{k}" value="{html.escape(params[k])}">'
                   for k in ("appid", "redirect_uri", "response_type", "scope", "state",
                             "agentid") if k in params)
    groups = []
    for kind, title in (("member", "企业微信成员"), ("parent", "家校通讯录家长（微信）"),
                        ("visitor", "其他微信用户")):
        buttons = "".join(
            f'<button type="submit" name="who" value="{html.escape(p.who)}">'
            f'<b>{html.escape(p.name)}</b><small>{html.escape(p.note)} · '
            f'{html.escape(p.userid)}</small></button>'
            for p in people if p.kind == kind)
        if buttons:
            groups.append(f"<h2>{title}</h2>{buttons}")
    body = "".join(groups) or "<p>名册是空的。</p>"
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>企业微信登录（模拟）</title><style>"
        "body{margin:0;font:16px/1.5 -apple-system,'PingFang SC','Noto Sans CJK SC',sans-serif;"
        "background:#f2f3f5;color:#1f2329}header{padding:12px 16px;background:#07c160;"
        "color:#fff;font-weight:600}main{max-width:560px;margin:0 auto;padding:8px 12px 24px}"
        "h2{font-size:14px;color:#646a73;margin:16px 4px 6px}"
        "button{display:flex;flex-direction:column;align-items:flex-start;width:100%;"
        "margin:0 0 6px;padding:10px 14px;border:1px solid #e4e6ea;border-radius:8px;"
        "background:#fff;font:inherit;text-align:left;cursor:pointer}"
        "small{color:#8f959e;font-size:12px}</style></head><body>"
        "<header>企业微信登录（本地模拟）</header><main>"
        "<p>这是本地模拟器：请选择以谁的身份打开页面。真实的企业微信会直接识别手机上的用户。</p>"
        f'<form method="post" action="{AUTHORIZE_PATH}">{keep}{body}</form>'
        "</main></body></html>")
