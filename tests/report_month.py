"""A known October (2026) of the demo school, lived through the chat and the truancy run.

School days: 8, 9, 10 (a 调休 Saturday), 12–16, 19–23, 26–30: eighteen. Both classes report
every morning at 08:00 unless a day says otherwise, and the truancy run goes at 16:30.

初一(1)班 (李静, teacher_li): 张小明, 刘洋, 黄欣怡
- 9th: 张小明's 病假 for the 12th–13th, approved; he leaves through the gate on the 12th and the
  guard registers his return on the 14th.
- 10th (Saturday): 黄欣怡 misses the morning, no leave: half a day of 旷课.
- 12th, 13th: 张小明 absent, on his leave.
- 14th: 刘洋 absent, no leave: 旷课 … voided on the 15th by a 补假 (事假, 昨天).
- 21st: 刘洋 absent, no leave: 旷课.
- 28th: 黄欣怡's 事假 for the 29th, withdrawn while pending; she comes to school.

初一(2)班 (王海燕, teacher_wang): 张小红, 杨子涵, 吴俊杰
- 9th and 20th: no report.
- 15th: 张小红's 事假 for the afternoon, approved; reported absent that afternoon.
- 16th: 杨子涵 reported absent at 08:00, corrected to 全勤 at 08:30.
- 22nd: 全勤 at 08:00; 临时请假 for 吴俊杰 at 10:00 (to 16:00), out at 10:15, back at 15:30;
  the report corrected at 14:00: absent in the afternoon.
- 26th: 杨子涵 (her mother is 李静) on a 事假 for the morning, reported absent all day.
- 27th: 张小红's 事假 for the day, rejected; reported absent.
- 30th: a 病假 for 吴俊杰 on 2 November (after the month), left pending.
"""

from __future__ import annotations

from datetime import date

from bot import keys
from tests.conftest import local
from tests.harness import FakeClock, Harness, prepare_database, running
from tests.test_leave_e2e import code_from, say, submit

SCHOOL_DAYS = [date(2026, 10, d) for d in (8, 9, 10, 12, 13, 14, 15, 16, 19, 20, 21, 22, 23,
                                           26, 27, 28, 29, 30)]
UNREPORTED_2 = {9, 20}


async def build_october(url: str) -> dict[str, int]:
    """Migrate, load the demo school and live the month; returns the leaves' 单号 by name."""
    await prepare_database(url)
    clock = FakeClock(local(2026, 10, 8, 7, 30))
    leaves: dict[str, int] = {}
    codes: dict[str, str] = {}
    async with running(url, clock) as h:
        for day in SCHOOL_DAYS:
            await _morning(h, day.day, leaves, codes)
            await _evening(h, day)
    return leaves


def _at(h: Harness, day: int, hour: int, minute: int = 0) -> None:
    h.clock.now = local(2026, 10, day, hour, minute)


async def _ok(h: Harness, user: str, text: str, expect: str) -> str:
    reply = await say(h, user, text)
    assert expect in reply, (text, reply)
    return reply


async def _approve(h: Harness, approver: str, number: int) -> None:
    h.clock.advance(minutes=5)
    await _ok(h, approver, f"批准 {number}", "已批准")


async def _morning(h: Harness, day: int, leaves: dict[str, int], codes: dict[str, str]) -> None:
    """What happens before the report, the report itself, and what happens after it."""
    _at(h, day, 7, 30)
    if day == 9:
        leaves["张小明病假"] = await submit(h, "parent_zhang", "请假 张小明 下周一至周二 病假 发烧")
        await _approve(h, "teacher_li", leaves["张小明病假"])
        codes["张小明"] = code_from(h.texts_for("parent_zhang")[-1])
    if day == 12:
        await _ok(h, "guard_sun", f"放行 {codes['张小明']}", "已登记")
    if day == 14:
        _at(h, day, 7, 40)
        await _ok(h, "guard_sun", f"返校 {codes['张小明']}", "已销假")
    if day == 15:
        leaves["刘洋补假"] = await submit(h, "parent_liu", "请假 刘洋 昨天 事假 家里有事")
        await _approve(h, "teacher_li", leaves["刘洋补假"])
        assert any("旷课记录已撤销" in t for t in h.texts_for("parent_liu"))
        _at(h, day, 7, 45)
        leaves["张小红半天"] = await submit(h, "parent_zhang", "请假 张小红 今天下午 事假 看牙")
        await _approve(h, "teacher_wang", leaves["张小红半天"])
    if day == 26:
        leaves["杨子涵上午"] = await submit(h, "teacher_li", "请假 杨子涵 今天上午 事假 办证")
        await _approve(h, "teacher_wang", leaves["杨子涵上午"])
    if day == 27:
        leaves["张小红驳回"] = await submit(h, "parent_zhang", "请假 张小红 今天 事假 走亲戚")
        h.clock.advance(minutes=5)
        await _ok(h, "teacher_wang", f"驳回 {leaves['张小红驳回']} 不符合规定", "已驳回")
    if day == 28:
        leaves["黄欣怡撤销"] = await submit(h, "parent_huang", "请假 黄欣怡 明天 事假 有事")
        h.clock.advance(minutes=10)
        await _ok(h, "parent_huang", f"撤销 {leaves['黄欣怡撤销']}", "已撤销")
    if day == 30:
        leaves["吴俊杰十一月"] = await submit(h, "parent_wu", "请假 吴俊杰 下周一 病假 复查")

    _at(h, day, 8, 0)
    class_1 = {10: "考勤 缺勤 黄欣怡 上午", 12: "考勤 缺勤 张小明", 13: "考勤 缺勤 张小明",
               14: "考勤 缺勤 刘洋", 21: "考勤 缺勤 刘洋"}.get(day, "考勤 全勤")
    class_2 = {15: "考勤 缺勤 张小红 下午", 16: "考勤 缺勤 杨子涵", 26: "考勤 缺勤 杨子涵",
               27: "考勤 缺勤 张小红"}.get(day, "考勤 全勤")
    await _ok(h, "teacher_li", class_1, "已记录")
    if day not in UNREPORTED_2:
        await _ok(h, "teacher_wang", class_2, "已记录")

    if day == 16:
        _at(h, day, 8, 30)
        await _ok(h, "teacher_wang", "考勤 全勤", "已更新")
    if day == 22:
        _at(h, day, 10, 0)
        reply = await _ok(h, "teacher_wang", "临时请假 吴俊杰 发烧 至 16:00", "放行码")
        leaves["吴俊杰临时"] = int(reply.split("单号")[1].split("）")[0])
        code = code_from(reply)
        _at(h, day, 10, 15)
        await _ok(h, "guard_sun", f"放行 {code}", "已登记")
        _at(h, day, 14, 0)
        await _ok(h, "teacher_wang", "考勤 缺勤 吴俊杰 下午", "已更新")
        _at(h, day, 15, 30)
        await _ok(h, "guard_sun", f"返校 {code}", "已销假")


async def _evening(h: Harness, day: date) -> None:
    h.clock.now = local(day.year, day.month, day.day, 16, 30)
    await h.app[keys.JOB_RUNNER].run("truancy", day)
    await h.drain()
