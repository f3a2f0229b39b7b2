"""The reports from the console: the same workbooks and Word report as `qingjia report …`,
opened and read, audited with the signed-in userid; what cannot be exported is said in Chinese
on the page and nothing is written."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from pathlib import Path

import docx
import openpyxl
import pytest
from sqlalchemy import select

from models.messaging import AuditEntry
from tests.console_scenario import TODAY, build_template, copy_of, open_dropout_case
from tests.harness import FakeClock, Harness, running, student_id
from tests.test_console_pages import text_of
from tests.test_reports import rows

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path, _ = build_template(tmp_path_factory.mktemp("console_downloads"))
    return path


@pytest.fixture
async def school(template: Path, tmp_path: Path) -> AsyncIterator[tuple[Harness, str]]:
    url = copy_of(template, tmp_path)
    async with running(url, FakeClock(TODAY)) as h:
        yield h, url


async def signed_in(h: Harness, who: str) -> str:
    """Sign in on the downloads page; the form's CSRF token."""
    page = await h.sign_in(who, "/admin/downloads")
    token = re.search(r'name="csrf" value="(\w+)"', await page.text())
    assert page.status == 200 and token
    return token.group(1)


async def exports(h: Harness) -> list[AuditEntry]:
    async with h.db.read() as session:
        return list(await session.scalars(
            select(AuditEntry).where(AuditEntry.action == "report_exported")
            .order_by(AuditEntry.id)))


async def test_the_attendance_workbook_from_the_console(school: tuple[Harness, str]) -> None:
    h, _ = school
    csrf = await signed_in(h, "office_zhao")
    resp = await h.client.post("/admin/downloads/attendance", data={
        "csrf": csrf, "from": "2026-11-09", "to": "2026-11-26", "class": ""})
    assert resp.status == 200 and resp.content_type == XLSX
    disposition = resp.headers["Content-Disposition"]
    assert 'filename="attendance-2026-11-09-2026-11-26.xlsx"' in disposition
    assert "filename*=UTF-8''%E8%80%83%E5%8B%A4_2026-11-09_2026-11-26.xlsx" in disposition
    assert resp.headers["Cache-Control"] == "private, no-store"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    book = openpyxl.load_workbook(io.BytesIO(await resp.read()))
    assert book.sheetnames == ["汇总", "初一(1)班", "初一(2)班"]
    summary = rows(book["汇总"])
    # 初一(1)班: 14 days × 3; away: 黄欣怡 事 (10th), 刘洋 旷 (23rd–26th), 张小明 病 (26th).
    # 初一(2)班: 12 days reported (not the 17th, not yet the 26th); 张小红 病 (12th), 吴俊杰
    # half a day 旷 (18th).
    assert summary[2][:10] == ["初一(1)班", 3, 14, 0, 42, 36, 1, 1, 4, 0]
    assert summary[3][:10] == ["初一(2)班", 3, 14, 2, 36, 34.5, 1, 0, 0.5, 6]
    entry = (await exports(h))[-1]
    assert (entry.actor, entry.entity_id) == ("office_zhao", "attendance")
    assert entry.after == {"from": "2026-11-09", "to": "2026-11-26", "class": None,
                           "classes": 2, "students": 6, "school_days": 14}


async def test_a_teacher_downloads_her_class(school: tuple[Harness, str]) -> None:
    h, _ = school
    _, class_1 = await student_id(h.db, "刘洋")
    csrf = await signed_in(h, "teacher_li")
    page = await (await h.client.get("/admin/downloads")).text()
    assert "全部班级" not in page and "请假记录" not in page  # the school's, not hers
    resp = await h.client.post("/admin/downloads/attendance", data={
        "csrf": csrf, "from": "2026-11-09", "to": "2026-11-26", "class": str(class_1)})
    assert resp.status == 200
    book = openpyxl.load_workbook(io.BytesIO(await resp.read()))
    assert book.sheetnames == ["汇总", "初一(1)班"]
    assert [r[1] for r in rows(book["初一(1)班"])[2:]] == ["张小明", "刘洋", "黄欣怡"]
    assert (await exports(h))[-1].actor == "teacher_li"


async def test_the_leave_workbook_from_the_console(school: tuple[Harness, str]) -> None:
    h, _ = school
    csrf = await signed_in(h, "principal_chen")
    resp = await h.client.post("/admin/downloads/leaves", data={
        "csrf": csrf, "from": "2026-11-01", "to": "2026-12-31"})
    assert resp.status == 200 and resp.content_type == XLSX
    sheet = openpyxl.load_workbook(io.BytesIO(await resp.read()))["请假记录"]
    listed = [(r[0], r[2], r[4], r[10]) for r in rows(sheet)[2:]]
    assert listed == [(1, "黄欣怡", "事假", "已批准"), (2, "张小红", "病假", "已批准"),
                      (3, "张小明", "病假", "已批准"), (4, "黄欣怡", "事假", "待审批"),
                      (5, "吴俊杰", "事假", "待审批")]
    assert "咳嗽" not in str(rows(sheet))
    assert (await exports(h))[-1].actor == "principal_chen"


async def test_the_school_doctor_downloads_the_illness_register(
        school: tuple[Harness, str]) -> None:
    """The 校医 opens nothing but 报表下载, which offers her the 因病缺课登记表 only."""
    h, _ = school
    csrf = await signed_in(h, "doctor_he")
    page = await (await h.client.get("/admin/downloads")).text()
    assert re.findall(r"<h2[^>]*>(.*?)</h2>", page) == ["因病缺课登记表（Excel）"]
    assert re.findall(r'<nav class="menu".*?</nav>', page, re.S)[0].count("<a ") == 1
    resp = await h.client.post("/admin/downloads/illness", data={
        "csrf": csrf, "from": "2026-11-09", "to": "2026-11-26"})
    assert resp.status == 200 and resp.content_type == XLSX
    assert 'filename="illness-2026-11-09-2026-11-26.xlsx"' in resp.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(await resp.read()))["因病缺课登记表"]
    listed = [(r[2], r[3], r[4], r[5], r[13]) for r in rows(sheet)[2:]]
    assert listed == [("张小红", "女", 13, "初一(2)班", "病假"),
                      ("张小明", "男", 13, "初一(1)班", "病假")]
    entry = (await exports(h))[-1]
    assert (entry.actor, entry.entity_id) == ("doctor_he", "illness")
    assert entry.after == {"from": "2026-11-09", "to": "2026-11-26", "absences": 2}


async def test_a_dropout_report_opens_in_word(school: tuple[Harness, str]) -> None:
    h, url = school
    case = await open_dropout_case(url, "刘洋")
    csrf = await signed_in(h, "admin_zhou")
    page = await (await h.client.get("/admin/downloads")).text()
    assert f'<option value="{case}">个案{case}：刘洋（初一(1)班）11月26日(周四)</option>' in page
    resp = await h.client.post("/admin/downloads/dropout", data={"csrf": csrf,
                                                                 "case": str(case)})
    assert resp.status == 200
    assert f"dropout-case-{case}.docx" in resp.headers["Content-Disposition"]
    text = "\n".join(p.text for p in docx.Document(io.BytesIO(await resp.read())).paragraphs)
    assert "刘洋" in text and "G2026070102" in text
    entry = (await exports(h))[-1]
    assert (entry.actor, entry.entity_id) == ("admin_zhou", f"dropout:{case}")


@pytest.mark.parametrize(("report", "form", "said"), [
    ("attendance", {"from": "2026-11-31", "to": "2026-12-01"}, "开始日期「2026-11-31」不是日期"),
    ("attendance", {"from": "2026-11-20", "to": "2026-11-10"}, "开始日期晚于结束日期"),
    ("leaves", {"from": "2025-09-01", "to": "2026-11-26"}, "一次最多导出 366 天"),
    ("attendance", {"from": "2026-12-28", "to": "2027-01-08"},
     "2027年的放假安排还没有录入，请联系学校管理员，无法统计2027年的上课日"),
    ("dropout", {"case": ""}, "请选择一个辍学个案"),
    ("dropout", {"case": "999"}, "没有编号为 999 的辍学个案"),
])
async def test_what_cannot_be_exported_is_said_on_the_page(
        school: tuple[Harness, str], report: str, form: dict[str, str], said: str) -> None:
    h, _ = school
    csrf = await signed_in(h, "office_zhao")
    resp = await h.client.post(f"/admin/downloads/{report}", data={"csrf": csrf, **form})
    page = await resp.text()
    assert resp.status == 400 and resp.content_type == "text/html"
    assert "无法导出" in page and said in text_of(page)
    assert await exports(h) == []
    for key in ("from", "to"):  # the form keeps what was typed
        if key in form:
            assert f'value="{form[key]}"' in page


async def test_a_download_needs_the_forms_token(school: tuple[Harness, str]) -> None:
    h, _ = school
    await signed_in(h, "office_zhao")
    resp = await h.client.post("/admin/downloads/leaves", data={
        "csrf": "0" * 32, "from": "2026-11-01", "to": "2026-11-26"})
    assert resp.status == 403 and await exports(h) == []
