"""`qingjia sync-roster`: the roster brought in line with WeCom's 家校通讯录 (through the stand-in's
`school/department/list` and `school/user/list`), in place, all or nothing, audited."""

from __future__ import annotations

import asyncio
import copy
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot import cli, keys
from bot.roster_sync import sync_roster
from bot.simulator.school_directory import demo_school_directory
from models.messaging import AuditEntry
from models.repos.roster import RosterRepo
from models.roster import Guardian, StaffRole, Student
from models.roster_import import RosterError
from tests.conftest import local
from tests.harness import DEMO_ROSTER, FakeClock, Harness, prepare_database, running
from tests.test_cli import NOW, standin_serving, workdir  # noqa: F401  (a fixture)

START = local(2026, 11, 26, 8, 0)


def student(directory: Any, name: str) -> dict[str, Any]:
    return next(s for students in directory.students.values() for s in students
                if s["name"] == name)


async def sync(h: Harness) -> Any:
    return await sync_roster(h.db, h.app[keys.SCHOOL_ID], h.app[keys.WECOM], h.config,
                             now=h.clock())


async def snapshot(h: Harness) -> tuple[Any, ...]:
    async with h.db.read() as session:
        guardians = sorted((await session.execute(
            select(Guardian.userid, Guardian.name, Guardian.channel))).all())
        students = sorted((await session.execute(
            select(Student.student_no, Student.name, Student.class_id, Student.active))).all())
        staff = sorted((await session.execute(
            select(StaffRole.userid, StaffRole.role, StaffRole.class_id))).all(),
            key=str)
        audits = await session.scalar(select(func.count()).select_from(AuditEntry))
    return tuple(guardians), tuple(students), tuple(staff), audits


async def test_sync_makes_the_directorys_parents_family_guardians_in_place(
        sqlite_url: str) -> None:
    await prepare_database(sqlite_url)
    async with running(sqlite_url, FakeClock(START)) as h:
        h.standin.school_directory = demo_school_directory()
        first = await sync(h)  # the demo's parents (members until now) are 家校 parents now
        assert first.changed > 0 and first.deactivated == 0
        h.clock.advance(days=1)
        directory = demo_school_directory()
        # a new pupil with a 家校 parent; 吴俊杰 left the school; 刘洋's father is now 爸爸
        new_class = next(d for d in directory.departments if d["type"] == 1)
        directory.students[new_class["id"]].append({
            "student_userid": "G2026070109", "name": "钱多多", "department": [new_class["id"]],
            "parents": [{"parent_userid": "qian_mama", "relation": "妈妈",
                         "mobile": "13900000009"}]})
        for students in directory.students.values():
            students[:] = [s for s in students if s["name"] != "吴俊杰"]
        student(directory, "刘洋")["parents"][0]["relation"] = "爸爸"
        h.standin.school_directory = directory

        summary = await sync(h)
        assert summary.added > 0 and summary.changed > 0 and summary.deactivated > 0

        async with h.db.read() as session:
            channels = {u: (n, c) for u, n, c in await session.execute(
                select(Guardian.userid, Guardian.name, Guardian.channel))}
            roster = RosterRepo(session, h.app[keys.SCHOOL_ID])
            assert [s.name for s in await roster.children_of("qian_mama", channel="家校")] \
                == ["钱多多"]
            wu = await session.scalar(select(Student).where(Student.name == "吴俊杰"))
            actors = set(await session.scalars(select(AuditEntry.actor).where(
                AuditEntry.at == h.clock())))
        assert channels["parent_zhang"] == ("张伟", "家校")  # the school's name for them kept
        assert channels["qian_mama"] == ("钱多多妈妈", "家校")
        assert channels["teacher_li"] == ("李静", "企业微信")  # staff stay members
        assert wu is not None and not wu.active
        assert actors == {"sync:家校通讯录"}

        # the same directory again changes nothing and audits nothing
        before = await snapshot(h)
        again = await sync(h)
        assert (again.added, again.changed, again.deactivated) == (0, 0, 0)
        assert await snapshot(h) == before

        # the synced parents are reached by 学校通知 and sign in through the 家校 flow
        assert await h.say("teacher_li", "临时请假 刘洋 发烧 至 16:00") == 200
        await h.drain()
        told = h.standin.notices_for("parent_liu")
        assert told and told[-1].msgtype == "news"
        assert not h.standin.messages_for("parent_liu")
        page = await h.sign_in("qian_mama", "/h5/", kind="parent")
        assert page.status == 200 and "钱多多" in await page.text()


async def test_the_directorys_homeroom_teacher_replaces_the_class_one(sqlite_url: str) -> None:
    await prepare_database(sqlite_url)
    async with running(sqlite_url, FakeClock(START)) as h:
        directory = demo_school_directory()
        first = next(d for d in directory.departments if d["type"] == 1)
        first["department_admins"] = [{"userid": "teacher_wang", "type": 3},
                                      {"userid": "teacher_li", "type": 4, "subject": "语文"}]
        h.standin.school_directory = directory
        await sync(h)
        async with h.db.read() as session:
            roster = RosterRepo(session, h.app[keys.SCHOOL_ID])
            classes = {c.label for c in await roster.class_of_teacher("teacher_wang")}
            li = await roster.class_of_teacher("teacher_li")
        assert classes == {"初一(1)班", "初一(2)班"} and li == []


@pytest.mark.parametrize(("spoil", "problem"), [
    ("no_parents", "学生「孙新」（G2026070110，初一(1)班）没有家长"),
    ("bad_id", "家长企业微信ID「bad id!」格式不对"),
    ("no_classes", "家校通讯录: 没有班级"),
])
async def test_a_directory_with_a_problem_changes_nothing(sqlite_url: str, spoil: str,
                                                          problem: str) -> None:
    await prepare_database(sqlite_url)
    async with running(sqlite_url, FakeClock(START)) as h:
        directory = demo_school_directory()
        if spoil == "no_parents":  # a new pupil nobody looks after yet
            first = next(d for d in directory.departments if d["type"] == 1)
            directory.students[first["id"]].append({
                "student_userid": "G2026070110", "name": "孙新", "department": [first["id"]],
                "parents": []})
        elif spoil == "bad_id":
            student(directory, "张小明")["parents"][0]["parent_userid"] = "bad id!"
        else:
            directory.departments = [d for d in directory.departments if d["type"] != 1]
        h.standin.school_directory = directory
        before = await snapshot(h)
        with pytest.raises(RosterError) as caught:
            await sync(h)
        assert problem in str(caught.value), str(caught.value)
        assert await snapshot(h) == before


def test_the_command_syncs_from_the_configured_wecom(
        workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    assert cli.main(["migrate"], clock=NOW) == 0
    assert cli.main(["import-roster", "--students", str(DEMO_ROSTER / "students.csv"),
                     "--staff", str(DEMO_ROSTER / "staff.csv")], clock=NOW) == 0
    directory = copy.deepcopy(demo_school_directory())
    with standin_serving([], school_directory=directory) as url:
        config = workdir / "config.toml"
        config.write_text(re.sub(r'api_base = ".*"', f'api_base = "{url}"',
                                 config.read_text(encoding="utf-8")), encoding="utf-8")
        capsys.readouterr()
        assert cli.main(["sync-roster", "--actor", "周敏"], clock=NOW) == 0
        assert "synced from the 家校通讯录" in capsys.readouterr().out

    async def family() -> int:
        from models.db import Database
        db = Database(f"sqlite+aiosqlite:///{workdir}/school.db")
        try:
            async with db.read() as session:
                return int(await session.scalar(select(func.count()).select_from(Guardian)
                                                 .where(Guardian.channel == "家校")) or 0)
        finally:
            await db.dispose()
    assert asyncio.run(family()) == 6  # every parent who is not also staff


def test_the_command_refuses_without_wecom_configured(
        workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:  # noqa: F811
    text = (workdir / "config.toml").read_text(encoding="utf-8")
    example = (Path(cli.__file__).resolve().parent.parent / "config.example.toml").read_text(
        encoding="utf-8")
    secret = re.search(r'^secret = ".*"$', example, flags=re.MULTILINE)
    assert secret
    (workdir / "config.toml").write_text(
        re.sub(r'^secret = ".*"$', secret.group(0), text, count=1, flags=re.MULTILINE),
        encoding="utf-8")
    assert cli.main(["migrate"], clock=NOW) == 0
    assert cli.main(["sync-roster"], clock=NOW) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("qingjia: sync-roster: WeCom is not configured")
    assert "Traceback" not in err


# ---- change_school_contact keeps the roster current between syncs ---------------------------


def school_change_xml(h: Harness, change: str, ident: str) -> str:
    return (f"<xml><ToUserName><![CDATA[{h.config.wecom.corp_id}]]></ToUserName>"
            "<FromUserName><![CDATA[sys]]></FromUserName>"
            f"<CreateTime>{int(h.clock().timestamp())}</CreateTime>"
            "<MsgType><![CDATA[event]]></MsgType>"
            "<Event><![CDATA[change_school_contact]]></Event>"
            f"<ChangeType><![CDATA[{change}]]></ChangeType><Id><![CDATA[{ident}]]></Id></xml>")


async def test_a_change_event_syncs_the_roster(sqlite_url: str) -> None:
    await prepare_database(sqlite_url)
    async with running(sqlite_url, FakeClock(START)) as h:
        directory = demo_school_directory()
        first = next(d for d in directory.departments if d["type"] == 1)
        directory.students[first["id"]].append({
            "student_userid": "G2026070109", "name": "钱多多", "department": [first["id"]],
            "parents": [{"parent_userid": "qian_mama", "relation": "妈妈"}]})
        h.standin.school_directory = directory
        assert await h.post(school_change_xml(h, "create_student", "G2026070109")) == 200
        assert await h.post(school_change_xml(h, "create_parent", "qian_mama")) == 200
        await h.drain()
        async with h.db.read() as session:
            qian = await session.scalar(select(Guardian).where(Guardian.userid == "qian_mama"))
            synced = await session.scalar(select(func.count()).select_from(AuditEntry).where(
                AuditEntry.actor == "sync:家校通讯录", AuditEntry.entity == "student"))
        assert qian is not None and qian.channel == "家校" and qian.name == "钱多多妈妈"
        assert synced == 1  # the second event found nothing left to do
        assert h.texts_for("admin_zhou") == []


async def test_a_change_the_roster_cannot_take_reaches_the_admin_once(sqlite_url: str) -> None:
    await prepare_database(sqlite_url)
    async with running(sqlite_url, FakeClock(START)) as h:
        directory = demo_school_directory()
        first = next(d for d in directory.departments if d["type"] == 1)
        directory.students[first["id"]].append({
            "student_userid": "G2026070110", "name": "孙新", "department": [first["id"]],
            "parents": []})
        h.standin.school_directory = directory
        before = await snapshot(h)
        for _ in range(2):
            assert await h.post(school_change_xml(h, "create_student", "G2026070110")) == 200
            await h.drain()
            h.clock.advance(minutes=1)
        told = h.texts_for("admin_zhou")
        assert len(told) == 1, told
        assert "家校通讯录有变更，但名册未能同步（名册保持不变）" in told[0]
        assert "学生「孙新」（G2026070110，初一(1)班）没有家长" in told[0]
        assert await snapshot(h) == before
