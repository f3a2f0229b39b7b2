"""End-to-end harness: the real app, real encrypted callbacks, the WeCom stand-in on localhost."""

from __future__ import annotations

import dataclasses
import itertools
import re
import secrets
import tomllib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import aiohttp
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from sqlalchemy import select
from wechatpy.enterprise.crypto import WeChatCrypto
from yarl import URL

from bot import keys
from bot.app import create_app
from bot.config import ApprovalConfig, Config, load_config, parse_config, staff_roles
from bot.simulator.directory import roster_people
from bot.simulator.oauth import AUTHORIZE_PATH, Person
from bot.simulator.standin import WeComStandIn
from models.db import Database
from models.health import HealthConsent
from models.migrate import upgrade_async
from models.repos.roster import RosterRepo, apply_roster
from models.roster import Guardian, GuardianLink, Student
from models.roster_import import read_roster
from models.rules.channel import MEMBER_CHANNEL

ROOT = Path(__file__).resolve().parent.parent
DEMO_ROSTER = ROOT / "bot" / "demo_roster"


class FakeClock:
    """A clock tests move by hand; starts on a school day morning unless told otherwise."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def make_config(db_url: str, api_base: str = "http://127.0.0.1:9",
                wecom: dict[str, Any] | None = None, **overrides: Any) -> Config:
    """The example config with the test database and a fake WeCom host."""
    config = load_config(ROOT / "config.example.toml")
    config = dataclasses.replace(
        config,
        database=dataclasses.replace(config.database, url=db_url),
        # 10 s: a loaded machine answered the in-process stand-in in over 3 s (a hostile-chat case
        # failed so twice); the tests that make WeCom hang wait this long once.
        wecom=dataclasses.replace(config.wecom, api_base=api_base, request_timeout_seconds=10.0,
                                  **(wecom or {})),
    )
    return dataclasses.replace(config, **overrides)


def example_approval(**keys: Any) -> ApprovalConfig:
    """The example config's [approval] with some keys replaced, read as the service reads it."""
    raw = tomllib.loads((ROOT / "config.example.toml").read_text(encoding="utf-8"))
    raw["approval"].update(keys)
    return parse_config(raw).approval


# A test's own WeCom app: `qingjia serve` refuses the example's published token, key and secret.
OWN_WECOM = {"secret": "test-secret-of-this-run", "token": "testtoken",
             "encoding_aes_key": "TestKeyOfThisRun0123456789abcdefghijklmnopq"}


def with_own_wecom(config_text: str) -> str:
    """A config file's text with OWN_WECOM in place of the example's [wecom] values."""
    for key, value in OWN_WECOM.items():
        config_text, n = re.subn(rf'^{key} = ".*"$', f'{key} = "{value}"', config_text,
                                 count=1, flags=re.MULTILINE)
        assert n == 1, key
    return config_text


IMPORTED_AT = datetime(2026, 8, 25, tzinfo=UTC)  # before the autumn term, before any test's clock


async def prepare_database(url: str, *, roster_dir: Path = DEMO_ROSTER,
                           **config_overrides: Any) -> None:
    """Migrate and load a roster (the demo school unless told otherwise), read as `qingjia
    import-roster` reads it under the config `running()` gets with the same overrides."""
    await upgrade_async(url)
    config = make_config(url, **config_overrides)
    db = Database(url)
    try:
        roster = read_roster(roster_dir / "students.csv", roster_dir / "staff.csv",
                             roles=staff_roles(config))
        async with db.unit_of_work() as session:
            school_id = await RosterRepo(session, 0).ensure_school(
                config.school.code, config.school.name, now=IMPORTED_AT)
            await apply_roster(session, school_id, roster, actor="system:test", now=IMPORTED_AT)
    finally:
        await db.dispose()


async def consent_all(url: str) -> None:
    """Every guardian of every child has said 同意 to keeping health details (for tests about
    something else; the consent itself is tests/test_health_consent_e2e.py)."""
    db = Database(url)
    try:
        async with db.unit_of_work() as session:
            links = await session.execute(
                select(Student.id, Student.school_id, Guardian.userid)
                .join(GuardianLink, GuardianLink.student_id == Student.id)
                .join(Guardian, Guardian.id == GuardianLink.guardian_id))
            for student, school, guardian in links:
                session.add(HealthConsent(school_id=school, student_id=student, guardian=guardian,
                                          channel=MEMBER_CHANNEL, created_at=IMPORTED_AT,
                                          asked_at=IMPORTED_AT, answer=True,
                                          answered_at=IMPORTED_AT))
    finally:
        await db.dispose()


async def make_family(db: Database, school_id: int, *userids: str,
                      roster_dir: Path = DEMO_ROSTER) -> None:
    """Import the roster again with these guardians in the 家校通讯录 (家长渠道 家校), as
    `qingjia import-roster` would with that column filled in."""
    roster = read_roster(roster_dir / "students.csv", roster_dir / "staff.csv")
    wanted = set(userids)
    roster = dataclasses.replace(roster, students=tuple(
        dataclasses.replace(s, guardian_channel="家校") if s.guardian_userid in wanted else s
        for s in roster.students))
    async with db.unit_of_work() as session:
        await apply_roster(session, school_id, roster, actor="system:test", now=IMPORTED_AT)


_msg_ids = itertools.count(secrets.randbits(62))

# Members of the corp's WeCom directory who are not in the school's roster (the tests' strangers).
OUTSIDERS = ("stranger_1", "visitor_9")


class Harness:
    """Drives the app as WeCom would and reads what the stand-in API received."""

    def __init__(self, client: TestClient, standin: WeComStandIn, config: Config,
                 clock: FakeClock, *, school_app: web.Application | None = None,
                 callback_path: str = "/wecom/callback") -> None:
        self.client = client
        self.standin = standin
        self.config = config
        self.clock = clock
        # a deployment's school: its own app below the root, its callback at /wecom/callback/<code>
        self._school_app = school_app
        self.callback_path = callback_path
        w = config.wecom
        self.crypto = WeChatCrypto(w.token, w.encoding_aes_key, w.corp_id)

    @property
    def app(self) -> web.Application:
        """The school's app (for a single school, the service's app)."""
        if self._school_app is not None:
            return self._school_app
        return self.client.app  # type: ignore[return-value]

    @property
    def db(self) -> Database:
        return self.app[keys.DB]

    def inner_text_xml(self, userid: str, content: str, msg_id: int | None = None) -> str:
        msg_id = msg_id if msg_id is not None else next(_msg_ids)
        return (
            f"<xml><ToUserName><![CDATA[{self.config.wecom.corp_id}]]></ToUserName>"
            f"<FromUserName><![CDATA[{userid}]]></FromUserName>"
            f"<CreateTime>{int(self.clock().timestamp())}</CreateTime>"
            f"<MsgType><![CDATA[text]]></MsgType><Content>{escape(content)}</Content>"
            f"<MsgId>{msg_id}</MsgId><AgentID>{self.config.wecom.agent_id}</AgentID></xml>"
        )

    def inner_click_xml(self, userid: str, task_id: str, key: str, *,
                        create_time: int | None = None) -> str:
        created = create_time if create_time is not None else int(self.clock().timestamp())
        return (
            f"<xml><ToUserName><![CDATA[{self.config.wecom.corp_id}]]></ToUserName>"
            f"<FromUserName><![CDATA[{userid}]]></FromUserName>"
            f"<CreateTime>{created}</CreateTime><MsgType><![CDATA[event]]></MsgType>"
            f"<Event><![CDATA[template_card_event]]></Event>"
            f"<EventKey><![CDATA[{key}]]></EventKey><TaskId><![CDATA[{task_id}]]></TaskId>"
            f"<CardType><![CDATA[button_interaction]]></CardType>"
            f"<ResponseCode><![CDATA[{self.standin.issue_response_code(userid)}]]></ResponseCode>"
            f"<AgentID>{self.config.wecom.agent_id}</AgentID></xml>"
        )

    def sealed(self, inner_xml: str, *, nonce: str = "n0nce") -> tuple[dict[str, str], bytes]:
        """Encrypt and sign as WeCom does: the query string and the body to post."""
        timestamp = str(int(self.clock().timestamp()))
        envelope = self.crypto.encrypt_message(inner_xml, nonce, timestamp)
        signature = between(envelope, "<MsgSignature><![CDATA[", "]]></MsgSignature>")
        params = {"msg_signature": signature, "timestamp": timestamp, "nonce": nonce}
        return params, envelope.encode()

    async def post(self, inner_xml: str) -> int:
        params, body = self.sealed(inner_xml)
        resp = await self.client.post(self.callback_path, params=params, data=body)
        await resp.read()
        return resp.status

    async def say(self, userid: str, content: str) -> int:
        """A member types a text message to the app."""
        return await self.post(self.inner_text_xml(userid, content))

    async def drain(self, rounds: int = 50) -> None:
        """Run both workers until nothing is left to do now (no sleeping)."""
        inbox, outbox = self.app[keys.INBOX_WORKER], self.app[keys.OUTBOX_WORKER]
        for _ in range(rounds):
            handled = await inbox.run_once()
            sent = await outbox.run_once()
            if not handled and not sent:
                return
        raise AssertionError("workers did not settle")

    async def sign_in(self, who: str, path: str = "/h5/", *,
                      kind: str = "member") -> aiohttp.ClientResponse:
        """Open `path` and sign in through the stand-in's OAuth as `who` (chosen on its chooser
        page); the page's final answer. The client keeps the session cookie afterwards."""
        resp = await self.client.get(path, allow_redirects=False)
        async with aiohttp.ClientSession() as phone:
            for _ in range(8):
                if resp.status not in (301, 302, 303, 307, 308):
                    return resp
                location = URL(resp.headers["Location"]).with_fragment(None)
                if location.path != AUTHORIZE_PATH:
                    resp = await self.client.get(location.path_qs, allow_redirects=False)
                    continue
                resp = await phone.get(location, allow_redirects=False)
                if resp.status == 200:  # the chooser: pick the person
                    assert "企业微信登录" in await resp.text()
                    form = {**location.query, "who": f"{kind}.{who}"}
                    resp = await phone.post(location.with_query(None), data=form,
                                            allow_redirects=False)
        raise AssertionError("sign-in did not settle")

    def texts_for(self, userid: str) -> list[str]:
        out = []
        for d in self.standin.messages_for(userid):
            body = d.body.get(d.msgtype, {})
            out.append(body.get("content", "") if isinstance(body, dict) else "")
        return out

    def last_text(self, userid: str) -> str:
        texts = self.texts_for(userid)
        assert texts, f"{userid} received nothing"
        return texts[-1]


async def student_id(db: Database, name: str) -> tuple[int, int]:
    """(student id, class id) of a demo student, by name."""
    from sqlalchemy import select

    from models.roster import Student

    async with db.read() as session:
        student = await session.scalar(select(Student).where(Student.name == name))
        assert student is not None, name
        return student.id, student.class_id


def between(text: str, start: str, end: str) -> str:
    i = text.index(start) + len(start)
    return text[i:text.index(end, i)]


@asynccontextmanager
async def running(db_url: str, clock: FakeClock, *, run_workers: bool = False,
                  **config_overrides: Any) -> AsyncIterator[Harness]:
    """The stand-in WeCom API and the real app, both on localhost."""
    base = make_config(db_url, **config_overrides)
    standin = WeComStandIn(base.wecom.corp_id, base.wecom.secret,
                           clock=lambda: clock().timestamp(), agent_id=base.wecom.agent_id,
                           trusted_domain=URL(base.server.public_url).host)
    async with TestServer(standin.app(), host="127.0.0.1") as api:
        api_base = str(api.make_url("")).rstrip("/")
        config = make_config(db_url, api_base=api_base, **config_overrides)
        config = dataclasses.replace(
            config, wecom=dataclasses.replace(config.wecom, oauth_base=api_base))
        app = create_app(config, clock=clock, run_workers=run_workers)
        async with TestClient(TestServer(app, host="127.0.0.1")) as client:
            standin.oauth.directory = directory_of(app)
            for outsider in OUTSIDERS:
                standin.add_member(outsider)
            yield Harness(client, standin, config, clock)
    assert_strictly_delivered(standin)


def assert_strictly_delivered(standin: WeComStandIn) -> None:
    """Nothing WeCom would cut or drop, and no 学校通知 asking for a reply."""
    assert not standin.violations, (
        "WeCom would have cut or dropped messages: " + "; ".join(standin.violations[:5]))
    asking = replies_asked_of_family(standin)
    assert not asking, "学校通知 cannot be answered, yet these ask for a reply: " + "; ".join(
        asking[:3])


# A 学校通知 cannot be answered (WeChat has no chat with the app): it must not name a command.
ASKS_FOR_A_REPLY = ("回复", "发送「")


def replies_asked_of_family(standin: WeComStandIn) -> list[str]:
    """The 学校通知 delivered in this run whose words ask the 家校 parent to reply in chat."""
    asking = []
    for d in standin.delivered:
        if d.channel != "家校":
            continue
        body = d.body[d.msgtype]
        words = [str(body.get("content", ""))] + [
            f"{a.get('title', '')}\n{a.get('description', '')}" for a in body.get("articles", [])]
        asking += [w for w in words if any(ask in w for ask in ASKS_FOR_A_REPLY)]
    return asking


def directory_of(app: web.Application) -> Any:
    async def people() -> list[Person]:
        return await roster_people(app[keys.DB], app[keys.SCHOOL_ID], app[keys.CONFIG])

    return people
