"""The 管理员's roster upload: the import of `qingjia import-roster`, all or nothing, from the
browser; files checked for type and size; the larger body limit for this route only."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator

import aiohttp
import openpyxl
import pytest
from sqlalchemy import func, select

from bot.web.console.settings import MASK, config_rows
from models.messaging import AuditEntry
from models.roster import Student
from tests.harness import DEMO_ROSTER, Harness, make_config
from tests.test_console_pages import text_of

STUDENTS = (DEMO_ROSTER / "students.csv").read_text(encoding="utf-8")
STAFF = (DEMO_ROSTER / "staff.csv").read_text(encoding="utf-8")
NEW_PUPIL = "G2026070104,王小丽,初一,(1)班,王刚,parent_wang,13800000009,父亲,\n"


@pytest.fixture
async def admin(harness: Harness) -> AsyncIterator[tuple[Harness, str]]:
    page = await harness.sign_in("admin_zhou", "/admin/manage")
    token = re.search(r'name="csrf" value="(\w+)"', await page.text())
    assert page.status == 200 and token
    yield harness, token.group(1)


def files(csrf: str, students: tuple[str, bytes] | None,
          staff: tuple[str, bytes] | None) -> aiohttp.FormData:
    form = aiohttp.FormData()
    form.add_field("csrf", csrf)
    for field, item in (("students", students), ("staff", staff)):
        if item is not None:
            form.add_field(field, item[1], filename=item[0],
                           content_type="application/octet-stream")
    return form


async def state(h: Harness) -> tuple[int, int, int]:
    """(students, active students, audit entries): what an import would change."""
    async with h.db.read() as session:
        students = await session.scalar(select(func.count()).select_from(Student))
        active = await session.scalar(select(func.count()).select_from(Student)
                                      .where(Student.active.is_(True)))
        audit = await session.scalar(select(func.count()).select_from(AuditEntry))
    return int(students or 0), int(active or 0), int(audit or 0)


async def test_a_roster_is_imported_and_audited_as_the_admin(
        admin: tuple[Harness, str]) -> None:
    h, csrf = admin
    resp = await h.client.post("/admin/manage/roster", data=files(
        csrf, ("学生.csv", (STUDENTS + NEW_PUPIL).encode("utf-8-sig")),
        ("staff.csv", STAFF.encode())))
    page = text_of(await resp.text())
    assert resp.status == 200 and "已导入" in page
    assert "现有班级 2 个、学生 7 人、家长 8 人、教职工角色 7 个" in page
    assert "本次新增 3 条、修改 0 条、停用或删除 0 条" in page  # student, guardian, link
    async with h.db.read() as session:
        pupil = await session.scalar(select(Student).where(Student.student_no == "G2026070104"))
        actors = set(await session.scalars(select(AuditEntry.actor)
                                           .where(AuditEntry.note == "roster import",
                                                  AuditEntry.actor != "system:test")))
    assert pupil is not None and pupil.name == "王小丽" and actors == {"admin_zhou"}


async def test_an_xlsx_roster_is_read_like_a_csv(admin: tuple[Harness, str]) -> None:
    h, csrf = admin
    book = openpyxl.Workbook()
    for line in (STUDENTS + NEW_PUPIL).splitlines():
        book.active.append(line.split(","))
    data = io.BytesIO()
    book.save(data)
    resp = await h.client.post("/admin/manage/roster", data=files(
        csrf, ("students.xlsx", data.getvalue()), ("staff.csv", STAFF.encode())))
    assert resp.status == 200 and "学生 7 人" in text_of(await resp.text())


async def test_a_bad_row_stops_the_whole_import_and_says_which(
        admin: tuple[Harness, str]) -> None:
    h, csrf = admin
    before = await state(h)
    bad_students = STUDENTS + NEW_PUPIL + "G2026070105,李四,初一,(1)班,李父,li father,,父亲,\n"
    bad_staff = STAFF + "钱多多,clerk_qian,会计,\n"
    resp = await h.client.post("/admin/manage/roster", data=files(
        csrf, ("students.csv", bad_students.encode()), ("staff.csv", bad_staff.encode())))
    page = await resp.text()
    assert resp.status == 400 and "没有导入，名册没有任何改动" in page
    problems = [text_of(p) for p in re.findall(r"<li>(.*?)</li>", page)]
    assert problems == [
        "students.csv 第11行: 家长企业微信ID「li father」格式不对（应为 1–64 位字母、数字或 _-.@）",
        "staff.csv 第9行: 角色「会计」不是 班主任/政教处/校长/门卫/管理员/校医 之一",
    ]
    assert await state(h) == before


@pytest.mark.parametrize(("students", "staff", "said"), [
    (None, ("staff.csv", STAFF.encode()), "请选择学生名单文件"),
    (("students.txt", STUDENTS.encode()), ("staff.csv", STAFF.encode()),
     "学生名单「students.txt」不是 CSV 或 Excel (.xlsx) 文件"),
    (("students.csv", STUDENTS.encode()), ("staff.xlsx", STAFF.encode()),
     "教职工名单「staff.xlsx」的内容不是 Excel (.xlsx)"),
    (("students.csv", b"PK\x03\x04rest"), ("staff.csv", STAFF.encode()),
     "学生名单「students.csv」的内容不是 CSV 文本"),
    (("students.csv", b""), ("staff.csv", STAFF.encode()), "学生名单「students.csv」是空文件"),
    (("students.csv", STUDENTS.encode("gbk")), ("staff.csv", STAFF.encode()),
     "students.csv: 不是 UTF-8 编码的文本"),
])
async def test_uploads_are_checked_for_type(admin: tuple[Harness, str],
                                            students: tuple[str, bytes] | None,
                                            staff: tuple[str, bytes], said: str) -> None:
    h, csrf = admin
    before = await state(h)
    resp = await h.client.post("/admin/manage/roster", data=files(csrf, students, staff))
    assert resp.status == 400 and said in text_of(await resp.text())
    assert await state(h) == before


async def test_the_upload_may_be_large_and_only_the_upload(admin: tuple[Harness, str]) -> None:
    h, csrf = admin
    padding = "\n" * 200_000  # blank lines: 200 KB, over the app's 64 KiB, under 16 MiB
    resp = await h.client.post("/admin/manage/roster", data=files(
        csrf, ("students.csv", (STUDENTS + padding).encode()), ("staff.csv", STAFF.encode())))
    assert resp.status == 200 and "已导入" in text_of(await resp.text())
    big = b"x" * 200_000
    other = await h.client.post("/admin/downloads/leaves", data={"csrf": csrf, "pad": big.decode()})
    assert other.status == 413 and "64 KB" in text_of(await other.text())
    huge = (STUDENTS + "\n" * (17 * 1024 * 1024)).encode()
    resp = await h.client.post("/admin/manage/roster", data=files(
        csrf, ("students.csv", huge), ("staff.csv", STAFF.encode())))
    assert resp.status == 413 and "16 MB" in text_of(await resp.text())


async def test_nobody_else_gets_the_larger_limit(harness: Harness) -> None:
    page = await harness.sign_in("office_zhao", "/admin/")
    token = re.search(r'name="csrf" value="(\w+)"', await page.text())
    assert token
    before = await state(harness)
    resp = await harness.client.post("/admin/manage/roster", data=files(
        token.group(1), ("students.csv", (STUDENTS + "\n" * 200_000).encode()),
        ("staff.csv", STAFF.encode())))
    assert resp.status == 413 and "64 KB" in text_of(await resp.text())
    small = await harness.client.post("/admin/manage/roster", data=files(
        token.group(1), ("students.csv", STUDENTS.encode()), ("staff.csv", STAFF.encode())))
    assert small.status == 403 and "这个页面不对您的身份开放" in await small.text()
    assert await state(harness) == before


def test_the_config_rows_mask_secrets_and_a_database_password() -> None:
    config = make_config("postgresql+asyncpg://qingjia:hunter2@db.example/qingjia")
    shown = {f"{section}.{key}": value for section, rows in config_rows(config)
             for key, value in rows}
    for key in ("wecom.secret", "wecom.token", "wecom.encoding_aes_key", "security.secret_key"):
        assert shown[key] == MASK
    assert shown["database.url"] == "postgresql+asyncpg://qingjia:***@db.example/qingjia"
    everything = " ".join(shown.values())
    for secret in ("hunter2", config.wecom.secret, config.wecom.token,
                   config.wecom.encoding_aes_key, config.security.secret_key):
        assert secret not in everything
