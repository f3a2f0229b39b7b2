"""Who may do what: every chat action and every HTTP endpoint, one table.

Each row is (who, action, whose record, what they see, what changes). The records come from the
real flow once per module (parents submit, approvers approve); each row starts from a copy of
that database. A refused action must say so and leave every leave and dialog as it was.
"""

from __future__ import annotations

import asyncio
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.crypto import WeComCrypto
from handlers import texts
from models.leave import Leave
from models.messaging import DialogState, InboxMessage
from models.rules.sealed import seal
from tests.conftest import local
from tests.harness import FakeClock, Harness, consent_all, prepare_database, running

START = local(2026, 11, 26, 8, 0)  # a Thursday in term
CODE = re.compile(r"放行码：([0-9A-Z]{4}-[0-9A-Z]{4})")
QR = re.compile(r"查看放行码：\S+/h5/pass/([\w-]+)")

PZ = "parent_zhang"     # 张小明 (初一(1)班) and 张小红 (初一(2)班)
PL = "parent_liu"       # 刘洋 (初一(1)班)
LI = "teacher_li"       # 班主任 初一(1)班; also the mother of 杨子涵 (初一(2)班)
WANG = "teacher_wang"   # 班主任 初一(2)班
ZHAO = "office_zhao"    # 政教处
CHEN = "principal_chen"  # 校长
SUN = "guard_sun"       # 门卫
ZHOU = "admin_zhou"     # 管理员
NOBODY = "visitor_9"    # not in the roster
WECOM, ANYONE = "WeCom", "anyone"

FORBIDDEN = texts.FORBIDDEN
NOT_YOURS = "没有找到您可以办理的单号"


@dataclass(frozen=True)
class World:
    """The template database and what the real flow produced in it."""

    path: Path
    ids: dict[str, str]


@dataclass(frozen=True)
class Row:
    who: str
    action: str | tuple[str, ...]  # message(s) sent in turn; "click:<key>" presses a card button
    whose: str
    expect: str  # in what the actor receives; for HTTP: "<status> [fragment]"
    change: tuple[tuple[str, str], ...] = ()  # (L1/L2/L4, status) | ("new", status) |
    #                                            ("dialog", state) | ("inbox", "+1")
    hidden: str = ""  # must not appear in what the actor receives

    def __str__(self) -> str:
        action = " → ".join(self.action) if isinstance(self.action, tuple) else self.action
        return f"{self.who} | {action} | {self.whose}"


def refused(action: str | tuple[str, ...], whose: str, *who: str, hidden: str = "") -> list[Row]:
    return [Row(w, action, whose, FORBIDDEN, hidden=hidden) for w in who]


def stranger(action: str | tuple[str, ...]) -> Row:
    return Row(NOBODY, action, "-", texts.NOT_IN_ROSTER)


REQUEST = ("请假 张小明 下周二 事假 有事", "确认")
TEMPORARY = "临时请假 张小明 发烧 至 16:00"

ROWS: list[Row] = [
    # ---- 请假 … / 确认 (parent) --------------------------------------------------------
    Row(PZ, REQUEST, "own child", "已提交请假，单号", (("new", "pending"),)),
    Row(PZ, REQUEST[0], "own child", "回复「确认」提交", (("dialog", "leave:confirm"),)),
    Row(PL, REQUEST, "another family's child", "您名下没有叫「张小明」的在读学生"),
    Row(LI, REQUEST, "another family's child", "您名下没有叫「张小明」的在读学生"),
    *refused(REQUEST, "-", WANG, ZHAO, CHEN, SUN, ZHOU),
    stranger(REQUEST),
    Row(PL, "明天病假", "own child", "请简单说明事由", (("dialog", "leave:reason"),)),
    *refused("明天病假", "-", ZHAO, SUN, ZHOU),
    Row(PZ, "确认", "-", "没有待确认的请假"),
    *refused("确认", "-", WANG, SUN, ZHOU),
    # ---- 我的请假 ---------------------------------------------------------------------
    Row(PZ, "我的请假", "own child", "单号{L1}", hidden="单号{L2}"),
    Row(PL, "我的请假", "own child", "单号{L2}", hidden="单号{L1}"),
    Row(LI, "我的请假", "own child (none yet)", "还没有请假记录", hidden="单号"),
    *refused("我的请假", "-", WANG, ZHAO, CHEN, SUN, ZHOU),
    stranger("我的请假"),
    # ---- 撤销 N -----------------------------------------------------------------------
    Row(PZ, "撤销 {L1}", "own child", "已撤销单号{L1}", (("L1", "withdrawn"),)),
    Row(PL, "撤销 {L1}", "another family's child", "没有找到您的单号{L1}", hidden="张小明"),
    Row(LI, "撤销 {L1}", "another family's child", "没有找到您的单号{L1}"),
    *refused("撤销 {L1}", "another family's child", WANG, ZHAO, CHEN, SUN, ZHOU),
    stranger("撤销 {L1}"),
    # ---- 批准 N -----------------------------------------------------------------------
    Row(LI, "批准 {L1}", "own class", "单号{L1} 已批准", (("L1", "approved"),)),
    Row(WANG, "批准 {L1}", "other class", f"{NOT_YOURS}{{L1}}"),
    Row(ZHAO, "批准 {L1}", "班主任's tier (higher may)", "已批准", (("L1", "approved"),)),
    Row(CHEN, "批准 {L1}", "班主任's tier (higher may)", "已批准", (("L1", "approved"),)),
    Row(LI, "批准 {L4}", "own class, 政教处's tier", f"{NOT_YOURS}{{L4}}"),
    Row(WANG, "批准 {L4}", "other class, 政教处's tier", f"{NOT_YOURS}{{L4}}"),
    Row(ZHAO, "批准 {L4}", "own tier", "已批准", (("L4", "approved"),)),
    Row(CHEN, "批准 {L4}", "政教处's tier (higher may)", "已批准", (("L4", "approved"),)),
    *refused("批准 {L1}", "own child", PZ),
    *refused("批准 {L1}", "another family's child", PL),
    *refused("批准 {L1}", "-", SUN, ZHOU),
    stranger("批准 {L1}"),
    # ---- 驳回 N 理由 --------------------------------------------------------------------
    Row(LI, "驳回 {L1} 期末考试", "own class", "单号{L1} 已驳回", (("L1", "rejected"),)),
    Row(LI, ("驳回 {L1}", "期末考试"), "own class", "已驳回", (("L1", "rejected"),)),
    Row(LI, "驳回 {L1}", "own class", "请回复驳回理由", (("dialog", "reject:reason"),)),
    Row(WANG, "驳回 {L1} 期末考试", "other class", f"{NOT_YOURS}{{L1}}"),
    Row(WANG, "驳回 {L1}", "other class", f"{NOT_YOURS}{{L1}}"),
    Row(ZHAO, "驳回 {L1} 期末考试", "班主任's tier (higher may)", "已驳回",
        (("L1", "rejected"),)),
    Row(CHEN, "驳回 {L1} 期末考试", "班主任's tier (higher may)", "已驳回",
        (("L1", "rejected"),)),
    Row(LI, "驳回 {L4} 太长", "own class, 政教处's tier", f"{NOT_YOURS}{{L4}}"),
    *refused("驳回 {L1} 期末考试", "own child", PZ),
    *refused("驳回 {L1} 期末考试", "another family's child", PL),
    *refused("驳回 {L1} 期末考试", "-", SUN, ZHOU),
    stranger("驳回 {L1} 期末考试"),
    # ---- card buttons ------------------------------------------------------------------
    Row(LI, "click:approve:{L1}", "own class", "单号{L1} 已批准", (("L1", "approved"),)),
    Row(WANG, "click:approve:{L1}", "other class", f"{NOT_YOURS}{{L1}}"),
    Row(LI, "click:reject:{L1}", "own class", "请回复驳回理由", (("dialog", "reject:reason"),)),
    Row(WANG, "click:reject:{L1}", "other class", f"{NOT_YOURS}{{L1}}"),
    *refused("click:approve:{L1}", "own child", PZ),
    *refused("click:approve:{L1}", "-", SUN, ZHOU),
    stranger("click:approve:{L1}"),
    # ---- 待审批 -----------------------------------------------------------------------
    Row(LI, "待审批", "own class", "单号{L1}", hidden="单号{L4}"),
    Row(WANG, "待审批", "other class", "目前没有待您审批的请假", hidden="单号"),
    Row(ZHAO, "待审批", "own tier", "单号{L4}", hidden="单号{L1}"),
    Row(CHEN, "待审批", "own tier (empty)", "目前没有待您审批的请假", hidden="单号"),
    *refused("待审批", "-", PZ, PL, SUN, ZHOU),
    stranger("待审批"),
    # ---- 查看 N -----------------------------------------------------------------------
    Row(LI, "查看 {L1}", "own class", "事由：发烧"),
    Row(WANG, "查看 {L1}", "other class", f"{NOT_YOURS}{{L1}}", hidden="发烧"),
    Row(ZHAO, "查看 {L1}", "班主任's tier (higher may)", "事由：发烧"),
    Row(CHEN, "查看 {L1}", "班主任's tier (higher may)", "事由：发烧"),
    *refused("查看 {L1}", "own child", PZ, hidden="发烧"),
    *refused("查看 {L1}", "another family's child", PL, hidden="发烧"),
    *refused("查看 {L1}", "-", SUN, ZHOU, hidden="发烧"),
    stranger("查看 {L1}"),
    # ---- 核验 / 放行 / 返校 CODE (guard) ---------------------------------------------------
    Row(SUN, "核验 {C2}", "any student", "✅ 有效，可以放行"),
    Row(SUN, "{C2}", "any student", "✅ 有效，可以放行"),
    Row(SUN, "核验 AAAA-AAAA", "forged code", "放行码无效", hidden="刘洋"),
    Row(SUN, "放行 {C2}", "any student", "已登记：刘洋", (("L2", "approved+exited"),)),
    Row(SUN, "放行 AAAA-AAAA", "forged code", "放行码无效"),
    Row(SUN, "返校 {C2}", "any student", "返校，已销假", (("L2", "returned"),)),
    *refused("核验 {C2}", "own child", PL, hidden="刘洋"),
    *refused("核验 {C2}", "-", PZ, LI, ZHAO, CHEN, ZHOU, hidden="刘洋"),
    *refused("{C2}", "own child", PL),
    *refused("{C2}", "own class", LI),
    *refused("放行 {C2}", "own child", PL),
    *refused("放行 {C2}", "own class", LI),
    *refused("放行 {C2}", "-", ZHAO, ZHOU),
    *refused("返校 {C2}", "own child", PL),
    *refused("返校 {C2}", "own class", LI),
    stranger("核验 {C2}"),
    stranger("放行 {C2}"),
    # ---- 临时请假 name reason (班主任) ------------------------------------------------------
    Row(LI, TEMPORARY, "own class", "放行码：", (("new", "approved"),)),
    Row(WANG, TEMPORARY, "other class", "您的班级里没有叫「张小明」的学生"),
    *refused(TEMPORARY, "own child", PZ),
    *refused(TEMPORARY, "-", ZHAO, CHEN, SUN, ZHOU),
    stranger(TEMPORARY),
    # ---- 销假 name / N (班主任) -------------------------------------------------------------
    Row(LI, "销假 刘洋", "own class", "已销假：刘洋", (("L2", "returned"),)),
    Row(LI, "销假 {L2}", "own class", "已销假：刘洋", (("L2", "returned"),)),
    Row(WANG, "销假 刘洋", "other class", "您的班级里没有叫「刘洋」的学生"),
    Row(WANG, "销假 {L2}", "other class", "您的班级没有单号{L2}的请假"),
    *refused("销假 刘洋", "own child", PL),
    *refused("销假 刘洋", "-", ZHAO, CHEN, SUN, ZHOU),
    stranger("销假 刘洋"),
    # ---- 帮助 / 取消 (everyone) -----------------------------------------------------------
    Row(PZ, "帮助", "-", "【家长】", hidden="【班主任】"),
    Row(LI, "帮助", "-", "【班主任】", hidden="【门卫】"),
    Row(WANG, "帮助", "-", "【班主任】", hidden="【家长】"),
    Row(ZHAO, "帮助", "-", "【政教处】", hidden="【家长】"),
    Row(CHEN, "帮助", "-", "【校长】", hidden="【门卫】"),
    Row(SUN, "帮助", "-", "【门卫】", hidden="【家长】"),
    Row(ZHOU, "帮助", "-", "【管理员】", hidden="【班主任】"),
    stranger("帮助"),
    *[Row(w, "取消", "-", texts.NOTHING_TO_CANCEL) for w in (PZ, LI, ZHAO, SUN, ZHOU)],
    stranger("取消"),
    # ---- HTTP endpoints ----------------------------------------------------------------------
    Row(WECOM, "GET /wecom/callback", "signed URL check", "200 echo-4711"),
    Row(ANYONE, "GET /wecom/callback", "bad signature", "403"),
    Row(WECOM, "POST /wecom/callback", "signed message", "200", (("inbox", "+1"),)),
    Row(ANYONE, "POST /wecom/callback", "bad signature", "403"),
    Row(ANYONE, "POST /wecom/callback", "replayed: stale timestamp", "403"),
    Row(ANYONE, "POST /wecom/callback", "sealed for another corp", "403"),
    Row(ANYONE, "GET /healthz", "-", '200 "status": "ok"'),
    Row(ANYONE, "GET /pass/{token}.png", "real token", "200 image/png"),
    Row(ANYONE, "GET /pass/{token}.png", "forged token", "404"),
    Row(ANYONE, "GET /pass/{token}.png", "tampered token", "404"),
    *[Row(ANYONE, f"{verb} {path}", "simulator or WeCom API (not served)", "404")
      for verb, path in [("GET", "/"), ("GET", "/sim/people"), ("POST", "/sim/say"),
                         ("POST", "/sim/click"), ("GET", "/sim/stream"),
                         ("GET", "/cgi-bin/gettoken"), ("POST", "/cgi-bin/message/send"),
                         ("POST", "/cgi-bin/message/update_template_card"),
                         ("GET", "/cgi-bin/media/get")]],
]


# ---- the records, built once through the real flow ---------------------------------------


async def _say(h: Harness, user: str, text: str) -> str:
    assert await h.say(user, text) == 200
    await h.drain()
    return h.last_text(user)


async def _submit(h: Harness, parent: str, request: str) -> str:
    assert "回复「确认」" in await _say(h, parent, request)
    done = await _say(h, parent, "确认")
    match = re.search(r"单号(\d+)", done)
    assert match, done
    return match.group(1)


async def _build(url: str) -> dict[str, str]:
    await prepare_database(url)
    await consent_all(url)  # the families agreed to keep health details: reasons are kept
    async with running(url, FakeClock(START)) as h:
        ids = {"L1": await _submit(h, PZ, "请假 张小明 明天 病假 发烧")}  # pending, 班主任
        ids["L2"] = await _submit(h, PL, "请假 刘洋 今天 病假 头疼")
        approved = await _say(h, LI, f"批准 {ids['L2']}")
        assert "已批准" in approved, approved
        pass_text = h.last_text(PL)
        code, qr = CODE.search(pass_text), QR.search(pass_text)
        assert code and qr, pass_text
        ids["C2"], ids["QR"] = code.group(1), qr.group(1)  # L2: approved, valid today
        ids["L4"] = await _submit(h, "parent_huang", "请假 12月1日到12月4日 事假 探亲")  # 政教处
    return ids


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    path = tmp_path_factory.mktemp("access") / "template.db"
    with ThreadPoolExecutor(1) as pool:  # its own event loop, away from the tests' loops
        ids = pool.submit(asyncio.run, _build(f"sqlite+aiosqlite:///{path}")).result()
    return World(path, ids)


# ---- the one test ---------------------------------------------------------------------------


@pytest.mark.parametrize("row", ROWS, ids=str)
async def test_access(row: Row, world: World, tmp_path: Path) -> None:
    for src in world.path.parent.glob(world.path.name + "*"):
        shutil.copy(src, tmp_path / src.name.replace(world.path.stem, "qingjia"))
    url = f"sqlite+aiosqlite:///{tmp_path / 'qingjia.db'}"
    async with running(url, FakeClock(START)) as h:
        before = await _state(h)
        if row.who in (WECOM, ANYONE):
            seen = await _http(h, row, world.ids)
            status, _, fragment = row.expect.partition(" ")
            assert seen.split(" ", 1)[0] == status, seen
        else:
            seen = await _chat(h, row, world.ids)
            fragment = row.expect.format(**world.ids)
        after = await _state(h)
    assert fragment in seen, seen
    if row.hidden:
        assert row.hidden.format(**world.ids) not in seen, seen
    assert after == _expected(before, after, row, world.ids)


async def _chat(h: Harness, row: Row, ids: dict[str, str]) -> str:
    for message in (row.action,) if isinstance(row.action, str) else row.action:
        text = message.format(**ids)
        if text.startswith("click:"):
            key = text.removeprefix("click:")
            status = await h.post(h.inner_click_xml(row.who, f"leave{ids['L1']}-access", key))
        else:
            status = await h.say(row.who, text)
        assert status == 200
        await h.drain()
    return "\n".join(h.texts_for(row.who))


async def _state(h: Harness) -> dict[str, str]:
    """Every leave's status (and whether the student went out), every dialog, the inbox size."""
    async with h.db.read() as session:
        leaves = (await session.execute(select(Leave.id, Leave.status, Leave.exited_at))).all()
        dialogs = (await session.execute(select(DialogState.userid, DialogState.state))).all()
        inbox = await session.scalar(select(func.count()).select_from(InboxMessage))
    state = {f"leave:{i}": status + ("+exited" if exited else "") for i, status, exited in leaves}
    state.update({f"dialog:{userid}": s for userid, s in dialogs})
    state["inbox"] = str(inbox)
    return state


def _expected(before: dict[str, str], after: dict[str, str], row: Row,
              ids: dict[str, str]) -> dict[str, str]:
    """`before` with the row's changes applied; chat rows also add their inbox rows."""
    expected = dict(before)
    if row.who not in (WECOM, ANYONE):
        sent = 1 if isinstance(row.action, str) else len(row.action)
        expected["inbox"] = str(int(before["inbox"]) + sent)
    new = sorted(k for k in after if k.startswith("leave:") and k not in before)
    for key, value in row.change:
        if key == "new":
            assert len(new) == 1, new
            expected[new[0]] = value
        elif key == "dialog":
            expected[f"dialog:{row.who}"] = value
        elif key == "inbox":
            expected["inbox"] = str(int(before["inbox"]) + int(value))
        else:
            expected[f"leave:{ids[key]}"] = value
    return expected


async def _http(h: Harness, row: Row, ids: dict[str, str]) -> str:
    """Make the row's request; "<status> <content type> <body>"."""
    assert isinstance(row.action, str)
    verb, path = row.action.split(" ", 1)
    w = h.config.wecom
    ours = WeComCrypto(w.token, w.encoding_aes_key, w.corp_id)
    ts = str(int(h.clock().timestamp()))
    params: dict[str, str] = {}
    body = b""
    if path == "/wecom/callback" and verb == "GET":
        echostr = ours.encrypt(b"echo-4711")
        signature = ours.signature(ts, "n1", echostr) if row.whose.startswith("signed") \
            else "0" * 40
        params = {"msg_signature": signature, "timestamp": ts, "nonce": "n1", "echostr": echostr}
    elif path == "/wecom/callback":
        inner = h.inner_text_xml(PZ, "帮助")
        if row.whose.startswith("replayed"):
            h.clock.advance(seconds=-3600)
            params, body = h.sealed(inner)
            h.clock.advance(seconds=3600)
        elif row.whose.startswith("sealed for another"):
            other = WeComCrypto(w.token, w.encoding_aes_key, "wwsomeoneelse0000")
            encrypt = other.encrypt(inner.encode())
            params = {"msg_signature": ours.signature(ts, "n2", encrypt), "timestamp": ts,
                      "nonce": "n2"}
            body = f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>".encode()
        else:
            params, body = h.sealed(inner)
            if row.whose.startswith("bad signature"):
                params["msg_signature"] = "0" * 40
    elif path == "/pass/{token}.png":
        token = {"real token": ids["QR"],
                 "forged token": seal(ids["C2"].replace("-", ""), b"\x00" * 32),
                 "tampered token": ids["QR"][:-2] + ("AA" if ids["QR"][-2:] != "AA" else "BB"),
                 }[row.whose]
        path = f"/pass/{token}.png"
    resp = await h.client.request(verb, path, params=params, data=body or None)
    content = await resp.read()
    text = content.decode(errors="replace") if resp.content_type != "image/png" else ""
    return f"{resp.status} {resp.content_type} {text}"
