"""What the console's pages show, against the three weeks of tests/console_scenario.py counted
by hand, and against the database itself: today's numbers and the lists behind them, the term's
figures (the same rates as the attendance workbook), a student's timeline, the audit log."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot import keys
from models.attendance import Absence, AttendanceReport, HomeVisit
from models.leave import Leave
from models.roster import SchoolClass
from reports.attendance import export_attendance
from tests.console_scenario import TODAY, build_template, copy_of
from tests.harness import FakeClock, Harness, running, student_id

NOVEMBER = "from=2026-11-09&to=2026-11-26"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path, _ = build_template(tmp_path_factory.mktemp("console_pages"))
    return path


@pytest.fixture
async def school(template: Path, tmp_path: Path) -> AsyncIterator[Harness]:
    async with running(copy_of(template, tmp_path), FakeClock(TODAY)) as h:
        yield h


def text_of(page: str) -> str:
    """The page as a reader sees it: no tags, one space between words."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).strip()


def tiles(page: str) -> dict[str, int]:
    found = re.findall(r'<span class="tile-value">(\d+)(?:<small>/\d+</small>)?</span>\s*'
                       r'<span class="tile-label">([^<]+)</span>', page)
    return {label: int(value) for value, label in found}


def rows(page: str, section: str) -> dict[str, list[str]]:
    """The rows of the table in the section headed `section`: first cell → the other cells."""
    start = page.index(f'id="{section}"')
    table = page[start:page.index("</table>", start)]
    body = table[table.index("<tbody>"):]
    out = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, re.S):
        cells = [text_of(c) for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        out[cells[0]] = cells[1:]
    return out


async def get(h: Harness, who: str, path: str) -> str:
    """`path` as `who` sees it, signed in afresh."""
    h.client.session.cookie_jar.clear()
    resp = await h.sign_in(who, path)
    page = await resp.text()
    assert resp.status == 200, page
    return page


# ---- today ----------------------------------------------------------------------------------

async def test_todays_numbers_are_the_databases(school: Harness) -> None:
    page = await get(school, "office_zhao", "/admin/")
    day = date(2026, 11, 26)
    async with school.db.read() as session:
        absent = await session.scalar(
            select(func.count()).select_from(Absence)
            .join(AttendanceReport, AttendanceReport.id == Absence.report_id)
            .where(AttendanceReport.day == day))
        reported = await session.scalar(select(func.count()).select_from(AttendanceReport)
                                        .where(AttendanceReport.day == day))
        classes = await session.scalar(select(func.count()).select_from(SchoolClass))
        out = await session.scalar(select(func.count()).select_from(Leave).where(
            Leave.exited_at.is_not(None), Leave.returned_at.is_(None)))
        pending = await session.scalar(select(func.count()).select_from(Leave)
                                       .where(Leave.status == "pending"))
        sick = await session.scalar(select(func.count()).select_from(Leave).where(
            Leave.status == "approved", Leave.kind == "病假", Leave.start_date <= day,
            Leave.end_date >= day))
        visits = await session.scalar(select(func.count()).select_from(HomeVisit)
                                      .where(HomeVisit.closed_at.is_(None)))
    # counted by hand from the story: 1 class of 2 unreported, 张小明 and 刘洋 absent, 张小明 on
    # his 病假 and out of the gate, 刘洋 absent with no leave, 2 leaves pending, 刘洋's case
    assert tiles(page) == {"未报考勤班级": 1, "缺勤": 2, "病假": 1, "事假": 0, "离校未返": 1,
                           "缺勤未请假": 1, "待审批": 2, "旷课预警个案": 1, "待家访": 1}
    assert (classes - reported, absent, sick, out, pending, visits) == (1, 2, 1, 1, 2, 1)
    assert "1<small>/2</small>" in page
    assert rows(page, "classes") == {
        "初一(1)班": ["3", "已报 李静 08:05", "2", "1", "0", "1", "1"],
        "初一(2)班": ["3", "未报", "0", "0", "0", "0", "0"],
    }
    pending_rows = rows(page, "pending-title")
    assert [cells[0] for cells in pending_rows.values()] == ["黄欣怡 初一(1)班", "吴俊杰 初一(2)班"]
    assert pending_rows["4"][1:] == ["事假 0.5天", "11月26日下午", "班主任 （本级 40分钟）",
                                     "40分钟"]
    assert pending_rows["5"][1:] == ["事假 4天", "11月30日上午至12月3日下午",
                                     "政教处 （本级 35分钟）", "35分钟"]
    shown = text_of(page)
    assert "连续旷课3天 刘洋 初一(1)班 11月23日(周一)起" in shown
    assert "刘洋 初一(1)班 11月25日 16:35 安排，已 15小时" in shown


@pytest.mark.parametrize(("link", "title", "lines"), [
    ("/admin/today/absent", "缺勤学生（2）",
     ["张小明 初一(1)班 全天 病", "刘洋 初一(1)班 全天 旷"]),
    ("/admin/today/unreported", "未报考勤的班级（1）", ["初一(2)班 在籍3人"]),
    ("/admin/today/sick", "病假学生（1）", ["张小明 初一(1)班 病假 11月26日（单号3）"]),
    ("/admin/today/personal", "事假学生（0）", []),
    ("/admin/today/out", "离校未返校（1）", ["张小明 初一(1)班 11月26日 07:45 离校（单号3）"]),
    ("/admin/today/truant", "缺勤未请假学生（1）", ["刘洋 初一(1)班 1天"]),
])
async def test_each_number_opens_the_list_behind_it(school: Harness, link: str, title: str,
                                                    lines: list[str]) -> None:
    front = await get(school, "office_zhao", "/admin/")
    assert f'href="{link}"' in front
    page = await school.client.get(link)
    body = await page.text()
    assert page.status == 200 and title in text_of(body)
    found = [text_of(li) for li in re.findall(r"<li[^>]*>(.*?)</li>",
                                              body[body.index("<main"):], re.S)]
    assert found == lines


async def test_a_class_rows_numbers_open_that_classs_list(school: Harness) -> None:
    front = await get(school, "office_zhao", "/admin/")
    _, class_2 = await student_id(school.db, "张小红")
    assert f'href="/admin/today/unreported?class={class_2}"' in front
    body = await (await school.client.get(f"/admin/today/unreported?class={class_2}")).text()
    assert "未报考勤的班级（1）" in text_of(body) and "初一(2)班 在籍3人" in text_of(body)


async def test_a_homeroom_teacher_sees_her_class_only(school: Harness) -> None:
    page = await get(school, "teacher_li", "/admin/")
    assert tiles(page)["待审批"] == 1 and tiles(page)["未报考勤班级"] == 0
    assert list(rows(page, "classes")) == ["初一(1)班"]
    for name in ("张小红", "杨子涵", "吴俊杰", "初一(2)班"):
        assert name not in page
    assert "操作记录" not in page and "系统管理" not in page  # not in her menu


async def test_after_the_truancy_run_today_counts_the_truant(school: Harness) -> None:
    school.clock.now = TODAY.replace(hour=16, minute=30)
    await school.app[keys.JOB_RUNNER].run("truancy", date(2026, 11, 26))
    page = await get(school, "office_zhao", "/admin/")
    assert tiles(page)["旷课"] == 1 and "缺勤未请假" not in page
    body = await (await school.client.get("/admin/today/truant")).text()
    assert "旷课学生（1）" in text_of(body) and "刘洋 初一(1)班 1天" in text_of(body)


# ---- the term -------------------------------------------------------------------------------

async def test_the_terms_figures(school: Harness) -> None:
    page = await get(school, "office_zhao", f"/admin/term?{NOVEMBER}")
    shown = text_of(page)
    assert "2026-11-09 至 2026-11-26，14 个上课日，2 个班级" in shown
    # class 1: 黄欣怡 away on the 10th; 刘洋 away 23rd–26th and 张小明 on the 26th.
    # class 2: 张小红 on the 12th; no report on the 17th (12 expected); 吴俊杰 half of the 18th;
    # the 26th not reported yet.
    assert rows(page, "rate-title") == {
        "初一(1)班": ["93.3%", "100.0%", "58.3%"],   # 14/15, 15/15, 7/12
        "初一(2)班": ["93.3%", "95.8%", "100.0%"],   # 14/15, 11.5/12, 9/9
    }
    assert "合计 90.4%" in shown  # 70.5 of 78
    assert rows(page, "leave-title") == {"初一(1)班": ["1", "1", "0", "2", "病假 1天 事假 1天"],
                                         "初一(2)班": ["1", "0", "0", "1", "病假 1天"]}
    assert "病假 2天 事假 1天 临时请假 0天" in shown
    assert "每周旷课 合计 3.5天" in shown  # half a day on the 18th, 刘洋's three days
    assert re.findall(r"<title>(11月\d+日这周旷课[\d.]+天)</title>", page) == [
        "11月16日这周旷课0.5天", "11月23日这周旷课3天"]
    assert rows(page, "late-title") == {"初一(2)班": ["2", "1"]}  # 13th, 18th late; 17th none


async def test_the_term_rates_are_the_attendance_workbooks(school: Harness,
                                                           tmp_path: Path) -> None:
    page = await get(school, "office_zhao", f"/admin/term?{NOVEMBER}")
    heat = rows(page, "rate-title")
    config, school_id = school.config, school.app[keys.SCHOOL_ID]
    for i, (first, last) in enumerate(((9, 13), (16, 20), (23, 26))):
        done = await export_attendance(
            school.db, config, school_id, date(2026, 11, first), date(2026, 11, last),
            tmp_path / f"week{i}.xlsx", actor="test", now=TODAY)
        for summary in done.classes:
            assert summary.rate is not None
            assert heat[summary.label][i] == f"{summary.rate:.1%}"


async def test_the_term_filters_by_grade_and_class(school: Harness) -> None:
    _, class_1 = await student_id(school.db, "刘洋")
    page = await get(school, "office_zhao", f"/admin/term?{NOVEMBER}&grade=初一&class={class_1}")
    assert list(rows(page, "rate-title")) == ["初一(1)班"]
    assert "1 个班级" in text_of(page)
    assert list(rows(await get(school, "office_zhao", "/admin/term?grade=初二"),
                     "leave-title")) == []
    bad = await school.client.get("/admin/term?from=11月9日")
    assert bad.status == 400 and "不是日期" in text_of(await bad.text())
    backwards = await school.client.get("/admin/term?from=2026-11-20&to=2026-11-10")
    assert backwards.status == 400 and "开始日期晚于结束日期" in text_of(await backwards.text())


# ---- a student ------------------------------------------------------------------------------

async def test_a_students_timeline_says_who_and_when(school: Harness) -> None:
    sid, _ = await student_id(school.db, "张小明")
    page = await get(school, "office_zhao", f"/admin/students/{sid}")
    events = [text_of(li) for li in re.findall(r'<li class="ev[^"]*">(.*?)</li>', page, re.S)]
    assert events == [
        "11月26日 08:05 报缺勤 11月26日(周四) 全天 — 李静",
        "11月26日 07:45 离校 单号3 病假 11月26日 — 孙大勇",
        "11月26日 07:35 批准 单号3 病假 11月26日 — 李静",
        "11月26日 07:30 送审 单号3 病假 11月26日 — 系统",
        "11月26日 07:30 提交请假 单号3 病假 11月26日 — 张伟",
    ]
    assert rows(page, "leaves-title") == {"3": ["病假", "11月26日", "1", "已批准", "李静",
                                                "仅审批人可见"]}
    assert "咳嗽" not in page  # the reason is the approver's


async def test_the_approver_sees_the_reason_she_decided_on(school: Harness) -> None:
    sid, _ = await student_id(school.db, "张小明")
    page = await get(school, "teacher_li", f"/admin/students/{sid}")
    assert rows(page, "leaves-title")["3"][-1] == "咳嗽"


async def test_truancy_the_ladder_and_the_home_visit_on_the_timeline(school: Harness) -> None:
    sid, _ = await student_id(school.db, "刘洋")
    page = await get(school, "principal_chen", f"/admin/students/{sid}")
    shown = text_of(page)
    for line in ("11月25日 16:35 旷课预警 连续旷课3天 — 系统",
                 "11月25日 16:35 安排家访 班主任需家访 — 系统",
                 "11月25日 16:30 旷课 11月25日(周三) 1天 — 系统",
                 "11月23日 08:00 报缺勤 11月23日(周一) 全天 — 李静"):
        assert line in shown


async def test_finding_a_student(school: Harness) -> None:
    page = await get(school, "office_zhao", "/admin/students?q=张")
    assert re.findall(r'<a href="/admin/students/\d+">([^<]+)</a>', page) == ["张小明", "张小红"]
    page = await (await school.client.get("/admin/students?q=G2026070202")).text()
    assert re.findall(r'<a href="/admin/students/\d+">([^<]+)</a>', page) == ["杨子涵"]
    mine = await get(school, "teacher_li", "/admin/students")  # a 班主任 sees her class at once
    assert re.findall(r'<a href="/admin/students/\d+">([^<]+)</a>', mine) == [
        "张小明", "刘洋", "黄欣怡"]


# ---- the audit log --------------------------------------------------------------------------

def audit_rows(page: str) -> list[list[str]]:
    body = page[page.index('id="entries-title"'):]
    if "<tbody>" not in body:
        return []
    return [[text_of(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body[body.index("<tbody>"):], re.S)]


async def test_the_audit_log_by_person_and_kind(school: Harness) -> None:
    page = await get(school, "office_zhao", "/admin/audit?person=李静&kind=approved")
    assert audit_rows(page) == [
        ["2026-11-26 07:35", "李静", "批准", "请假 单号3", "状态：待审批",
         "状态：已批准 审批层级：班主任"],
        ["2026-11-09 07:35", "李静", "批准", "请假 单号1", "状态：待审批",
         "状态：已批准 审批层级：班主任"],
    ]
    by_id = await (await school.client.get("/admin/audit?person=teacher_li&kind=approved")).text()
    assert audit_rows(by_id) == audit_rows(page)


async def test_the_audit_log_by_student_and_date(school: Harness) -> None:
    page = await get(school, "office_zhao", "/admin/audit?student=张小明&from=2026-11-26")
    assert [r[1:4] for r in audit_rows(page)] == [
        ["孙大勇", "离校", "请假 单号3"], ["李静", "批准", "请假 单号3"],
        ["系统", "送审", "请假 单号3"], ["张伟", "提交请假", "请假 单号3"]]
    before = await (await school.client.get("/admin/audit?student=张小明&to=2026-11-25")).text()
    assert [r[2:4] for r in audit_rows(before)] == [["新建", "学生 张小明"]]
    absent = await (await school.client.get("/admin/audit?kind=attendance_reported"
                                            "&from=2026-11-26")).text()
    assert [r[1:] for r in audit_rows(absent)] == [
        ["李静", "报考勤", "考勤 初一(1)班 2026-11-26", "", "缺勤学生：张小明、刘洋"]]
    nobody = await (await school.client.get("/admin/audit?student=王五")).text()
    assert audit_rows(nobody) == [] and "没有符合条件的记录" in nobody
    bad = await school.client.get("/admin/audit?from=yesterday")
    assert bad.status == 400 and "不是日期" in await bad.text()


async def test_the_audit_log_pages_back_in_time(school: Harness) -> None:
    page = await get(school, "office_zhao", "/admin/audit")
    first = audit_rows(page)
    assert len(first) == 50
    more = re.search(r'href="/admin/audit\?(before=\d+)"', page)
    assert more
    older = audit_rows(await (await school.client.get(f"/admin/audit?{more.group(1)}")).text())
    assert older and older[0] != first[-1]


# ---- the admin's pages ----------------------------------------------------------------------

async def test_the_config_page_masks_every_secret(school: Harness) -> None:
    page = await get(school, "admin_zhou", "/admin/manage/config")
    config = school.config
    for secret in (config.wecom.secret, config.wecom.token, config.wecom.encoding_aes_key,
                   config.security.secret_key):
        assert secret not in page
    assert page.count("已设置（不显示）") == 4
    shown = text_of(page)
    assert "report_cutoff 09:00" in shown and "corp_id ww0000000000demo" in shown
    assert "不超过3个上课日：班主任；不超过5个上课日：政教处；不超过10个上课日：校长" in shown


async def test_the_calendar_check_page(school: Harness) -> None:
    page = text_of(await get(school, "admin_zhou", "/admin/manage/calendar"))
    assert "2026-2027学年第一学期 （本学期）" in page
    assert "[calendar.national.2027]" in page
    assert re.search(r"2026-2027学年第一学期 （本学期） 2026-09-01 至 2027-01-22 \d+ "
                     r"22 天：2027-01-01 至 2027-01-22", page)
