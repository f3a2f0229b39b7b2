"""家校 parents end to end: a school whose parents live in the 家校通讯录, not in WeCom.

They are named by students.csv's 家长渠道 column, reached only by 学校通知 (a text, or a news item
opening the right page) through `externalcontact/message/send`, never by a card or message/send;
what WeCom cannot deliver reaches the 管理员 once per guardian; they sign in to the pages with
`school/getuserinfo`.
"""

from __future__ import annotations

import csv
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select
from yarl import URL

from bot import keys
from bot.wecom_client import WeComError
from models.leave import Leave
from models.messages import Button, ButtonCard, CardUpdate, Notifier, Outgoing, Text
from models.messaging import AuditEntry, OutboxMessage
from models.repos.outbox import OutboxRepo
from models.repos.roster import RosterRepo
from models.roster import Guardian
from models.roster_import import RosterError, read_roster
from services.leave.desk import LeaveDesk
from services.leave.submit import Draft, assess, submit
from tests.conftest import local
from tests.harness import DEMO_ROSTER, FakeClock, Harness, prepare_database, running

START = local(2026, 11, 26, 8, 0)  # a Thursday in term
CODE = re.compile(r"放行码：([0-9A-Z]{4}-[0-9A-Z]{4})")


def family_roster(folder: Path, *, channel_of: dict[str, str] | None = None,
                  default: str = "家校") -> Path:
    """The demo roster with the 家长渠道 column: every parent 家校 unless told otherwise (a
    member of staff who is also a parent stays a member)."""
    folder.mkdir(parents=True, exist_ok=True)
    with (DEMO_ROSTER / "staff.csv").open(encoding="utf-8-sig", newline="") as f:
        staff = {row[1] for row in csv.reader(f)}
    with (DEMO_ROSTER / "students.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    with (folder / "students.csv").open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow([*rows[0], "家长渠道"])
        for row in rows[1:]:
            mine = "企业微信" if row[5] in staff else default
            out.writerow([*row, (channel_of or {}).get(row[5], mine)])
    (folder / "staff.csv").write_bytes((DEMO_ROSTER / "staff.csv").read_bytes())
    return folder


@pytest.fixture
async def family(sqlite_url: str, tmp_path: Path) -> AsyncIterator[Harness]:
    await prepare_database(sqlite_url, roster_dir=family_roster(tmp_path / "roster"))
    async with running(sqlite_url, FakeClock(START)) as h:
        yield h


def notices(h: Harness, parent: str) -> list[dict]:  # type: ignore[type-arg]
    """What a 家校 parent received, as the 学校通知 bodies' text or news article."""
    out = []
    for d in h.standin.notices_for(parent):
        body = d.body[d.msgtype]
        out.append({"kind": "text", **body} if d.msgtype == "text"
                   else {"kind": "news", **body["articles"][0]})
    return out


def sent_by_message_send(h: Harness, userid: str) -> list[str]:
    """Every message/send that named `userid`, whatever WeCom answered."""
    return [str(body.get("msgtype")) for path, body in h.standin.requests
            if path == "/cgi-bin/message/send"
            and userid in str(body.get("touser", "")).split("|")]


async def say(h: Harness, user: str, text: str) -> str:
    assert await h.say(user, text) == 200
    await h.drain()
    return h.last_text(user)


async def ask_leave(h: Harness, parent: str, student: str, start: str, end: str,
                    reason: str) -> int:
    """A leave as a page submits it: the service, its notices queued in the same unit of work."""
    notify = Notifier()
    async with h.db.unit_of_work() as session:
        school_id = h.app[keys.SCHOOL_ID]
        desk = LeaveDesk.open(session, school_id, h.config, notify, h.clock())
        children = {c.name: c for c in await desk.roster.children_of(parent, channel="家校")}
        child = children[student]
        draft = Draft(student_id=child.id, kind="事假", start=start, start_half="am", end=end,
                      end_half="pm", reason=reason)
        found = await assess(desk, draft, child.id)

        class Parent:
            userid, name, roles = parent, "家长", frozenset({"家长"})

        leave = await submit(desk, draft, child, found, Parent())
        await OutboxRepo(session, school_id).add(notify.messages, h.clock())
    await h.drain()
    return leave.id


# ---- who is a 家校 parent ----------------------------------------------------------------


def test_the_column_is_optional_and_read_from_csv_and_xlsx(tmp_path: Path) -> None:
    folder = family_roster(tmp_path / "csv", channel_of={"parent_zhang": "企业微信"},
                           default="")
    roster = read_roster(folder / "students.csv", folder / "staff.csv")
    channels = {s.guardian_userid: s.guardian_channel for s in roster.students}
    assert channels["parent_zhang"] == "企业微信" and channels["parent_lin"] == "企业微信"
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    with (family_roster(tmp_path / "x") / "students.csv").open(encoding="utf-8") as f:
        for row in csv.reader(f):
            sheet.append(row)
    book.save(tmp_path / "students.xlsx")
    roster = read_roster(tmp_path / "students.xlsx", folder / "staff.csv")
    assert {s.guardian_channel for s in roster.students if "_" in s.guardian_userid
            and not s.guardian_userid.startswith("teacher")} == {"家校"}
    plain = read_roster(DEMO_ROSTER / "students.csv", DEMO_ROSTER / "staff.csv")
    assert {s.guardian_channel for s in plain.students} == {"企业微信"}


def test_bad_channels_are_refused_row_by_row_in_chinese(tmp_path: Path) -> None:
    folder = family_roster(tmp_path / "r", channel_of={"parent_zhang": "微信",
                                                       "parent_liu": "家校"})
    text = (folder / "students.csv").read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[0].endswith(",关系,性别,出生日期,家长渠道")
    lines.append("G2026070199,王五,初一,(1)班,赵国强,office_zhao,,父亲,,,家校")
    lines.append("G2026070102,刘洋,初一,(1)班,刘强,parent_liu,13800000003,父亲,男,2013-09-02,"
                 "企业微信")
    (folder / "students.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(RosterError) as caught:
        read_roster(folder / "students.csv", folder / "staff.csv")
    problems = "\n".join(caught.value.problems)
    assert "第2行: 家长渠道「微信」应为「企业微信」或「家校」" in problems
    assert "家校家长的ID「office_zhao」与staff.csv 第4行教职工的企业微信ID相同" in problems
    assert re.search(r"家长企业微信ID「parent_liu」的家长渠道「企业微信」与第\d+行的「家校」不一致",
                     problems), problems


async def test_import_stores_the_channel_per_guardian_and_changes_it_in_place(
        sqlite_url: str, tmp_path: Path) -> None:
    await prepare_database(sqlite_url, roster_dir=family_roster(
        tmp_path / "a", channel_of={"parent_zhang": "企业微信"}))
    async with running(sqlite_url, FakeClock(START)) as h:
        async with h.db.read() as session:
            channels = {userid: channel for userid, channel in await session.execute(
                select(Guardian.userid, Guardian.channel))}
        assert channels["parent_zhang"] == "企业微信" and channels["parent_lin"] == "家校"
        people = {p.userid: p.kind for p in await h.standin.oauth.everyone()}
        assert people["parent_lin"] == "parent" and people["parent_zhang"] == "member"
        # a 家校 parent's id names no member: a member of that id gets no role from it
        async with h.db.read() as session:
            roster = RosterRepo(session, h.app[keys.SCHOOL_ID])
            assert await roster.roles_of("parent_lin") == frozenset()
            assert await roster.children_of("parent_lin") == []
            assert [c.name for c in await roster.children_of("parent_lin", channel="家校")] \
                == ["张小明"]
        # … and a member of that id who writes to the app is answered in chat, as a stranger
        h.standin.add_member("parent_lin")
        before = len(h.standin.notices_for("parent_lin"))
        assert await h.say("parent_lin", "请假") == 200
        await h.drain()
        assert "名册" in h.last_text("parent_lin")
        assert len(h.standin.notices_for("parent_lin")) == before
    await prepare_database(sqlite_url, roster_dir=family_roster(tmp_path / "b"))
    async with running(sqlite_url, FakeClock(START)) as h:
        async with h.db.read() as session:
            zhang = await session.scalar(select(Guardian).where(Guardian.userid == "parent_zhang"))
            assert zhang is not None and zhang.channel == "家校"
            audit = (await session.scalars(select(AuditEntry).where(
                AuditEntry.entity == "guardian", AuditEntry.entity_id == str(zhang.id),
                AuditEntry.action == "update"))).all()
        assert [a.after for a in audit] == [{"channel": "家校"}]


# ---- reaching them: the leave loop of a school with only 家校 parents ---------------------


async def test_a_family_parent_gets_every_leave_message_as_school_notices(
        family: Harness) -> None:
    h = family
    number = await ask_leave(h, "parent_zhang", "张小明", "2026-11-26", "2026-11-26", "看病")
    card = [d for d in h.standin.messages_for("teacher_li") if d.msgtype == "template_card"]
    assert card, "the 班主任 gets the approval card"
    assert "已批准" in await say(h, "teacher_li", f"批准 {number}")

    approved = notices(h, "parent_zhang")[-1]
    assert approved["kind"] == "news"
    assert approved["title"] == f"张小明的请假（单号{number}）已批准。"
    assert "/h5/pass/" in approved["url"] and approved["url"].startswith(
        h.config.server.public_url)
    code = CODE.search(approved["description"])
    assert code and "查看放行码" not in approved["description"]
    other = notices(h, "parent_lin")[-1]  # the other guardian gets the same 放行码
    assert other["kind"] == "news" and "/h5/pass/" in other["url"]
    assert f"单号{number}）已批准" in other["title"]

    # the link opens the 放行码 page for the parent signed in through school/getuserinfo
    page = await h.sign_in("parent_zhang", URL(approved["url"]).path, kind="parent")
    html = await page.text()
    assert page.status == 200 and "张小明" in html and "有效" in html

    # the gate lets the child out once; both parents hear it as 学校通知
    assert "有效" in await say(h, "guard_sun", f"核验 {code.group(1)}")
    assert "离校" in await say(h, "guard_sun", f"放行 {code.group(1)}")
    for parent in ("parent_zhang", "parent_lin"):
        left = notices(h, parent)[-1]
        assert left["kind"] == "news" and "张小明已于" in left["title"]
        assert left["url"].endswith("/h5/leaves")
        assert sent_by_message_send(h, parent) == []
    assert not h.standin.messages_for("parent_zhang")


async def test_temporary_leave_by_the_homeroom_teacher_reaches_family_parents(
        family: Harness) -> None:
    h = family
    reply = await say(h, "teacher_li", "临时请假 刘洋 发烧 至 16:00 已电话")
    assert "放行码" in reply
    told = notices(h, "parent_liu")
    assert len(told) == 1 and told[0]["kind"] == "news"
    first = "班主任李静已与您电话联系：刘洋因「发烧」在校临时请假，16:00前可离校（单号1）。"
    assert told[0]["title"] == first  # the first sentence; the whole text below it
    assert told[0]["description"] == first + "离校和返校时会再通知您。"
    assert told[0]["url"].endswith("/h5/leaves")
    async with h.db.read() as session:
        leave = await session.scalar(select(Leave).where(Leave.kind == "临时请假"))
        sent = (await session.scalars(select(OutboxMessage.status).where(
            OutboxMessage.touser == "parent_liu"))).all()
    assert leave is not None and list(sent) == ["sent"]


async def test_a_long_text_goes_as_a_text_and_cards_never_go_to_family_parents(
        family: Harness) -> None:
    h = family
    school_id = h.app[keys.SCHOOL_ID]
    card = ButtonCard(task_id="notice-7-parent_huang", title="校运会通知",
                      description="周五下午校运会，请家长确认收到。",
                      buttons=(Button("ack", "收到"),))
    async with h.db.unit_of_work() as session:
        await OutboxRepo(session, school_id).add([
            Outgoing("parent_huang", Text("明天降温，请给孩子添衣。")),
            Outgoing("parent_huang", card),
            Outgoing("parent_huang", CardUpdate("已收到", task_id="notice-7-parent_huang")),
        ], h.clock())
    await h.drain()
    got = notices(h, "parent_huang")
    assert got[0] == {"kind": "text", "content": "明天降温，请给孩子添衣。"}
    assert got[1]["kind"] == "news" and got[1]["title"] == "校运会通知"
    assert got[1]["url"] == h.config.server.public_url + "/h5/notices/7"
    assert len(got) == 2
    assert sent_by_message_send(h, "parent_huang") == []
    assert not [p for p, _ in h.standin.requests if p.endswith("update_template_card")]


# ---- what WeCom cannot deliver reaches the 管理员, once per guardian -----------------------


@pytest.mark.parametrize("why", ["absent", "out_of_scope"])
async def test_an_unreachable_family_parent_is_reported_to_the_admin_once(
        family: Harness, why: str) -> None:
    h = family
    getattr(h.standin, why).add("parent_liu")
    await say(h, "teacher_li", "临时请假 刘洋 发烧 至 16:00")
    await say(h, "teacher_li", "销假 刘洋")
    assert notices(h, "parent_liu") == []
    admin = [t for t in h.texts_for("admin_zhou") if "parent_liu" in t]
    assert len(admin) == 1, admin
    assert "学校通知无法发给家长 刘强（家校通讯录 ID parent_liu）" in admin[0]
    assert "家长可使用的应用" in admin[0]
    async with h.db.read() as session:
        states = (await session.scalars(select(OutboxMessage.status).where(
            OutboxMessage.touser == "parent_liu"))).all()
    assert states and set(states) == {"dead"}


async def test_the_standin_refuses_cards_and_chat_to_family_parents(family: Harness) -> None:
    h = family
    client = h.app[keys.WECOM]
    card = ButtonCard(task_id="t-family-1", title="审批", description="",
                      buttons=(Button("ok", "好"),))
    with pytest.raises(WeComError) as caught:
        await client.send("parent_zhang", card)
    assert caught.value.errcode == 81013
    _, body = h.standin.requests[-1]
    assert body["msgtype"] == "template_card"


async def test_an_app_not_allowed_to_send_school_notices_does_not_stop_the_members(
        family: Harness) -> None:
    h = family
    h.standin.school_notices_allowed = False  # not among the 家长可使用的应用
    reply = await say(h, "teacher_li", "临时请假 刘洋 发烧 至 16:00")
    assert "放行码" in reply
    assert notices(h, "parent_liu") == []
    admin = [t for t in h.texts_for("admin_zhou") if "parent_liu" in t]
    assert len(admin) == 1 and "家长可使用的应用" in admin[0]
    assert h.app[keys.OUTBOX_WORKER].health.paused is None
