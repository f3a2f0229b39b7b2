"""Nothing of one school is read or changed from another (issue 13's access check).

School a goes through the real flow that tests/test_access.py builds (leaves pending and
approved, a 放行码, a QR link, a notice). Then every chat action of that test's table is sent at
school b, by the same userids (WeCom userids are per corp, so b's parents may well share
a's), with a's 单号, codes and names; b's 校长 and a parent open b's pages with a's 单号,
notice, QR token and student id; b's jobs run for a week (b's exports:
tests/test_school_cli.py). Afterwards school a's
rows are exactly as they were, and nothing said at b holds a name or code of a's that the person
did not type themselves.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

import models.all  # noqa: F401  (every table, for the snapshot)
from bot import keys
from models.base import Base
from models.db import Database
from models.roster import Student
from tests.conftest import local
from tests.harness import FakeClock, Harness
from tests.schools import B_NAMES, SchoolSpec, running_schools, school_b_roster
from tests.test_access import ANYONE, CODE, QR, ROWS, START, WECOM, _say, _submit

# School a's people (b has them under other names), but for 张小明: the help texts' examples
# name him at every school ("请假 张小明 明天 病假 发烧").
A_NAMES = tuple(name for name in B_NAMES if name != "张小明")


async def snapshot(db: Database, school_id: int) -> dict[str, dict[Any, tuple[Any, ...]]]:
    """Every row of the school's in tables that carry the school, and every row of the tables
    that do not (their rows hang off a school's rows), by primary key."""
    out: dict[str, dict[Any, tuple[Any, ...]]] = {}
    async with db.read() as session:
        for table in Base.metadata.sorted_tables:
            query = select(table)
            if "school_id" in table.c:
                query = query.where(table.c.school_id == school_id)
            elif table.name == "school":
                query = query.where(table.c.id == school_id)
            keys_ = [c.name for c in table.primary_key.columns]
            rows = (await session.execute(query)).mappings().all()
            out[table.name] = {tuple(r[k] for k in keys_): tuple(r.values()) for r in rows}
    return out


async def build_at_a(a: Harness) -> dict[str, str]:
    """What tests/test_access.py's world holds, at school a (with reasons only a has)."""
    ids = {"L1": await _submit(a, "parent_zhang", "请假 张小明 明天 事假 甲校合唱比赛")}
    ids["L2"] = await _submit(a, "parent_liu", "请假 刘洋 今天 事假 甲校家长会")
    assert "已批准" in await _say(a, "teacher_li", f"批准 {ids['L2']}")
    pass_text = a.last_text("parent_liu")
    code, qr = CODE.search(pass_text), QR.search(pass_text)
    assert code and qr, pass_text
    ids["C2"], ids["QR"] = code.group(1), qr.group(1)
    ids["L4"] = await _submit(a, "parent_huang", "请假 12月1日到12月4日 事假 甲校探亲")
    assert "确认" in await _say(a, "office_zhao", "通知 全校 甲校运动会周五举行")
    assert "已发送通知1" in await _say(a, "office_zhao", "确认")
    return ids


# A notice's commands with a's notice number 1, by every kind of person at b (b has no notice).
NOTICE_ACTIONS = [(who, action) for who in ("office_zhao", "principal_chen", "teacher_li",
                                            "parent_zhang", "parent_wujj")
                  for action in ("回执 1", "回执 1 未读", "通知1", "提醒 1", "撤回 1", "收到 1",
                                 "收到", "我的通知", "通知列表")]


def leaks(said: str, typed: str, ids: dict[str, str]) -> list[str]:
    """a's names, reasons ("甲校…"), pass code and QR token in what b said, unless the person
    typed them."""
    secrets_ = [*A_NAMES, ids["C2"], ids["QR"], "甲校"]
    return [s for s in secrets_ if s in said and s not in typed]


async def b_pages_with_a_ids(b: Harness, a: Harness, ids: dict[str, str]) -> list[str]:
    """b's pages, for b's 校长 and b's parent, opened with a's 单号, notice, QR and student."""
    async with a.db.read() as session:
        a_student = await session.scalar(select(Student.id).where(Student.name == "刘洋"))
    found = []
    for who, paths in (
            ("principal_chen", ("/admin/", "/admin/today/pending", "/admin/students",
                                f"/admin/students/{a_student}", "/admin/term", "/admin/audit",
                                f"/h5/evidence/{ids['L1']}", "/h5/notices/1")),
            ("parent_zhang", ("/h5/", "/h5/leaves", "/h5/notices", "/h5/notices/1",
                              f"/h5/pass/{ids['QR']}", f"/pass/{ids['QR']}.png",
                              f"/h5/evidence/{ids['L1']}"))):
        b.client.session.cookie_jar.clear()
        first = await b.sign_in(who, "/s/b" + paths[0])
        assert first.status == 200, (who, first.status)
        for path in paths:
            resp = await b.client.get("/s/b" + path, allow_redirects=False)
            body = await resp.read()
            said = body.decode("utf-8", "replace")
            if path.endswith(".png") or path.startswith(("/h5/pass/", "/h5/evidence/")):
                assert resp.status in (403, 404), (path, resp.status)
            found += [f"{who} GET /s/b{path}: {leak}" for leak in leaks(said, "", ids)]
    return found


async def test_no_chat_action_job_or_export_at_one_school_touches_the_other(
        sqlite_url: str, tmp_path: Path) -> None:
    clock = FakeClock(START)
    specs = [SchoolSpec("a", "甲中学"),
             SchoolSpec("b", "乙中学", roster=school_b_roster(tmp_path / "roster-b"))]
    async with running_schools(sqlite_url, clock, tmp_path / "deploy", specs) as schools:
        a, b = schools["a"], schools["b"]
        ids = await build_at_a(a)
        a_id = a.app[keys.SCHOOL_ID]
        before = await snapshot(a.db, a_id)
        a_deliveries = len(a.standin.delivered)
        found: list[str] = []
        typed_anywhere = ""
        chat_rows = [row for row in ROWS if row.who not in (WECOM, ANYONE)]
        assert len(chat_rows) > 100
        for row in chat_rows:
            actions = (row.action,) if isinstance(row.action, str) else row.action
            typed = ""
            before_said = len(b.texts_for(row.who))
            for action in actions:
                message = action.format(**ids)
                typed += message
                if message.startswith("click:"):
                    task = f"leave{ids['L1']}-access"
                    status = await b.post(b.inner_click_xml(row.who, task,
                                                            message.removeprefix("click:")))
                else:
                    status = await b.say(row.who, message)
                assert status == 200
                await b.drain()
            typed_anywhere += typed
            said = "\n".join(b.texts_for(row.who)[before_said:])
            found += [f"{row}: {leak}" for leak in leaks(said, typed, ids)]
        for who, action in NOTICE_ACTIONS:
            before_said = len(b.texts_for(who))
            assert await b.say(who, action) == 200
            await b.drain()
            said = "\n".join(b.texts_for(who)[before_said:])
            found += [f"{who} | {action}: {leak}" for leak in leaks(said, action, ids)]
        found += await b_pages_with_a_ids(b, a, ids)
        for day in range(7):  # b's jobs, a week of evenings and mornings
            for hour in (7, 9, 10, 17, 19):
                clock.now = local(2026, 11, 26, hour, 5) + timedelta(days=day)
                await b.app[keys.JOB_RUNNER].run_due()
                await b.drain()
        everything = "\n".join(str(d.body) for d in b.standin.delivered)
        found += [f"b's deliveries: {leak}" for leak in leaks(everything, typed_anywhere, ids)]
        assert found == [], "\n".join(found)
        assert await snapshot(a.db, a_id) == before
        assert len(a.standin.delivered) == a_deliveries  # a's app sent nothing for b
