"""Sign-in by WeCom OAuth, one implementation for the pages (/h5/) and the console (/admin/).

A page without a session redirects to WeCom's authorize URL with a fresh `state`, kept in a
signed, short-lived cookie; the callback checks it (the login's CSRF guard), exchanges the `code`
(`auth/getuserinfo` for members, `school/getuserinfo` for 家校 parents) and sets the day-long
session cookie. The first exchange is chosen by the browser (WeChat's own browser carries 家校
parents, WeCom's carries members); a code that names nobody of that kind starts one more round
with the other, unless only members may sign in (the console).
"""

from __future__ import annotations

import hmac
import logging
from urllib.parse import urlencode

from aiohttp import web

from bot import keys
from bot.config import Config
from bot.web import paths
from bot.web.render import message
from bot.web.session import (
    FLOW_MEMBER,
    FLOW_SCHOOL,
    LOGIN_COOKIE,
    MEMBER,
    SCHOOL_PARENT,
    SESSION_COOKIE,
    Attempt,
    Identity,
    decode_attempt,
    encode_attempt,
    encode_identity,
    new_attempt,
    new_identity,
)
from bot.web.viewer import identity_of
from bot.wecom_client import WeComError

log = logging.getLogger("qingjia.web")
routes = web.RouteTableDef()

AUTH = "/auth/"  # the sign-in attempt's cookie is sent here only
CALLBACK = AUTH + "callback"
SIGN_OUT = AUTH + "signout"
SIGNED_OUT = AUTH + "signed-out"
HOME = "/h5/"
LOGIN_SECONDS = 600
MAX_TRIES = 2
MAX_USERID_CHARS = 64


def authorize_url(config: Config, state: str, flow: str) -> str:
    """WeCom's authorize URL; the 家校 form carries no agentid (as WeCom documents it)."""
    w = config.wecom
    params = [("appid", w.corp_id), ("redirect_uri", config.server.public_url + CALLBACK),
              ("response_type", "code"), ("scope", "snsapi_base"), ("state", state)]
    if flow == FLOW_MEMBER:
        params.append(("agentid", str(w.agent_id)))
    return f"{w.oauth_base}/connect/oauth2/authorize?{urlencode(params)}#wechat_redirect"


def first_flow(user_agent: str, *, members_only: bool) -> str:
    """WeChat's own browser (not WeCom's) carries 家校 parents; any other starts as a member."""
    agent = user_agent.lower()
    if not members_only and "micromessenger" in agent and "wxwork" not in agent:
        return FLOW_SCHOOL
    return FLOW_MEMBER


def safe_next(path: str) -> str:
    """Only our own pages are places to return to after sign-in (paths within the school)."""
    if path.startswith(("/h5/", "/admin/")) and "//" not in path and "\\" not in path:
        return path
    return HOME


def start(request: web.Request, *, members_only: bool) -> web.Response:
    """Send the browser to WeCom to sign in, then back to the page it asked for."""
    flow = first_flow(request.headers.get("User-Agent", ""), members_only=members_only)
    attempt = new_attempt(safe_next(paths.within_qs(request)), flow, now_seconds(request),
                          members_only=members_only, ttl=LOGIN_SECONDS)
    return _to_wecom(request, attempt)


def now_seconds(request: web.Request) -> int:
    return int(request.app[keys.CLOCK]().timestamp())


def secure_cookies(config: Config) -> bool:
    return config.server.public_url.startswith("https://")


def _to_wecom(request: web.Request, attempt: Attempt) -> web.Response:
    config = request.app[keys.CONFIG]
    response = web.Response(status=302, headers={
        "Location": authorize_url(config, attempt.state, attempt.flow)})
    response.set_cookie(LOGIN_COOKIE, encode_attempt(attempt, config.security.derive("web-login")),
                        max_age=LOGIN_SECONDS, path=paths.to(request, AUTH), httponly=True,
                        samesite="Lax", secure=secure_cookies(config))
    return response


@routes.get(CALLBACK)
async def callback(request: web.Request) -> web.Response:
    """WeCom sends the browser back here with `code` and `state`."""
    config = request.app[keys.CONFIG]
    now = now_seconds(request)
    attempt = decode_attempt(request.cookies.get(LOGIN_COOKIE),
                             config.security.derive("web-login"), now)
    if attempt is None:
        return message(request, 400, "登录已过期", "登录没有在10分钟内完成，请重新打开页面。",
                       link=(HOME, "重新登录"))
    if not hmac.compare_digest(request.query.get("state", "").encode(), attempt.state.encode()):
        log.warning("web sign-in refused: state does not match")
        return message(request, 400, "登录请求无效", "这次登录不是从本页发起的，请重新打开页面。",
                       link=(attempt.next_path, "重新登录"))
    code = request.query.get("code", "")
    if not code:
        return message(request, 403, "未能确认您的身份", "企业微信没有给出您的身份，请在企业微信或"
                       "微信里重新打开页面。", link=(attempt.next_path, "重新登录"))
    try:
        identity = await _exchange(request, attempt.flow, code, now)
    except WeComError as exc:
        if exc.retryable:
            return message(request, 503, "暂时无法登录", "企业微信暂时没有响应，请稍后再试。",
                           link=(attempt.next_path, "重试"))
        return message(request, 400, "登录链接已失效", "请重新打开页面。",
                       link=(attempt.next_path, "重新登录"))
    if identity is None:
        return _not_identified(request, attempt, now)
    response = paths.redirect(request, attempt.next_path)
    response.set_cookie(SESSION_COOKIE,
                        encode_identity(identity, config.security.derive("web-session")),
                        max_age=config.web.session_hours * 3600, path=paths.to(request, "/"),
                        httponly=True, samesite="Lax", secure=secure_cookies(config))
    response.del_cookie(LOGIN_COOKIE, path=paths.to(request, AUTH))
    log.info("web sign-in userid=%s kind=%s", identity.userid, identity.kind)
    return response


async def _exchange(request: web.Request, flow: str, code: str, now: int) -> Identity | None:
    """Who the code names, if it names a member (member flow) or a 家校 parent (school flow)."""
    client = request.app[keys.WECOM]
    hours = request.app[keys.CONFIG].web.session_hours
    if flow == FLOW_MEMBER:
        userid, kind = (await client.oauth_user(code)).userid, MEMBER
    else:
        userid, kind = (await client.school_user(code)).parent_userid, SCHOOL_PARENT
    if not userid or len(userid) > MAX_USERID_CHARS:
        return None
    return new_identity(userid, kind, now, hours)


def _not_identified(request: web.Request, attempt: Attempt, now: int) -> web.Response:
    if attempt.tries < MAX_TRIES and not attempt.members_only:
        other = FLOW_SCHOOL if attempt.flow == FLOW_MEMBER else FLOW_MEMBER
        return _to_wecom(request, new_attempt(attempt.next_path, other, now,
                                              tries=attempt.tries + 1, ttl=LOGIN_SECONDS))
    log.info("web sign-in refused: the code names nobody of this school flow=%s", attempt.flow)
    text = ("管理后台仅供本校企业微信成员使用。" if attempt.members_only else
            "您不是本校企业微信的成员，也不在本校的家校通讯录中。如需使用，请联系学校。")
    response = message(request, 403, "无法确认您的身份", text)
    response.del_cookie(LOGIN_COOKIE, path=paths.to(request, AUTH))
    return response


@routes.post(SIGN_OUT)
async def sign_out(request: web.Request) -> web.Response:
    """Forget the session (the gate has checked the form's CSRF token)."""
    identity = identity_of(request)
    response = paths.redirect(request, SIGNED_OUT)
    response.del_cookie(SESSION_COOKIE, path=paths.to(request, "/"))
    if identity is not None:
        log.info("web sign-out userid=%s", identity.userid)
    return response


@routes.get(SIGNED_OUT)
async def signed_out(request: web.Request) -> web.Response:
    return message(request, 200, "已退出登录", "再次打开消息里的链接即可重新登录。",
                   link=(HOME, "重新登录"))
