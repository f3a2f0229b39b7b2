"""Who may open each console page and download each report: every route against every role,
through the real app and the stand-in's sign-in, on the three weeks of tests/console_scenario.

李静 (teacher_li) is 初一(1)班's 班主任 and the mother of 杨子涵 in 初一(2)班: the console shows
her her class, not her child's.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot import keys
from tests.console_scenario import TODAY, build_template, copy_of, open_dropout_case
from tests.harness import DEMO_ROSTER, FakeClock, Harness, make_family, running, student_id

ROLES = {"班主任": "teacher_li", "政教处": "office_zhao", "校长": "principal_chen",
         "管理员": "admin_zhou", "校医": "doctor_he", "门卫": "guard_sun", "家长": "parent_zhang",
         "家校家长": "parent_liu"}
PICTURE = {"班主任", "政教处", "校长"}
SCHOOL = {"政教处", "校长"}
EXPORTERS = {"政教处", "校长", "管理员"}
HEALTH = {"校长", "校医"}  # the 因病缺课登记表 names children's symptoms and diagnoses
STUDENTS = ("张小明", "刘洋", "黄欣怡", "张小红", "杨子涵", "吴俊杰")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

# (what, method, path, form, the roles that get it); {names} are filled in from the database.
TABLE: list[tuple[str, str, str, dict[str, str] | None, set[str]]] = [
    ("today", "GET", "/admin/", None, PICTURE),
    ("a list behind a number", "GET", "/admin/today/absent", None, PICTURE),
    ("another class's list", "GET", "/admin/today/absent?class={c2}", None, SCHOOL),
    ("the term", "GET", "/admin/term", None, PICTURE),
    ("another class's term", "GET", "/admin/term?class={c2}", None, SCHOOL),
    ("finding students", "GET", "/admin/students", None, PICTURE),
    ("another class's students", "GET", "/admin/students?class={c2}", None, SCHOOL),
    ("a student of the class", "GET", "/admin/students/{刘洋}", None, PICTURE),
    ("another class's student", "GET", "/admin/students/{张小红}", None, SCHOOL),
    ("her own child, in another class", "GET", "/admin/students/{杨子涵}", None, SCHOOL),
    ("the audit log", "GET", "/admin/audit", None, EXPORTERS),
    ("the downloads", "GET", "/admin/downloads", None, PICTURE | EXPORTERS | HEALTH),
    ("attendance of the class", "POST", "/admin/downloads/attendance",
     {"from": "2026-11-09", "to": "2026-11-26", "class": "{c1}"}, {"班主任"} | EXPORTERS),
    ("attendance of another class", "POST", "/admin/downloads/attendance",
     {"from": "2026-11-09", "to": "2026-11-26", "class": "{c2}"}, EXPORTERS),
    ("attendance of the school", "POST", "/admin/downloads/attendance",
     {"from": "2026-11-09", "to": "2026-11-26", "class": ""}, EXPORTERS),
    ("the leave workbook", "POST", "/admin/downloads/leaves",
     {"from": "2026-11-09", "to": "2026-11-26"}, EXPORTERS),
    ("a dropout case of the class", "POST", "/admin/downloads/dropout", {"case": "{case1}"},
     {"班主任"} | EXPORTERS),
    ("a dropout case of another class", "POST", "/admin/downloads/dropout", {"case": "{case2}"},
     EXPORTERS),
    ("the month's 控辍保学 ledger", "POST", "/admin/downloads/dropout-ledger",
     {"month": "2026-11"}, EXPORTERS),
    ("the 因病缺课登记表", "POST", "/admin/downloads/illness",
     {"from": "2026-11-09", "to": "2026-11-26"}, HEALTH),
    ("the roster upload", "GET", "/admin/manage", None, {"管理员"}),
    ("the calendar check", "GET", "/admin/manage/calendar", None, {"管理员"}),
    ("the config", "GET", "/admin/manage/config", None, {"管理员"}),
    ("uploading the roster", "POST", "/admin/manage/roster", {"file": "roster"}, {"管理员"}),
]
CONTENT = {"attendance": XLSX, "leaves": XLSX, "dropout": DOCX, "dropout-ledger": XLSX,
           "illness": XLSX}


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path, _ = build_template(tmp_path_factory.mktemp("console_access"))
    return path


async def _ids(h: Harness, url: str) -> dict[str, str]:
    names = {}
    for name in ("刘洋", "张小红", "杨子涵"):
        names[name], class_id = await student_id(h.db, name)
        names["c1" if name == "刘洋" else "c2"] = class_id
    names["case1"] = await open_dropout_case(url, "刘洋")
    names["case2"] = await open_dropout_case(url, "张小红")
    return {k: str(v) for k, v in names.items()}


def _form(form: dict[str, str], csrf: str, ids: dict[str, str]) -> Any:
    if form.get("file") == "roster":
        data = aiohttp.FormData()
        data.add_field("csrf", csrf)
        for field in ("students", "staff"):
            data.add_field(field, (DEMO_ROSTER / f"{field}.csv").read_bytes(),
                           filename=f"{field}.csv", content_type="text/csv")
        return data
    return {"csrf": csrf, **{k: v.format(**ids) for k, v in form.items()}}


@pytest.mark.parametrize("role", list(ROLES))
async def test_every_page_and_export_against_the_role(template: Path, tmp_path: Path,
                                                      role: str) -> None:
    url = copy_of(template, tmp_path)
    async with running(url, FakeClock(TODAY)) as h:
        ids = await _ids(h, url)
        kind = "parent" if role == "家校家长" else "member"
        if kind == "parent":
            await make_family(h.db, h.app[keys.SCHOOL_ID], "parent_liu")
        first = await h.sign_in(ROLES[role], "/h5/" if kind == "parent" else "/admin/downloads",
                                kind=kind)
        csrf = re.search(r'name="csrf" value="(\w+)"', await first.text())
        assert csrf, role
        wrong = []
        for what, method, path, form, allowed in TABLE:
            target = path.format(**ids)
            if method == "GET":
                resp = await h.client.get(target, allow_redirects=False)
            else:
                resp = await h.client.post(target, data=_form(form or {}, csrf.group(1), ids),
                                           allow_redirects=False)
            body = await resp.read()
            expected = 200 if role in allowed else 403
            if role in ("管理员", "校医") and path == "/admin/":
                expected = 302  # to the first page the role has
            if resp.status != expected:
                wrong.append(f"{what}: {resp.status}, expected {expected}")
                continue
            if expected == 403:
                shown = body.decode()
                leaked = [name for name in STUDENTS if name in shown]
                if leaked:
                    wrong.append(f"{what}: the refusal shows {leaked}")
            report = target.rsplit("/", 1)[-1]
            if (expected == 200 and method == "POST" and report in CONTENT
                    and (resp.content_type != CONTENT[report] or not body.startswith(b"PK"))):
                wrong.append(f"{what}: {resp.content_type}, not the file")
        assert wrong == []
