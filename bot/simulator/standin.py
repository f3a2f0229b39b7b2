"""A stand-in for the WeCom server API: the simulator's backend and the test suite's fake WeCom."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import re
import secrets
import struct
import time
import zlib
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.simulator.oauth import OAuthDesk, Person, openid_of
from bot.waiting import wait_until

TEXT_MAX_BYTES = 2048  # message/send: text and markdown content; WeCom cuts the rest
PER_MEMBER_LIMITS = ((60.0, 30), (3600.0, 1000))  # (window seconds, messages) to one member
RESPONSE_CODE_SECONDS = 72 * 3600  # a card's response_code: usable once, within 72 h
HANG_SECONDS = 30.0  # longer than any client timeout; cancelled when the client hangs up
MAX_DUPLICATE_CHECK_SECONDS = 4 * 3600
SCHOOL_NOTICE_MAX_PARENTS = 1000  # externalcontact/message/send: to_parent_userid
TOUSER_MAX = 1000  # message/send: at most 1,000 userids joined by "|"
RECALL_SECONDS = 24 * 3600  # message/recall: within 24 hours of the send
# "lost": the next template card's send does its work, then its answer is lost (a timeout)
FAIL_MODES = ("http502", "errcode-1", "45009", "45033", "hang", "42001", "lost")  # or "<errcode>"
MSGTYPES = frozenset({"text", "image", "voice", "video", "file", "textcard", "news", "mpnews",
                      "markdown", "miniprogram_notice", "template_card"})
ERRMSG = {
    -1: "system busy", 40001: "invalid credential", 40003: "invalid userid",
    40007: "invalid media_id", 40008: "invalid message type", 40013: "invalid corpid",
    40014: "invalid access_token", 40029: "invalid code", 40035: "invalid parameter",
    40056: "invalid agentid", 41001: "access_token missing", 41008: "missing code",
    42001: "access_token expired",
    42014: "taskid has existed or empty or exceed max len", 45009: "api freq out of limit",
    45033: "api concurrent out of limit", 47001: "data format error",
    60011: "no privilege to access/modify contact/party/agent", 60111: "userid not found",
    60123: "invalid party id", 81013: "user & party & tag all invalid",
}


@dataclass
class Delivered:
    """One message one member received; `body` is the request JSON as WeCom got it."""

    touser: str
    msgtype: str
    body: dict[str, Any]
    at: float
    msgid: str = ""
    response_code: str = ""  # set for template cards, as the real send API answers it
    channel: str = "企业微信"  # "家校": a 学校通知 to a parent in the 家校通讯录 (to_parent_userid)


@dataclass
class SchoolDirectory:
    """The 家校通讯录 the stand-in answers with: departments as `school/department/list` gives
    them (the root, id 1, type 5), and each department's students with their parents."""

    departments: list[dict[str, Any]] = field(
        default_factory=lambda: [{"id": 1, "name": "学校", "parentid": 0, "type": 5}])
    students: dict[int, list[dict[str, Any]]] = field(default_factory=dict)


class WeComStandIn:
    """Answers gettoken, message/send, update_template_card, media/get, the web sign-in
    (authorize, auth/getuserinfo, school/getuserinfo) and 家校沟通 (学校通知 by
    externalcontact/message/send, school/department/list, school/user/list) like WeCom does."""

    def __init__(self, corp_id: str, secret: str, *, clock: Callable[[], float] = time.time,
                 token_ttl: int = 7200, agent_id: int | None = None,
                 trusted_domain: str | None = None) -> None:
        self.corp_id = corp_id
        self.oauth = OAuthDesk(corp_id, clock, agent_id=agent_id, trusted_domain=trusted_domain)
        self.secret = secret
        self.token_ttl = token_ttl
        self._clock = clock
        self.delivered: list[Delivered] = []
        self.card_updates: list[dict[str, Any]] = []
        self.requests: list[tuple[str, dict[str, Any]]] = []  # (path, JSON) of every POST read
        self.subscribers: list[asyncio.Queue[Delivered]] = []
        self.token_fetches = 0
        self.calls = 0
        self.jsapi_tickets: list[str] = []  # every jsapi_ticket issued, oldest first
        self._tokens: dict[str, float] = {}  # token -> expires at (by the clock)
        self._task_ids: set[str] = set()
        self._codes: dict[str, float] = {}  # response_code -> issued at (usable once)
        self._code_users: dict[str, str] = {}  # a click's response_code -> the clicker
        self._msgids_sent: dict[str, float] = {}  # msgid -> sent at, for message/recall
        self.recalled: list[str] = []  # msgids recalled
        self._member_sends: dict[str, deque[float]] = defaultdict(deque)
        self.absent: set[str] = set()  # lower-cased userids the directory does not hold
        # lower-cased parent_userids in the 家校通讯录 but outside the app's allowed scope
        self.out_of_scope: set[str] = set()
        # False: the app is not among the 家长可使用的应用, and 学校通知 answer 48002
        self.school_notices_allowed = True
        # the 家校通讯录 as school/department/list and school/user/list answer it
        self.school_directory = SchoolDirectory()
        self.violations: list[str] = []  # texts cut and messages dropped past the member limits
        self._recent: dict[str, tuple[float, dict[str, str]]] = {}  # request -> (until, answer)
        self._pending: deque[str] = deque()
        self._outage_until = -math.inf
        self._outage_modes: list[str] = []
        self._outage_calls = itertools.count()
        self._msgids = itertools.count(1)
        self._release = asyncio.Event()

    # ---- wiring -------------------------------------------------------------

    def routes(self) -> list[web.RouteDef]:
        """The WeCom API routes, to mount in the simulator's app or a test server."""
        return [
            web.get("/cgi-bin/gettoken", self._gettoken),
            web.post("/cgi-bin/message/send", self._send),
            web.post("/cgi-bin/linkedcorp/message/send", self._send),
            web.post("/cgi-bin/externalcontact/message/send", self._school_notice),
            web.post("/cgi-bin/message/update_template_card", self._update_card),
            web.post("/cgi-bin/message/recall", self._recall),
            web.get("/cgi-bin/media/get", self._media_get),
            web.get("/cgi-bin/user/get", self._user_get),
            web.get("/cgi-bin/get_jsapi_ticket", self._jsapi_ticket),
            web.get("/cgi-bin/auth/getuserinfo", self._oauth_user),
            web.get("/cgi-bin/school/getuserinfo", self._school_user),
            web.get("/cgi-bin/school/department/list", self._school_departments),
            web.get("/cgi-bin/school/user/list", self._school_students),
            *self.oauth.routes(),
        ]

    def app(self) -> web.Application:
        """A standalone application serving only the stand-in routes."""
        app = web.Application()
        app.add_routes(self.routes())
        app.on_shutdown.append(self._on_shutdown)
        return app

    def subscribe(self) -> asyncio.Queue[Delivered]:
        """A queue receiving every delivery (and card update, msgtype "update_template_card")."""
        queue: asyncio.Queue[Delivered] = asyncio.Queue()
        self.subscribers.append(queue)
        return queue

    def unsubscribe(self, queue: asyncio.Queue[Delivered]) -> None:
        """Stop streaming deliveries to `queue`."""
        with contextlib.suppress(ValueError):
            self.subscribers.remove(queue)

    # ---- failure injection --------------------------------------------------

    def fail_next(self, count: int, mode: str) -> None:
        """Make the next `count` calls fail this way ("42001" skips gettoken calls)."""
        self._pending.extend([_valid_mode(mode)] * count)

    def fail_for(self, seconds: float, modes: list[str]) -> None:
        """Every call fails for `seconds` from now by the clock, cycling through `modes`."""
        self._outage_modes = [_valid_mode(m) for m in modes] or ["errcode-1"]
        self._outage_until = self._clock() + seconds
        self._outage_calls = itertools.count()

    def heal(self) -> None:
        """Drop pending failures, end an outage and release calls that hang."""
        self._pending.clear()
        self._outage_until = -math.inf
        self._release.set()
        self._release = asyncio.Event()

    def expire_tokens(self) -> None:
        """Every token issued so far now answers 42001."""
        for token in self._tokens:
            self._tokens[token] = -math.inf

    def add_member(self, userid: str) -> None:
        """Someone in the corp's directory besides the school's roster."""
        if all(p.userid != userid for p in self.oauth.people):
            self.oauth.people.append(Person(userid, userid, "member", ""))

    def issue_response_code(self, userid: str = "") -> str:
        """A card click's response_code, as WeCom puts it in the callback: usable once, and,
        given the clicker, only to update that member's card."""
        code = f"rc-{secrets.token_urlsafe(12)}"
        self._codes[code] = self._clock()
        if userid:
            self._code_users[code] = userid
        return code

    # ---- inspection ---------------------------------------------------------

    def messages_for(self, userid: str) -> list[Delivered]:
        """What one member received, oldest first."""
        return [d for d in self.delivered if d.touser == userid and d.channel != "家校"]

    def notices_for(self, parent_userid: str) -> list[Delivered]:
        """The 学校通知 one 家校 parent received, oldest first."""
        return [d for d in self.delivered if d.touser == parent_userid and d.channel == "家校"]

    # ---- handlers -----------------------------------------------------------

    async def _gettoken(self, request: web.Request) -> web.StreamResponse:
        self.calls += 1
        self.token_fetches += 1
        if (failed := await self._injected(None)) is not None:
            return failed
        if request.query.get("corpid") != self.corp_id:
            return _error(40013)
        if request.query.get("corpsecret") != self.secret:
            return _error(40001)
        token = secrets.token_urlsafe(32)
        self._tokens[token] = self._clock() + self.token_ttl
        return _answer(0, access_token=token, expires_in=self.token_ttl)

    async def _send(self, request: web.Request) -> web.StreamResponse:
        self.calls += 1
        lost = bool(self._pending) and self._pending[0] == "lost" and \
            '"template_card"' in await request.text()
        if lost:
            self._pending.popleft()
        answer = await self._send_answer(request)
        return web.Response(status=504, text="Gateway Timeout") if lost else answer

    async def _send_answer(self, request: web.Request) -> web.StreamResponse:
        """message/send (touser "a|b") or linkedcorp/message/send (touser ["corp/user"])."""
        linked = request.path.startswith("/cgi-bin/linkedcorp/")
        body, failed = await self._authorised(request, request.path)
        if failed is not None:
            return failed
        touser = body.get("touser", "")
        named = ([str(m) for m in touser if m] if linked and isinstance(touser, list)
                 else [m for m in str(touser).split("|") if m])
        msgtype = body.get("msgtype")
        if not isinstance(body.get("agentid"), int):
            return _error(40056)
        known = await self._known_members()
        members = [m for m in named if ("/" in m) == linked
                   and (linked or known is None or m.lower() in known)]
        invalid = "|".join(m for m in named if m not in members)
        if not members:
            return _error(81013)
        if len(named) > TOUSER_MAX:
            return _error(40035, f"touser over {TOUSER_MAX} userids")
        if msgtype not in MSGTYPES or not isinstance(body.get(msgtype), dict):
            return _error(40008)
        body = self._cut(body, msgtype)
        now = self._clock()
        # The check compares what was delivered, whatever flags the earlier send carried.
        content = {k: v for k, v in body.items()
                   if k not in ("enable_duplicate_check", "duplicate_check_interval")}
        key = json.dumps(content, sort_keys=True, ensure_ascii=False)
        interval = body.get("duplicate_check_interval", 1800)
        if not isinstance(interval, int | float):
            return _error(40035, "invalid duplicate_check_interval")
        response_code = ""
        if msgtype == "template_card":
            task_id = body["template_card"].get("task_id")
            if not isinstance(task_id, str) or not task_id or len(task_id) > 128 \
                    or task_id in self._task_ids:
                return _error(42014)  # checked before the duplicate check, as WeCom does
            response_code = secrets.token_urlsafe(16)
        if body.get("enable_duplicate_check") == 1:
            sent_at, earlier = self._recent.get(key, (-math.inf, {}))
            if now < sent_at + min(interval, MAX_DUPLICATE_CHECK_SECONDS):
                # WeCom answers ok but does not deliver the same message again
                return _answer(0, invaliduser=invalid, **earlier)
        if response_code:
            self._task_ids.add(body["template_card"]["task_id"])
            self._codes[response_code] = now
        msgid = f"standin-{next(self._msgids)}"
        self._msgids_sent[msgid] = now
        answer = {"msgid": msgid, **({"response_code": response_code} if response_code else {})}
        self._remember(key, now, answer)
        for member in members:
            if not self._within_limits(member, now):
                continue  # WeCom answers ok and drops it, silently
            item = Delivered(member, msgtype, body, now, msgid, response_code)
            self.delivered.append(item)
            self._publish(item)
        return _answer(0, invaliduser=invalid, **answer)

    async def _school_notice(self, request: web.Request) -> web.StreamResponse:
        """发送「学校通知」: to 家校 parents (`to_parent_userid`, at most 1,000), text or news only
        (the types this app sends; no cards on this channel). Parents WeCom cannot reach (not in
        the 家校通讯录, or outside the app's allowed scope) come back in `invalid_parent_userid`;
        when nobody is left, 81013."""
        self.calls += 1
        body, failed = await self._authorised(request, request.path)
        if failed is not None:
            return failed
        if not isinstance(body.get("agentid"), int):
            return _error(40056)
        if not self.school_notices_allowed:
            return _error(48002, "api forbidden")
        named = body.get("to_parent_userid")
        if not isinstance(named, list) or not all(isinstance(p, str) and p for p in named):
            return _error(40035, "invalid to_parent_userid")
        if len(named) > SCHOOL_NOTICE_MAX_PARENTS:
            return _error(40035, "to_parent_userid exceeds 1000")
        for other in ("to_student_userid", "to_party", "to_external_user"):
            if body.get(other):
                return _error(40035, f"{other} not expected from this app")
        if body.get("toall"):
            return _error(40035, "toall not expected from this app")
        msgtype = body.get("msgtype")
        if msgtype not in ("text", "news") or not isinstance(body.get(msgtype), dict):
            return _error(40008)
        if (problem := self._school_notice_problem(body, msgtype)) is not None:
            return _error(40035, problem)
        parents = await self._known_parents()
        valid = [p for p in named if p.lower() in parents]
        invalid = [p for p in named if p not in valid]
        if not valid:
            return _answer(81013, ERRMSG[81013], invalid_parent_userid=invalid,
                           invalid_student_userid=[], invalid_party=[])
        now = self._clock()
        content = {k: v for k, v in body.items()
                   if k not in ("enable_duplicate_check", "duplicate_check_interval")}
        key = "school:" + json.dumps(content, sort_keys=True, ensure_ascii=False)
        interval = body.get("duplicate_check_interval", 1800)
        if not isinstance(interval, int | float):
            return _error(40035, "invalid duplicate_check_interval")
        extra: dict[str, Any] = {"invalid_parent_userid": invalid,
                                 "invalid_student_userid": [], "invalid_party": []}
        if body.get("enable_duplicate_check") == 1:
            sent_at, _ = self._recent.get(key, (-math.inf, {}))
            if now < sent_at + min(interval, MAX_DUPLICATE_CHECK_SECONDS):
                return _answer(0, **extra)
        self._remember(key, now, {})
        msgid = f"standin-{next(self._msgids)}"
        for parent in valid:
            if not self._within_limits(f"家校:{parent}", now):
                continue
            item = Delivered(parent, msgtype, body, now, msgid, channel="家校")
            self.delivered.append(item)
            self._publish(item)
        return _answer(0, **extra)

    def _school_notice_problem(self, body: dict[str, Any], msgtype: str) -> str | None:
        """What breaks 学校通知's documented limits; a text over 2,048 bytes is cut (recorded)."""
        if msgtype == "text":
            content = body["text"].get("content")
            if not isinstance(content, str) or not content:
                return "text.content missing"
            if len(content.encode("utf-8")) > TEXT_MAX_BYTES:
                self.violations.append(f"cut: {len(content.encode())}-byte 学校通知 text")
            return None
        articles = body["news"].get("articles")
        if not isinstance(articles, list) or not 1 <= len(articles) <= 8:
            return "news.articles must hold 1 to 8 articles"
        for article in articles:
            if not isinstance(article, dict):
                return "news.articles: not an object"
            for name, limit, required in (("title", 128, True), ("description", 512, False),
                                          ("url", 2048, False), ("picurl", 2048, False)):
                value = article.get(name, "")
                if not isinstance(value, str) or (required and not value):
                    return f"news.articles.{name} missing"
                if len(value.encode("utf-8")) > limit:
                    self.violations.append(f"cut: 学校通知 news {name} over {limit} bytes")
        return None

    async def _known_parents(self) -> set[str]:
        """Lower-cased parent_userids this app may reach: the 家校通讯录 within its scope."""
        people = list(await self.oauth.directory()) if self.oauth.directory is not None else []
        return {p.userid.lower() for p in [*people, *self.oauth.people]
                if p.kind == "parent"} - self.absent - self.out_of_scope

    async def _school_departments(self, request: web.Request) -> web.StreamResponse:
        """获取部门列表: the whole 家校通讯录, or one department and those below it (`id`)."""
        if (failed := await self._checked_get(request)) is not None:
            return failed
        departments = self.school_directory.departments
        wanted = request.query.get("id", "")
        if wanted:
            if not wanted.isdigit() or all(d["id"] != int(wanted) for d in departments):
                return _error(60123)
            keep, grew = {int(wanted)}, True
            while grew:
                more = {d["id"] for d in departments if d.get("parentid") in keep} - keep
                keep |= more
                grew = bool(more)
            departments = [d for d in departments if d["id"] in keep]
        return _answer(0, departments=departments)

    async def _school_students(self, request: web.Request) -> web.StreamResponse:
        """获取部门学生详情: the students of one department (not of those below it)."""
        if (failed := await self._checked_get(request)) is not None:
            return failed
        wanted = request.query.get("department_id", "")
        if not wanted:
            return _error(40035, "department_id missing")
        if not wanted.isdigit() or all(d["id"] != int(wanted)
                                       for d in self.school_directory.departments):
            return _error(60123)
        return _answer(0, students=self.school_directory.students.get(int(wanted), []))

    async def _checked_get(self, request: web.Request) -> web.StreamResponse | None:
        self.calls += 1
        token = request.query.get("access_token", "")
        if (failed := await self._injected(token)) is not None:
            return failed
        if code := self._token_error(token):
            return _error(code)
        return None

    async def _update_card(self, request: web.Request) -> web.StreamResponse:
        self.calls += 1
        body, failed = await self._authorised(request, "/cgi-bin/message/update_template_card")
        if failed is not None:
            return failed
        if not isinstance(body.get("agentid"), int):
            return _error(40056)
        code = body.get("response_code")
        issued = self._codes.pop(code, None) if isinstance(code, str) else None
        if issued is None or self._clock() >= issued + RESPONSE_CODE_SECONDS:
            return _error(40035, "invalid response_code")  # unknown, used or expired
        clicker = self._code_users.pop(str(code), None)
        if clicker is not None and [str(u).lower() for u in body.get("userids", [])] \
                != [clicker.lower()]:
            return _error(40035, "a click's response_code updates the clicker's card only")
        self.card_updates.append(body)
        for userid in body.get("userids", []):
            self._publish(Delivered(str(userid), "update_template_card", body, self._clock()))
        return _answer(0, invaliduser=[])

    async def _recall(self, request: web.Request) -> web.StreamResponse:
        """message/recall: a message sent within 24 hours, once."""
        self.calls += 1
        body, failed = await self._authorised(request, "/cgi-bin/message/recall")
        if failed is not None:
            return failed
        msgid = body.get("msgid")
        sent = self._msgids_sent.get(msgid) if isinstance(msgid, str) else None
        if sent is None or msgid in self.recalled or self._clock() >= sent + RECALL_SECONDS:
            return _error(40035, "invalid msgid")
        self.recalled.append(str(msgid))
        return _answer(0)

    async def _media_get(self, request: web.Request) -> web.StreamResponse:
        self.calls += 1
        token = request.query.get("access_token", "")
        if (failed := await self._injected(token)) is not None:
            return failed
        if code := self._token_error(token):
            return _error(code)
        media_id = request.query.get("media_id", "")
        if not media_id:
            return _error(40007)
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", media_id)[:64]
        return web.Response(body=PNG, content_type="image/png", headers={
            "Content-Disposition": f'attachment; filename="{safe}.png"'})

    async def _user_get(self, request: web.Request) -> web.StreamResponse:
        """A member of the directory by userid (case-insensitive), or 60111."""
        self.calls += 1
        token = request.query.get("access_token", "")
        if (failed := await self._injected(token)) is not None:
            return failed
        if code := self._token_error(token):
            return _error(code)
        userid = request.query.get("userid", "")
        known = await self._known_members()
        if not userid or (known is not None and userid.lower() not in known):
            return _error(60111)
        return _answer(0, userid=userid.lower(), name=userid)

    async def _jsapi_ticket(self, request: web.Request) -> web.StreamResponse:
        """The corp's jsapi_ticket for the JS-SDK's config signature (valid 7200 s)."""
        self.calls += 1
        token = request.query.get("access_token", "")
        if (failed := await self._injected(token)) is not None:
            return failed
        if code := self._token_error(token):
            return _error(code)
        self.jsapi_tickets.append(secrets.token_urlsafe(24))
        return _answer(0, ticket=self.jsapi_tickets[-1], expires_in=7200)

    async def _oauth_user(self, request: web.Request) -> web.StreamResponse:
        """A member's userid, or a non-member's openid (a 家校 parent is not a member)."""
        person, failed = await self._redeemed(request)
        if person is None:
            return failed
        if person.kind == "member":
            return _answer(0, userid=person.userid)
        return _answer(0, openid=openid_of(self.corp_id, person))

    async def _school_user(self, request: web.Request) -> web.StreamResponse:
        """A 家校 parent's parent_userid. WeCom documents the answer for parents and students
        only; for anyone else this answers ok with neither id."""
        person, failed = await self._redeemed(request)
        if person is None:
            return failed
        device = {"DeviceId": f"standin-{person.kind}"}
        if person.kind == "parent":
            return _answer(0, parent_userid=person.userid, **device)
        return _answer(0, **device)

    async def _redeemed(self, request: web.Request) -> tuple[Person | None, web.StreamResponse]:
        """(the person a sign-in code names, None) or (None, the error to answer)."""
        self.calls += 1
        token = request.query.get("access_token", "")
        if (failed := await self._injected(token)) is not None:
            return None, failed
        if code := self._token_error(token):
            return None, _error(code)
        code_text = request.query.get("code", "")
        if not code_text:
            return None, _error(41008)
        person = self.oauth.redeem(code_text)
        if person is None:
            return None, _error(40029)
        return person, _answer(0)

    # ---- helpers ------------------------------------------------------------

    async def _known_members(self) -> set[str] | None:
        """Lower-cased userids of the directory, or None when no directory is wired (all)."""
        if self.oauth.directory is None and not self.oauth.people:
            return None
        people = list(await self.oauth.directory()) if self.oauth.directory is not None else []
        return {p.userid.lower() for p in [*people, *self.oauth.people]
                if p.kind == "member"} - self.absent

    def _cut(self, body: dict[str, Any], msgtype: Any) -> dict[str, Any]:
        """A text or markdown over TEXT_MAX_BYTES cut as WeCom cuts it, and the cut recorded."""
        if msgtype not in ("text", "markdown"):
            return body
        content = str(body[msgtype].get("content", ""))
        raw = content.encode("utf-8")
        if len(raw) <= TEXT_MAX_BYTES:
            return body
        self.violations.append(f"cut: {len(raw)}-byte {msgtype} to {body.get('touser')}")
        cut = raw[:TEXT_MAX_BYTES].decode("utf-8", errors="ignore")
        return {**body, msgtype: {**body[msgtype], "content": cut}}

    def _within_limits(self, member: str, now: float) -> bool:
        """Count a message to `member`; False (recorded as a violation) past a member limit."""
        sends = self._member_sends[member]
        longest = max(window for window, _ in PER_MEMBER_LIMITS)
        while sends and sends[0] <= now - longest:
            sends.popleft()
        for window, limit in PER_MEMBER_LIMITS:
            if sum(1 for t in sends if t > now - window) >= limit:
                self.violations.append(f"dropped: over {limit} in {window:.0f} s to {member}")
                return False
        sends.append(now)
        return True

    async def _authorised(self, request: web.Request,
                          path: str) -> tuple[dict[str, Any], web.StreamResponse | None]:
        """Apply injected failures and the token check, then read the JSON body."""
        token = request.query.get("access_token", "")
        if (failed := await self._injected(token)) is not None:
            return {}, failed
        if code := self._token_error(token):
            return {}, _error(code)
        try:
            body = json.loads(await request.text())
        except ValueError:
            return {}, _error(47001)
        if not isinstance(body, dict):
            return {}, _error(47001)
        self.requests.append((path, body))
        return body, None

    def _token_error(self, token: str) -> int:
        """0 if the token is good, else WeCom's errcode for it."""
        if not token:
            return 41001
        if token not in self._tokens:
            return 40014
        return 42001 if self._clock() >= self._tokens[token] else 0

    async def _injected(self, token: str | None) -> web.StreamResponse | None:
        """The failure this call must suffer, if any (`token` is None for gettoken)."""
        mode: str | None = None
        if self._clock() < self._outage_until:
            mode = self._outage_modes[next(self._outage_calls) % len(self._outage_modes)]
            if mode == "42001" and token is None:
                mode = "errcode-1"
        elif self._pending and self._pending[0] != "lost" and (
                token is not None or self._pending[0] != "42001"):
            mode = self._pending.popleft()
        if mode is None:
            return None
        if mode == "http502":
            return web.Response(status=502, text="<html>502 Bad Gateway</html>",
                                content_type="text/html")
        if mode == "hang":
            await wait_until(self._release, HANG_SECONDS)
            return web.Response(status=504, text="Gateway Timeout")
        if mode == "42001" and token in self._tokens:
            self._tokens[token] = -math.inf
        return _error(-1 if mode == "errcode-1" else int(mode))

    def _remember(self, key: str, sent_at: float, answer: dict[str, str]) -> None:
        """Record a delivery for later duplicate checks, forgetting ones past any interval."""
        if len(self._recent) > 1000:
            horizon = self._clock() - MAX_DUPLICATE_CHECK_SECONDS
            self._recent = {k: v for k, v in self._recent.items() if v[0] > horizon}
        self._recent[key] = (sent_at, answer)

    def _publish(self, item: Delivered) -> None:
        for queue in list(self.subscribers):
            queue.put_nowait(item)

    async def _on_shutdown(self, app: web.Application) -> None:
        self.heal()


def _valid_mode(mode: str) -> str:
    if mode not in FAIL_MODES and not re.fullmatch(r"-?\d+", mode):
        raise ValueError(f"unknown failure mode {mode!r}; use one of {FAIL_MODES} or an errcode")
    return mode


def _answer(errcode: int, errmsg: str = "ok", **fields: Any) -> web.Response:
    data = {"errcode": errcode, "errmsg": errmsg, **fields}
    return web.json_response(data, dumps=lambda obj: json.dumps(obj, ensure_ascii=False))


def _error(errcode: int, errmsg: str | None = None) -> web.Response:
    text = errmsg or ERRMSG.get(errcode, "error")
    return _answer(errcode, f"{text}, hint: [standin], more info at "
                            f"https://open.work.weixin.qq.com/devtool/query?e={errcode}")


def _png(size: int = 16, rgb: tuple[int, int, int] = (7, 193, 96)) -> bytes:
    """A tiny solid-colour PNG, what media/get answers for any media_id."""
    def chunk(tag: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + tag + data
                + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF))
    rows = (b"\x00" + bytes(rgb) * size) * size
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows))
            + chunk(b"IEND", b""))


PNG = _png()
