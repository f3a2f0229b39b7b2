"""Three weeks of November 2026 in the demo school, lived through the chat and the jobs, for the
console's tests, its browser tests and its screenshots. "Today" is Thursday 26 November, 08:30.

School days: 9–13, 16–20, 23–26 November (no holiday). Both classes report at 08:00 unless a
day says otherwise; the truancy run goes at 16:30 and the ladder at 16:35.

初一(1)班 (李静, teacher_li): 张小明, 刘洋, 黄欣怡
- 10th: 黄欣怡 on a 事假 for the day (asked on the 9th, approved), reported absent.
- 23rd, 24th, 25th: 刘洋 absent, no leave: 旷课 three days running → on the 25th the ladder's
  first rung (政教处) and a home visit for 李静.
- 26th: 张小明's 病假 for the day, asked 07:30, approved 07:35, out of the gate 07:45 (not back);
  黄欣怡's 事假 for the afternoon asked 07:50, pending with 李静; the report at 08:05:
  缺勤 张小明 刘洋.

初一(2)班 (王海燕, teacher_wang): 张小红, 杨子涵, 吴俊杰
- 12th: 张小红 on a 病假 for the day (asked 07:30, approved), reported absent.
- 13th: reported late, at 09:40. 17th: no report. 18th: reported late (09:20), 吴俊杰 absent
  in the morning, no leave: half a day of 旷课.
- 26th: 吴俊杰's 事假 for Monday to Thursday next week (4 school days: 政教处's tier) asked at
  07:55, pending; no report yet.
"""

from __future__ import annotations

import asyncio
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import select

from bot import keys
from models.attendance import EscalationStep
from models.db import Database
from models.repos.ladder import LadderRepo
from models.roster import Student
from tests.conftest import local
from tests.harness import (
    FakeClock,
    Harness,
    consent_all,
    prepare_database,
    running,
    student_id,
)
from tests.report_month import _approve, _ok
from tests.test_leave_e2e import code_from, submit

DAYS = [date(2026, 11, d) for d in (9, 10, 11, 12, 13, 16, 17, 18, 19, 20, 23, 24, 25, 26)]
TODAY = local(2026, 11, 26, 8, 30)


@dataclass(frozen=True)
class November:
    leaves: dict[str, int]
    pass_code: str  # 张小明's, used at the gate this morning


async def build_november(url: str) -> November:
    """Migrate, load the demo school and live the three weeks up to today, 08:30."""
    await prepare_database(url)
    await consent_all(url)  # the families agreed to keep health details: 病假 reasons are kept
    clock = FakeClock(local(2026, 11, 9, 7, 30))
    leaves: dict[str, int] = {}
    code = ""
    async with running(url, clock) as h:
        for day in DAYS:
            code = await _morning(h, day.day, leaves) or code
            if day.day != 26:
                await _evening(h, day)
        _at(h, 26, 8, 30)
    return November(leaves, code)


def _at(h: Harness, day: int, hour: int, minute: int = 0) -> None:
    h.clock.now = local(2026, 11, day, hour, minute)


async def _morning(h: Harness, day: int, leaves: dict[str, int]) -> str | None:
    code = None
    _at(h, day, 7, 30)
    if day == 9:
        leaves["黄欣怡事假"] = await submit(h, "parent_huang", "请假 黄欣怡 明天 事假 家里有事")
        await _approve(h, "teacher_li", leaves["黄欣怡事假"])
    if day == 12:
        leaves["张小红病假"] = await submit(h, "parent_zhang", "请假 张小红 今天 病假 发烧")
        await _approve(h, "teacher_wang", leaves["张小红病假"])
    if day == 26:
        leaves["张小明病假"] = await submit(h, "parent_zhang", "请假 张小明 今天 病假 咳嗽")
        _at(h, day, 7, 35)
        await _ok(h, "teacher_li", f"批准 {leaves['张小明病假']}", "已批准")
        code = code_from(h.texts_for("parent_zhang")[-1])
        _at(h, day, 7, 45)
        await _ok(h, "guard_sun", f"放行 {code}", "已登记")
        _at(h, day, 7, 50)
        leaves["黄欣怡下午"] = await submit(h, "parent_huang", "请假 黄欣怡 今天下午 事假 看病")
        _at(h, day, 7, 55)
        leaves["吴俊杰下周"] = await submit(h, "parent_wu", "请假 吴俊杰 下周一至周四 事假 回老家")
    _at(h, day, 8, 5 if day == 26 else 0)
    class_1 = {10: "考勤 缺勤 黄欣怡", 23: "考勤 缺勤 刘洋", 24: "考勤 缺勤 刘洋",
               25: "考勤 缺勤 刘洋", 26: "考勤 缺勤 张小明 刘洋"}.get(day, "考勤 全勤")
    await _ok(h, "teacher_li", class_1, "已记录")
    if day in (17, 26):
        return code
    if day in (13, 18):
        _at(h, day, 9, 40 if day == 13 else 20)
    class_2 = {12: "考勤 缺勤 张小红", 18: "考勤 缺勤 吴俊杰 上午"}.get(day, "考勤 全勤")
    await _ok(h, "teacher_wang", class_2, "已记录")
    return code


async def _evening(h: Harness, day: date) -> None:
    runner = h.app[keys.JOB_RUNNER]
    h.clock.now = local(day.year, day.month, day.day, 16, 30)
    await runner.run("truancy", day)
    h.clock.now = local(day.year, day.month, day.day, 16, 35)
    await runner.run("escalation", day)
    await h.drain()


def build_template(folder: Path) -> tuple[Path, November]:
    """The three weeks in a SQLite file under `folder`, built on an event loop of its own
    (module fixtures run outside the tests' loops); tests copy it with `copy_of`."""
    path = folder / "november.db"
    with ThreadPoolExecutor(1) as pool:
        month = pool.submit(asyncio.run, build_november(f"sqlite+aiosqlite:///{path}")).result()
    return path, month


def copy_of(template: Path, folder: Path) -> str:
    """A fresh copy of the template database (with its WAL) for one test: its URL."""
    for src in template.parent.glob(template.name + "*"):
        shutil.copy(src, folder / src.name.replace(template.stem, "school"))
    return f"sqlite+aiosqlite:///{folder / 'school.db'}"


async def open_dropout_case(url: str, student: str) -> int:
    """Record the ladder's dropout step for a student, as the escalation job would on the 26th
    after 15 days away (the three weeks hold no such run): the case's number."""
    db = Database(url)
    try:
        sid, _ = await student_id(db, student)
        async with db.unit_of_work() as session:
            school = await session.scalar(select(Student.school_id).where(Student.id == sid))
            assert school is not None
            repo = LadderRepo(session, school)
            assert await repo.record_step(sid, "dropout", "from:2026-11-05", date(2026, 11, 26),
                                          TODAY, report="草稿")
        async with db.read() as session:
            case = await session.scalar(
                select(EscalationStep.id).where(EscalationStep.student_id == sid,
                                                EscalationStep.step == "dropout"))
        assert case is not None
        return int(case)
    finally:
        await db.dispose()
