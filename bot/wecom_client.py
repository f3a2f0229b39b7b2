"""Our async WeCom server-API client: one cached access token per app, typed errors, no sleeping."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import aiohttp

from bot.config import WeComConfig
from models.messages import ButtonCard, CardUpdate, Image, Markdown, Reply, Text
from models.rules.channel import SchoolNotice

log = logging.getLogger("qingjia.wecom")

TOKEN_PATH = "/cgi-bin/gettoken"
SEND_PATH = "/cgi-bin/message/send"
LINKED_SEND_PATH = "/cgi-bin/linkedcorp/message/send"  # to a 上下游 member, "corpid/userid"
UPDATE_CARD_PATH = "/cgi-bin/message/update_template_card"
RECALL_PATH = "/cgi-bin/message/recall"
MEDIA_PATH = "/cgi-bin/media/get"  # a temporary media file (kept by WeCom for 3 days)
MEDIA_MAX_BYTES = 10 * 1024 * 1024
TOUSER_MAX = 1000  # message/send: at most 1,000 userids joined by "|"
SCHOOL_NOTICE_MAX = 1000  # externalcontact/message/send: at most 1,000 to_parent_userid
OAUTH_USER_PATH = "/cgi-bin/auth/getuserinfo"
SCHOOL_USER_PATH = "/cgi-bin/school/getuserinfo"
USER_GET_PATH = "/cgi-bin/user/get"
JSAPI_TICKET_PATH = "/cgi-bin/get_jsapi_ticket"  # the corp's ticket for the JS-SDK's signature
SCHOOL_NOTICE_PATH = "/cgi-bin/externalcontact/message/send"  # 学校通知 to 家校 parents
SCHOOL_DEPARTMENTS_PATH = "/cgi-bin/school/department/list"  # the 家校通讯录's classes, grades…
SCHOOL_STUDENTS_PATH = "/cgi-bin/school/user/list"  # a department's students and their parents
NOT_REACHABLE = 81013  # no recipient WeCom can deliver to (also: a parent it lists as invalid)
NO_SUCH_USER = frozenset({40003, 60111})  # invalid userid / userid not found
TRANSPORT_ERRCODE = -2  # not a WeCom code: bad HTTP status, network error or unreadable body
RETRYABLE_ERRCODES = frozenset({-1, 45009, 45033})  # system busy, rate limit, concurrency limit
TOKEN_ERRCODES = frozenset({40014, 42001})  # access_token invalid / expired
MAX_DUPLICATE_CHECK_SECONDS = 4 * 3600
CARD_KEY_CHARS, CARD_VALUE_CHARS, CARD_MAX_ROWS, CARD_MAX_BUTTONS = 5, 30, 6, 6


class WeComError(Exception):
    """A WeCom call failed; `retryable` tells the outbox whether trying later can help."""

    def __init__(self, errcode: int, errmsg: str, *, retryable: bool) -> None:
        super().__init__(f"errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg
        self.retryable = retryable


@dataclass(frozen=True)
class Batch:
    """What `message/send` answered for a batch: its msgid and the userids it refused."""

    msgid: str
    invalid: frozenset[str]


@dataclass(frozen=True)
class OAuthUser:
    """`auth/getuserinfo`'s answer: `userid` for a member, else the non-member's `openid`."""

    userid: str | None
    openid: str | None


@dataclass(frozen=True)
class SchoolUser:
    """`school/getuserinfo`'s answer: a 家校 parent's `parent_userid` or a student's id."""

    parent_userid: str | None
    student_userid: str | None


class WeComClient:
    """Calls the WeCom API for one app; the access token is fetched single-flight and cached."""

    def __init__(self, http: aiohttp.ClientSession, config: WeComConfig, *,
                 clock: Callable[[], float] = time.monotonic,
                 refresh_margin_seconds: float = 300) -> None:
        self._http = http
        self._config = config
        self._clock = clock
        self._margin = refresh_margin_seconds
        self._timeout = aiohttp.ClientTimeout(total=config.request_timeout_seconds)
        self._token: str | None = None
        self._refresh_at = 0.0
        self._inflight: asyncio.Task[str] | None = None
        self.token_fetches = 0
        self._ticket: tuple[str, float] | None = None  # (jsapi_ticket, refresh at)
        self._ticket_lock = asyncio.Lock()

    async def token(self) -> str:
        """The cached access token; one gettoken call serves all waiters when it must be renewed."""
        if self._token is not None and self._clock() < self._refresh_at:
            return self._token
        if self._inflight is None or self._inflight.done():
            self._inflight = asyncio.create_task(self._fetch_token())
            self._inflight.add_done_callback(_retrieve)
        return await asyncio.shield(self._inflight)

    async def send(self, touser: str, reply: Reply, *,
                   duplicate_check_seconds: int = 1800) -> str | None:
        """Deliver one reply; the card's response_code if WeCom gave one.

        Raises WeComError on failure (the caller decides on back-off).
        """
        path, body = self.payload_for(touser, reply, duplicate_check_seconds)
        data = await self._post(path, body, touser)
        code = data.get("response_code")
        return code if isinstance(code, str) and code else None

    async def send_school_notice(self, parent_userid: str, notice: SchoolNotice, *,
                                 duplicate_check_seconds: int = 1800) -> None:
        """Deliver one 学校通知 to a 家校 parent (`externalcontact/message/send`).

        WeCom answers ok and lists the parents it could not reach (`invalid_parent_userid`:
        not in the 家校通讯录, or outside the app's allowed scope); that is a failure here.
        """
        body = self.school_notice_payload([parent_userid], notice, duplicate_check_seconds)
        data = await self._post(SCHOOL_NOTICE_PATH, body, parent_userid)
        invalid = data.get("invalid_parent_userid") or []
        if isinstance(invalid, list) and any(str(p).lower() == parent_userid.lower()
                                             for p in invalid):
            raise self._fail(SCHOOL_NOTICE_PATH, NOT_REACHABLE, "invalid_parent_userid",
                             parent_userid, retryable=False)

    async def send_school_notices(self, parent_userids: list[str], notice: SchoolNotice, *,
                                  duplicate_check_seconds: int = 0) -> Batch:
        """Deliver one 学校通知 to up to 1,000 家校 parents in one call.

        The parents WeCom could not reach come back in the Batch's `invalid` (WeCom lists them
        in `invalid_parent_userid`, or answers 81013 when nobody was left).
        """
        if not 0 < len(parent_userids) <= SCHOOL_NOTICE_MAX:
            raise ValueError(f"学校通知 takes 1 to {SCHOOL_NOTICE_MAX} parents")
        body = self.school_notice_payload(parent_userids, notice, duplicate_check_seconds)
        try:
            data = await self._post(SCHOOL_NOTICE_PATH, body, f"{len(parent_userids)} parents")
        except WeComError as exc:
            if exc.errcode == NOT_REACHABLE:
                return Batch(msgid="", invalid=frozenset(parent_userids))
            raise
        invalid = data.get("invalid_parent_userid") or []
        named = {p.lower(): p for p in parent_userids}
        return Batch(msgid="", invalid=frozenset(
            named[str(p).lower()] for p in invalid if str(p).lower() in named)
            if isinstance(invalid, list) else frozenset())

    def school_notice_payload(self, parent_userids: list[str], notice: SchoolNotice,
                              duplicate_check_seconds: int) -> dict[str, Any]:
        """The JSON body of one 学校通知 to these parents (pure)."""
        body: dict[str, Any] = {"to_parent_userid": list(parent_userids), "msgtype": notice.kind,
                                "agentid": self._config.agent_id}
        if notice.kind == "text":
            body["text"] = {"content": notice.content}
        else:
            body["news"] = {"articles": [{"title": notice.title,
                                          "description": notice.description,
                                          "url": notice.url}]}
        if duplicate_check_seconds > 0:
            body["enable_duplicate_check"] = 1
            body["duplicate_check_interval"] = min(duplicate_check_seconds,
                                                   MAX_DUPLICATE_CHECK_SECONDS)
        return body

    async def school_departments(self) -> list[dict[str, Any]]:
        """The 家校通讯录's departments (school, campus, stage, grade, class)."""
        data = await self._get(SCHOOL_DEPARTMENTS_PATH, {})
        found = data.get("departments")
        return [d for d in found if isinstance(d, dict)] if isinstance(found, list) else []

    async def school_students(self, department_id: int) -> list[dict[str, Any]]:
        """One department's students, each with their parents (`school/user/list`)."""
        data = await self._get(SCHOOL_STUDENTS_PATH, {"department_id": str(department_id)})
        found = data.get("students")
        return [s for s in found if isinstance(s, dict)] if isinstance(found, list) else []
    async def send_many(self, userids: list[str], reply: Reply, *,
                        duplicate_check_seconds: int = 0) -> Batch:
        """Deliver one reply to up to 1,000 members in one `message/send` (touser "a|b|c")."""
        if not 0 < len(userids) <= TOUSER_MAX:
            raise ValueError(f"message/send takes 1 to {TOUSER_MAX} userids")
        path, body = self.payload_for("|".join(userids), reply, duplicate_check_seconds)
        data = await self._post(path, body, f"{len(userids)} members")
        invalid = data.get("invaliduser", "")
        return Batch(msgid=str(data.get("msgid", "")),
                     invalid=frozenset(str(invalid).split("|")) - {""})

    async def media(self, media_id: str) -> bytes:
        """A temporary media file's bytes (`media/get`); WeComError when WeCom has no such file
        (it keeps them three days) or cannot be reached."""
        token = await self.token()
        url = self._config.api_base.rstrip("/") + MEDIA_PATH
        try:
            async with self._http.get(url, params={"access_token": token, "media_id": media_id},
                                      timeout=self._timeout) as resp:
                kind = resp.headers.get("Content-Type", "")
                data = await resp.content.read(MEDIA_MAX_BYTES + 1)
                status = resp.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise self._fail(MEDIA_PATH, TRANSPORT_ERRCODE, type(exc).__name__, "",
                             retryable=True) from None
        if status != 200 or len(data) > MEDIA_MAX_BYTES:
            raise self._fail(MEDIA_PATH, TRANSPORT_ERRCODE, f"HTTP {status}", "", retryable=True)
        if kind.startswith(("application/json", "text/")):  # an error answer, not a file
            try:
                answer = json.loads(data)
            except ValueError:
                answer = {}
            code = answer.get("errcode") if isinstance(answer, dict) else None
            raise self._fail(MEDIA_PATH, code if isinstance(code, int) else TRANSPORT_ERRCODE,
                             "no media", "", retryable=False)
        return data

    async def recall(self, msgid: str) -> None:
        """Take back a message sent within 24 hours (`message/recall`)."""
        await self._post(RECALL_PATH, {"msgid": msgid}, "")

    async def oauth_user(self, code: str) -> OAuthUser:
        """Who signed in by WeCom OAuth (`auth/getuserinfo`): a member's userid or an openid."""
        data = await self._get(OAUTH_USER_PATH, {"code": code})
        return OAuthUser(userid=_text(data, "userid"), openid=_text(data, "openid"))

    async def school_user(self, code: str) -> SchoolUser:
        """Who signed in by 家校 OAuth (`school/getuserinfo`): a parent's or a student's id."""
        data = await self._get(SCHOOL_USER_PATH, {"code": code})
        return SchoolUser(parent_userid=_text(data, "parent_userid"),
                          student_userid=_text(data, "student_userid"))

    async def jsapi_ticket(self) -> str:
        """The corp's jsapi_ticket (`get_jsapi_ticket`), cached until shortly before it expires
        (WeCom limits how often it may be fetched); one call serves all waiters."""
        async with self._ticket_lock:
            if self._ticket is not None and self._clock() < self._ticket[1]:
                return self._ticket[0]
            data = await self._get(JSAPI_TICKET_PATH, {})
            ticket, expires_in = data.get("ticket"), data.get("expires_in", 7200)
            if not isinstance(ticket, str) or not ticket or not isinstance(expires_in, int):
                raise self._fail(JSAPI_TICKET_PATH, TRANSPORT_ERRCODE, "no ticket in answer", "",
                                 retryable=True)
            self._ticket = (ticket, self._clock() + expires_in - min(self._margin, expires_in / 2))
            return ticket

    async def is_member(self, userid: str) -> bool:
        """Whether the corp's directory holds `userid` (`user/get`)."""
        try:
            await self._get(USER_GET_PATH, {"userid": userid})
        except WeComError as exc:
            if exc.errcode in NO_SUCH_USER:
                return False
            raise
        return True

    def payload_for(self, touser: str, reply: Reply,
                    duplicate_check_seconds: int) -> tuple[str, dict[str, Any]]:
        """The API path and JSON body that deliver `reply` to `touser` (pure)."""
        agentid = self._config.agent_id
        if isinstance(reply, CardUpdate):
            return UPDATE_CARD_PATH, {
                "userids": [touser], "agentid": agentid, "response_code": reply.response_code,
                "button": {"replace_name": reply.replace_name},
            }
        body: dict[str, Any] = {"touser": touser, "msgtype": reply.kind, "agentid": agentid}
        if isinstance(reply, Text | Markdown):
            body[reply.kind] = {"content": reply.content}
        elif isinstance(reply, Image):
            body["image"] = {"media_id": reply.media_id}
        elif isinstance(reply, ButtonCard):
            body["template_card"] = _button_card(reply)
        else:
            raise TypeError(f"no WeCom message type for {type(reply).__name__}")
        if "/" in touser:
            return LINKED_SEND_PATH, {**body, "touser": [touser]}
        if duplicate_check_seconds > 0:
            body["enable_duplicate_check"] = 1
            body["duplicate_check_interval"] = min(duplicate_check_seconds,
                                                   MAX_DUPLICATE_CHECK_SECONDS)
        return SEND_PATH, body

    async def _post(self, path: str, body: dict[str, Any], touser: str) -> dict[str, Any]:
        return await self._call("POST", path, {}, body, touser)

    async def _get(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        return await self._call("GET", path, params, None, "")

    async def _call(self, method: str, path: str, params: dict[str, str],
                    body: dict[str, Any] | None, touser: str) -> dict[str, Any]:
        """Call with the token; on a token error fetch a new one and retry exactly once."""
        token = await self.token()
        data = await self._request(method, path, {**params, "access_token": token}, body, touser)
        if data["errcode"] in TOKEN_ERRCODES:
            log.info("wecom token rejected path=%s errcode=%s touser=%s; renewing",
                     path, data["errcode"], touser)
            if self._token == token:
                self._token = None
            token = await self.token()
            data = await self._request(method, path, {**params, "access_token": token}, body,
                                       touser)
        self._check(path, data, touser)
        log.debug("wecom ok path=%s touser=%s", path, touser)
        return data

    async def _fetch_token(self) -> str:
        """Call gettoken once and cache the answer until refresh_margin before it expires."""
        try:
            self.token_fetches += 1
            params = {"corpid": self._config.corp_id, "corpsecret": self._config.secret}
            data = await self._request("GET", TOKEN_PATH, params, None, "")
            self._check(TOKEN_PATH, data, "")
            token, expires_in = data.get("access_token"), data.get("expires_in", 7200)
            if not isinstance(token, str) or not token or not isinstance(expires_in, int | float):
                raise self._fail(TOKEN_PATH, TRANSPORT_ERRCODE, "no access_token in answer", "",
                                 retryable=True)
            self._token = token
            self._refresh_at = self._clock() + expires_in - min(self._margin, expires_in / 2)
            return token
        finally:
            self._inflight = None

    async def _request(self, method: str, path: str, params: dict[str, str],
                       body: dict[str, Any] | None, touser: str) -> dict[str, Any]:
        """One HTTP round trip; transport trouble becomes a retryable WeComError."""
        url = self._config.api_base.rstrip("/") + path
        try:
            async with self._http.request(method, url, params=params, json=body,
                                          timeout=self._timeout) as resp:
                if resp.status != 200:
                    raise self._fail(path, TRANSPORT_ERRCODE, f"HTTP {resp.status}", touser,
                                     retryable=True)
                data = await resp.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError) as exc:
            # `from None`: aiohttp errors can carry the URL, and the URL carries the token/secret
            raise self._fail(path, TRANSPORT_ERRCODE, type(exc).__name__, touser,
                             retryable=True) from None
        except ValueError:
            raise self._fail(path, TRANSPORT_ERRCODE, "answer is not JSON", touser,
                             retryable=True) from None
        if not isinstance(data, dict) or not isinstance(data.get("errcode"), int):
            raise self._fail(path, TRANSPORT_ERRCODE, "answer has no errcode", touser,
                             retryable=True)
        return data

    def _check(self, path: str, data: dict[str, Any], touser: str) -> None:
        """Raise WeComError for a non-zero errcode, retryable when waiting can help."""
        code = data["errcode"]
        if code != 0:
            retryable = code in RETRYABLE_ERRCODES or code in TOKEN_ERRCODES
            raise self._fail(path, code, str(data.get("errmsg", "")), touser, retryable=retryable)

    @staticmethod
    def _fail(path: str, errcode: int, errmsg: str, touser: str, *,
              retryable: bool) -> WeComError:
        """Log a failure (never content, secret or token) and build its exception."""
        log.warning("wecom call failed path=%s errcode=%s touser=%s retryable=%s",
                    path, errcode, touser, retryable)
        return WeComError(errcode, errmsg, retryable=retryable)


def _button_card(card: ButtonCard) -> dict[str, Any]:
    """A `button_interaction` template card within WeCom's key/value/row/button limits."""
    body: dict[str, Any] = {
        "card_type": "button_interaction",
        "main_title": {"title": card.title},
        "task_id": card.task_id,
        "button_list": [{"text": b.text, "style": b.style, "key": b.key}
                        for b in card.buttons[:CARD_MAX_BUTTONS]],
    }
    if card.description:
        body["sub_title_text"] = card.description
    if card.fields:
        body["horizontal_content_list"] = [
            {"keyname": key[:CARD_KEY_CHARS], "value": value[:CARD_VALUE_CHARS]}
            for key, value in card.fields[:CARD_MAX_ROWS]
        ]
    return body


def _text(data: dict[str, Any], key: str) -> str | None:
    """A non-empty string field of an answer, else None."""
    value = data.get(key)
    return value if isinstance(value, str) and value else None


def _retrieve(task: asyncio.Task[str]) -> None:
    """Mark a token fetch's exception as seen, so a fetch nobody awaits any more logs nothing."""
    if not task.cancelled():
        task.exception()
