"""Roster files: every validation rule, with the row-numbered message the admin sees."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from models import roster_import
from models.roster_import import (
    STAFF_HEADER,
    STUDENT_HEADER,
    Roster,
    RosterError,
    StaffRow,
    StudentRow,
    read_roster,
    roster_label,
    validate,
)

DEMO = Path(__file__).resolve().parent.parent / "bot" / "demo_roster"
S_HEAD = ",".join(STUDENT_HEADER)
T_HEAD = ",".join(STAFF_HEADER)

# Rows 2–5 of students.csv and staff.csv: two classes, valid as they are.
STUDENTS = [
    "S001,张小明,初一,(1)班,张伟,parent_zhang,13800000001,父亲",
    "S001,张小明,初一,(1)班,林芳,parent_lin,,母亲",
    "S002,刘洋,初一,(1)班,刘强,parent_liu,13800000003,父亲",
    "S003,张小红,初一,(2)班,张伟,parent_zhang,13800000001,父亲",
]
STAFF = [
    "李静,teacher_li,班主任,初一(1)班",
    "王海燕,teacher_wang,班主任,初一(2)班",
    "赵国强,office_zhao,政教处,",
    "孙大勇,guard_sun,门卫,",
]
ROLE_LIST = "班主任/政教处/校长/门卫/管理员/校医"


def write(tmp_path: Path, students: list[str], staff: list[str], *, bom: bool = False,
          s_head: str = S_HEAD, t_head: str = T_HEAD) -> tuple[Path, Path]:
    sp, tp = tmp_path / "students.csv", tmp_path / "staff.csv"
    prefix = "\ufeff" if bom else ""
    sp.write_text(prefix + "\n".join([s_head, *students]) + "\n", encoding="utf-8")
    tp.write_text(prefix + "\n".join([t_head, *staff]) + "\n", encoding="utf-8")
    return sp, tp


def problems_of(tmp_path: Path, students: list[str], staff: list[str], **kw: str) -> list[str]:
    sp, tp = write(tmp_path, students, staff, **kw)  # type: ignore[arg-type]
    try:
        read_roster(sp, tp)
    except RosterError as exc:
        return exc.problems
    return []


def swap(rows: list[str], index: int, new: str) -> list[str]:
    """rows with rows[index] (row number index + 2) replaced."""
    return [new if i == index else r for i, r in enumerate(rows)]


CASES = [
    pytest.param(
        STUDENTS, STAFF, [], id="valid"),
    pytest.param(
        swap(STUDENTS, 1, "S001,张小明,初一,(1)班,林芳,parent_lin,,母亲"), STAFF, [],
        id="家长手机 may be empty"),
    pytest.param(
        [*STUDENTS, "S004,黄欣怡,初二,(1)班,黄磊,parent_huang,13800000004,父亲"], STAFF,
        ["staff.csv: 班级「初二(1)班」没有班主任（students.csv 第6行起有该班学生）"],
        id="class without 班主任"),
    pytest.param(
        STUDENTS, [*STAFF, "吴老师,teacher_wu,班主任,初二(1)班"], [],
        id="班主任 of a class without students is allowed"),
    pytest.param(
        STUDENTS, [*STAFF, "吴老师,teacher_wu,班主任,初一(1)班"], [],
        id="class with two 班主任"),
    pytest.param(
        STUDENTS,
        [*STAFF, "吴老师,teacher_wu,班主任,初一(1)班", "郑老师,teacher_zheng,班主任,初一(1)班"],
        ["staff.csv 第7行: 班级「初一(1)班」已有班主任「李静」（第2行）、「吴老师」（第6行），"
         "一个班最多2位班主任"],
        id="class with three 班主任"),
    pytest.param(
        STUDENTS, swap(STAFF, 2, "赵国强,office_zhao,老师,"),
        [f"staff.csv 第4行: 角色「老师」不是 {ROLE_LIST} 之一"],
        id="unknown role"),
    pytest.param(
        STUDENTS, [*STAFF, "吴老师,teacher_wu,班主任,"],
        ["staff.csv 第6行: 班主任必须填写「班级」"],
        id="班主任 without 班级"),
    pytest.param(
        STUDENTS, swap(STAFF, 3, "孙大勇,guard_sun,门卫,初一(1)班"),
        ["staff.csv 第5行: 只有班主任填写「班级」，门卫应留空（现为「初一(1)班」）"],
        id="门卫 with 班级"),
    pytest.param(
        swap(STUDENTS, 2, "S002,,初一,(1)班,刘强,parent_liu,13800000003,父亲"), STAFF,
        ["students.csv 第4行: 「姓名」不能为空"],
        id="student name empty"),
    pytest.param(
        swap(STUDENTS, 2, ",刘洋,初一,(1)班,,parent_liu,13800000003,"), STAFF,
        ["students.csv 第4行: 「学籍号」不能为空", "students.csv 第4行: 「家长姓名」不能为空",
         "students.csv 第4行: 「关系」不能为空"],
        id="several empty cells in one row"),
    pytest.param(
        swap(STUDENTS, 2, "S002,刘洋,初一,(1)班,刘强,,13800000003,父亲"), STAFF,
        ["students.csv 第4行: 「家长企业微信ID」不能为空"],
        id="guardian userid empty"),
    pytest.param(
        STUDENTS, swap(STAFF, 2, ",office_zhao,政教处,"),
        ["staff.csv 第4行: 「姓名」不能为空"],
        id="staff name empty"),
    pytest.param(
        STUDENTS, swap(STAFF, 2, "赵国强,office_zhao,,"),
        ["staff.csv 第4行: 「角色」不能为空"],
        id="staff role empty"),
    pytest.param(
        swap(STUDENTS, 2, "S002,刘洋,初一,(1)班,刘强,parent_liu,1380000000,父亲"), STAFF,
        ["students.csv 第4行: 家长手机「1380000000」应为以1开头的11位数字"],
        id="phone 10 digits"),
    pytest.param(
        swap(STUDENTS, 2, "S002,刘洋,初一,(1)班,刘强,parent_liu,23800000003,父亲"), STAFF,
        ["students.csv 第4行: 家长手机「23800000003」应为以1开头的11位数字"],
        id="phone not starting with 1"),
    pytest.param(
        swap(STUDENTS, 2, "S002,刘洋,初一,(1)班,刘强,parent#liu,13800000003,父亲"), STAFF,
        ["students.csv 第4行: 家长企业微信ID「parent#liu」格式不对"
         "（应为 1–64 位字母、数字或 _-.@）"],
        id="guardian userid bad character"),
    pytest.param(
        STUDENTS, swap(STAFF, 3, f"孙大勇,{'g' * 65},门卫,"),
        [f"staff.csv 第5行: 企业微信ID「{'g' * 65}」格式不对（应为 1–64 位字母、数字或 _-.@）"],
        id="staff userid too long"),
    pytest.param(
        STUDENTS, swap(STAFF, 3, "孙大勇,guard sun,门卫,"),
        ["staff.csv 第5行: 企业微信ID「guard sun」格式不对（应为 1–64 位字母、数字或 _-.@）"],
        id="staff userid with a space"),
    pytest.param(
        [*STUDENTS, "S002,刘阳,初一,(1)班,王芳,parent_wang,,母亲"], STAFF,
        ["students.csv 第6行: 学籍号「S002」的姓名「刘阳」与第4行的「刘洋」不一致"],
        id="学籍号 with two names"),
    pytest.param(
        [*STUDENTS, "S002,刘洋,初一,(2)班,王芳,parent_wang,,母亲"], STAFF,
        ["students.csv 第6行: 学籍号「S002」的班级「初一(2)班」与第4行的「初一(1)班」不一致"],
        id="学籍号 in two classes"),
    pytest.param(
        [*STUDENTS, "S004,黄欣怡,初一,(2)班,张大伟,parent_zhang,13800000001,父亲"], STAFF,
        ["students.csv 第6行: 家长企业微信ID「parent_zhang」的姓名「张大伟」"
         "与第2行的「张伟」不一致"],
        id="guardian userid with two names"),
    pytest.param(
        [*STUDENTS, "S004,黄欣怡,初一,(2)班,张伟,parent_zhang,13900000001,父亲"], STAFF,
        ["students.csv 第6行: 家长企业微信ID「parent_zhang」的手机「13900000001」"
         "与第2行的「13800000001」不一致"],
        id="guardian userid with two phones"),
    pytest.param(
        [*STUDENTS, "S004,黄欣怡,初一,(1)班,林芳,parent_lin,13900000002,母亲",
         "S005,吴俊杰,初一,(1)班,林芳,parent_lin,13900000009,母亲"], STAFF,
        ["students.csv 第7行: 家长企业微信ID「parent_lin」的手机「13900000009」"
         "与第6行的「13900000002」不一致"],
        id="phones compared with the first row that gives one"),
    pytest.param(
        [*STUDENTS, STUDENTS[2]], STAFF,
        ["students.csv 第6行: 与第4行重复"],
        id="duplicate student row"),
    pytest.param(
        [*STUDENTS, "S002,刘洋,初一,(1)班,刘强,parent_liu,13800000003,爸爸"], STAFF,
        ["students.csv 第6行: 学籍号「S002」与家长「parent_liu」已在第4行出现"],
        id="same student and guardian twice"),
    pytest.param(
        STUDENTS, [*STAFF, STAFF[2]],
        ["staff.csv 第6行: 与第4行重复"],
        id="duplicate staff row"),
    pytest.param(
        STUDENTS, [*STAFF, "赵强,office_zhao,校长,"],
        ["staff.csv 第6行: 企业微信ID「office_zhao」的姓名「赵强」与第4行的「赵国强」不一致"],
        id="staff userid with two names"),
    pytest.param(
        STUDENTS, [*STAFF, "赵国强,office_zhao,校长,"], [],
        id="one person, two roles"),
    pytest.param(
        [*STUDENTS, "S004,黄欣怡,初一,(1)班,黄磊,parent_huang,,父亲,多余"], STAFF,
        ["students.csv 第6行: 有 9 列，表头只有 8 列"],
        id="too many cells"),
    pytest.param(
        [*STUDENTS, "S004,黄欣怡,初一,(1)班,黄磊,parent_huang"], STAFF,
        ["students.csv 第6行: 「关系」不能为空"],
        id="too few cells"),
    pytest.param(
        [*STUDENTS, ",,,,,,,", "", "  ,　,"], STAFF, [],
        id="empty trailing rows ignored"),
    pytest.param(
        [*STUDENTS, f"S004,{'名' * 65},初一,(1)班,黄磊,parent_huang,,父亲"], STAFF,
        ["students.csv 第6行: 「姓名」超过 64 个字"],
        id="name longer than the column"),
    pytest.param(
        [swap(STUDENTS, 2, "S002,刘洋,初一,(1)班,刘强,parent_liu,138,父亲")[2],
         "S009,黄欣怡,初三,(9)班,黄磊,parent_huang,,父亲"],
        [*STAFF, "吴老师,teacher_wu,老师,", "吴老师,teacher_wu,班主任,初一(1)班",
         "郑老师,teacher_zheng,班主任,初一(1)班"],
        ["students.csv 第2行: 家长手机「138」应为以1开头的11位数字",
         f"staff.csv 第6行: 角色「老师」不是 {ROLE_LIST} 之一",
         "staff.csv 第8行: 班级「初一(1)班」已有班主任「李静」（第2行）、「吴老师」（第7行），"
         "一个班最多2位班主任",
         "staff.csv: 班级「初三(9)班」没有班主任（students.csv 第3行起有该班学生）"],
        id="every problem is listed, not just the first"),
]


@pytest.mark.parametrize(("students", "staff", "expected"), CASES)
def test_rules(tmp_path: Path, students: list[str], staff: list[str],
               expected: list[str]) -> None:
    assert problems_of(tmp_path, students, staff) == expected


def test_roles_the_config_names_are_accepted(tmp_path: Path) -> None:
    """A school whose tiers name 教导处 (篇四) lists its office under that role."""
    staff = [*STAFF, "钱文,office_qian,教导处,"]
    assert problems_of(tmp_path, STUDENTS, staff) == [
        f"staff.csv 第6行: 角色「教导处」不是 {ROLE_LIST} 之一"]
    roster = read_roster(*write(tmp_path, STUDENTS, staff),
                         roles=(*roster_import.ROLES, "教导处"))
    assert roster.staff[-1] == StaffRow(row=6, name="钱文", userid="office_qian", role="教导处",
                                        grade=None, class_name=None)
    with pytest.raises(RosterError) as info:
        read_roster(*write(tmp_path, STUDENTS, [*staff, "钱文,office_qian,教导处,初一(1)班"]),
                    roles=(*roster_import.ROLES, "教导处"))
    assert info.value.problems == [
        "staff.csv 第7行: 只有班主任填写「班级」，教导处应留空（现为「初一(1)班」）"]


@pytest.mark.parametrize(("s_head", "t_head", "expected"), [
    pytest.param(
        S_HEAD.replace("家长手机", "家长电话"), T_HEAD,
        [f"students.csv 第1行: 表头应为「{S_HEAD}」（其后可加 家长渠道、性别、出生日期 列），"
         f"实际为「{S_HEAD.replace('家长手机', '家长电话')}」"],
        id="students header"),
    pytest.param(
        f"{S_HEAD},性别,身高", T_HEAD,
        ["students.csv 第1行: 表头第10列「身高」不认识（可选的列只有 家长渠道、性别、出生日期）"],
        id="an unknown column after the required ones"),
    pytest.param(
        f"{S_HEAD},性别,出生日期,性别", T_HEAD,
        ["students.csv 第1行: 表头「性别」出现了两次"],
        id="an optional column twice"),
    pytest.param(
        S_HEAD, f"{T_HEAD},性别",
        ["staff.csv 第1行: 表头第5列「性别」不认识（后面不应再有列）"],
        id="staff.csv has no optional columns"),
    pytest.param(
        S_HEAD, "姓名,企业微信ID,角色",
        [f"staff.csv 第1行: 表头应为「{T_HEAD}」，实际为「姓名,企业微信ID,角色」"],
        id="staff header missing a column"),
    pytest.param(
        " 学籍号 ,姓名,年级,班级,家长姓名,家长企业微信ID,家长手机,关系,,", f"\u3000{T_HEAD}", [],
        id="header cells are stripped, empty trailing ones ignored"),
])
def test_header(tmp_path: Path, s_head: str, t_head: str, expected: list[str]) -> None:
    assert problems_of(tmp_path, STUDENTS, STAFF, s_head=s_head, t_head=t_head) == expected


SEX_BIRTH = f"{S_HEAD},出生日期,家长渠道,性别"  # optional columns in any order


@pytest.mark.parametrize(("students", "expected"), [
    pytest.param(
        ["S001,张小明,初一,(1)班,张伟,parent_zhang,,父亲,2013-03-14,,男",
         "S001,张小明,初一,(1)班,林芳,parent_lin,,母亲,,家校,",
         "S002,刘洋,初一,(1)班,刘强,parent_liu,,父亲,2013/9/2,,男",
         "S003,张小红,初一,(2)班,张伟,parent_zhang,,父亲"],
        [("男", date(2013, 3, 14), "企业微信"), (None, None, "家校"),
         ("男", date(2013, 9, 2), "企业微信"), (None, None, "企业微信")],
        id="by header name; 2013/9/2 is a date; a child's other row may leave them blank"),
    pytest.param(
        ["S001,张小明,初一,(1)班,张伟,parent_zhang,,父亲,２０１３－０３－１４,,\u3000男 "],
        [("男", date(2013, 3, 14), "企业微信")],
        id="full-width digits and spaces"),
])
def test_sex_and_birth_date(tmp_path: Path, students: list[str],
                            expected: list[tuple[str | None, date | None, str]]) -> None:
    roster = read_roster(*write(tmp_path, students, STAFF[:2], s_head=SEX_BIRTH))
    assert [(s.sex, s.birth_date, s.guardian_channel) for s in roster.students] == expected


@pytest.mark.parametrize(("line", "expected"), [
    pytest.param("S004,黄欣怡,初一,(1)班,黄磊,parent_huang,,父亲,2014-02-30,,女",
                 "students.csv 第6行: 出生日期「2014-02-30」不是有效日期，应写成 2013-05-04 或 "
                 "2013/5/4", id="no such day"),
    pytest.param("S004,黄欣怡,初一,(1)班,黄磊,parent_huang,,父亲,2014年1月27日,,女",
                 "students.csv 第6行: 出生日期「2014年1月27日」不是有效日期，应写成 2013-05-04 或 "
                 "2013/5/4", id="written in words"),
    pytest.param("S004,黄欣怡,初一,(1)班,黄磊,parent_huang,,父亲,1899-12-31,,女",
                 "students.csv 第6行: 出生日期「1899-12-31」不是有效日期，应写成 2013-05-04 或 "
                 "2013/5/4", id="before 1900"),
    pytest.param("S004,黄欣怡,初一,(1)班,黄磊,parent_huang,,父亲,2014-01-27,,F",
                 "students.csv 第6行: 性别「F」应为「男」或「女」（可不填）", id="sex not 男/女"),
    pytest.param("S001,张小明,初一,(1)班,张伟,parent_huang,,父亲,2013-03-15,,男",
                 "students.csv 第6行: 学籍号「S001」的出生日期「2013-03-15」与第2行的"
                 "「2013-03-14」不一致", id="two birth dates for one child"),
    pytest.param("S001,张小明,初一,(1)班,张伟,parent_huang,,父亲,,,女",
                 "students.csv 第6行: 学籍号「S001」的性别「女」与第2行的「男」不一致",
                 id="two sexes for one child"),
])
def test_bad_sex_or_birth_date_refuses_the_import(tmp_path: Path, line: str,
                                                  expected: str) -> None:
    students = [*swap(STUDENTS, 0, "S001,张小明,初一,(1)班,张伟,parent_zhang,,父亲,2013-03-14,,男"),
                line]
    assert problems_of(tmp_path, students, STAFF, s_head=SEX_BIRTH) == [expected]


def test_error_str_joins_problems(tmp_path: Path) -> None:
    sp, tp = write(tmp_path, swap(STUDENTS, 0, "S001,,初一,(1)班,张伟,parent_zhang,,父亲"),
                   [*STAFF, "x,y,老师,"])
    with pytest.raises(RosterError) as info:
        read_roster(sp, tp)
    assert str(info.value) == "\n".join(info.value.problems)
    assert len(info.value.problems) == 2


@pytest.mark.parametrize("bom", [False, True], ids=["no BOM", "BOM"])
def test_bom_or_not(tmp_path: Path, bom: bool) -> None:
    sp, tp = write(tmp_path, STUDENTS, STAFF, bom=bom)
    roster = read_roster(sp, tp)
    assert roster.students[0] == StudentRow(
        row=2, student_no="S001", name="张小明", grade="初一", class_name="(1)班",
        guardian_name="张伟", guardian_userid="parent_zhang", guardian_phone="13800000001",
        relation="父亲")
    assert roster.students[1].guardian_phone is None
    assert roster.staff[0] == StaffRow(row=2, name="李静", userid="teacher_li", role="班主任",
                                       grade="初一", class_name="(1)班")
    assert roster.staff[2] == StaffRow(row=4, name="赵国强", userid="office_zhao", role="政教处",
                                       grade=None, class_name=None)


def test_not_utf8(tmp_path: Path) -> None:
    sp, tp = write(tmp_path, STUDENTS, STAFF)
    sp.write_bytes(sp.read_text(encoding="utf-8").encode("gbk"))
    with pytest.raises(RosterError) as info:
        read_roster(sp, tp)
    assert info.value.problems == [
        "students.csv: 不是 UTF-8 编码的文本，请在 Excel 中“另存为 → CSV UTF-8”后再导入"]


def test_missing_file(tmp_path: Path) -> None:
    _, tp = write(tmp_path, STUDENTS, STAFF)
    with pytest.raises(RosterError) as info:
        read_roster(tmp_path / "nope.csv", tp)
    assert info.value.problems == ["nope.csv: 文件不存在"]


def test_empty_file(tmp_path: Path) -> None:
    sp, tp = write(tmp_path, STUDENTS, STAFF)
    tp.write_bytes(b"")
    with pytest.raises(RosterError) as info:
        read_roster(sp, tp)
    assert info.value.problems[0] == f"staff.csv: 文件是空的，第1行应为表头「{T_HEAD}」"


def test_row_cap(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert roster_import.MAX_ROWS == 50_000
    monkeypatch.setattr(roster_import, "MAX_ROWS", 3)
    sp, tp = write(tmp_path, STUDENTS, STAFF)
    with pytest.raises(RosterError) as info:
        read_roster(sp, tp)
    assert info.value.problems == [
        "students.csv: 超过 3 行数据的上限（第5行）",
        "staff.csv: 超过 3 行数据的上限（第5行）",
    ]


def test_cells_are_stripped_and_normalised(tmp_path: Path) -> None:
    students = [
        "\u3000S001 ,　张小明　,初一, （1）班 ,张伟,parent_zhang , 138-0000-0001 ,父亲",
        "S002,刘洋,初一,初一(1)班,刘强,parent_liu,,父亲",
        "S003,张小红,初一,初一（2）班,张伟,parent_zhang,,父亲",
    ]
    staff = ["李静,teacher_li,班主任,初一（1）班", "王海燕,teacher_wang,班主任, 初一 (2)班 "]
    roster = read_roster(*write(tmp_path, students, staff))
    first = roster.students[0]
    assert (first.student_no, first.name, first.guardian_userid, first.guardian_phone) == (
        "S001", "张小明", "parent_zhang", "13800000001")
    assert {(s.grade, s.class_name) for s in roster.students} == {("初一", "(1)班"),
                                                                  ("初一", "(2)班")}
    assert [(t.grade, t.class_name) for t in roster.staff] == [("初一", "(1)班"),
                                                              ("初一", "(2)班")]
    assert roster.classes == (("初一", "(1)班"), ("初一", "(2)班"))


@pytest.mark.parametrize(("grade", "name", "label"), [
    ("初一", "(3)班", "初一(3)班"),
    ("初一", "初一(3)班", "初一(3)班"),
    ("初一", "（3）班", "初一(3)班"),
    (" 初一 ", "初一 （３） 班", "初一(3)班"),
    ("", "初一(3)班", "初一(3)班"),
    ("高二", "5班", "高二5班"),
])
def test_roster_label(grade: str, name: str, label: str) -> None:
    assert roster_label(grade, name) == label


def test_homeroom_of_a_class_without_students_gets_a_grade(tmp_path: Path) -> None:
    staff = [*STAFF, "吴老师,teacher_wu,班主任,初二（1）班"]
    roster = read_roster(*write(tmp_path, STUDENTS, staff))
    assert roster.staff[-1].grade == "初二"
    assert roster.staff[-1].class_name == "(1)班"
    assert roster.classes[-1] == ("初二", "(1)班")


def write_xlsx(path: Path, header: tuple[str, ...], lines: list[str],
               numeric: tuple[int, ...] = ()) -> Path:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(list(header))
    for line in lines:
        cells: list[object] = [c or None for c in line.split(",")]
        for i in numeric:  # as Excel stores digits typed into a cell
            if isinstance(cells[i], str) and str(cells[i]).isdigit():
                cells[i] = int(str(cells[i]))
        ws.append(cells)
    ws.append([None] * len(header))  # an empty trailing row
    wb.save(path)
    return path


def test_xlsx_equals_csv(tmp_path: Path) -> None:
    students = [s.replace("S00", "2026000") for s in STUDENTS]
    csv_roster = read_roster(*write(tmp_path, students, STAFF))
    xlsx_roster = read_roster(
        write_xlsx(tmp_path / "students.xlsx", STUDENT_HEADER, students, numeric=(0, 6)),
        write_xlsx(tmp_path / "staff.xlsx", STAFF_HEADER, STAFF))
    assert xlsx_roster == csv_roster
    assert xlsx_roster.students[0].student_no == "20260001"


def test_xlsx_problems_name_the_xlsx_file(tmp_path: Path) -> None:
    with pytest.raises(RosterError) as info:
        read_roster(write_xlsx(tmp_path / "学生.xlsx", STUDENT_HEADER, STUDENTS),
                    write_xlsx(tmp_path / "staff.xlsx", STAFF_HEADER, [*STAFF, "x,y,老师,"]))
    assert info.value.problems == [f"staff.xlsx 第6行: 角色「老师」不是 {ROLE_LIST} 之一"]


def test_xlsx_birth_date_cell(tmp_path: Path) -> None:
    """出生日期 typed into Excel is a date cell; as text it reads the same."""
    header = (*STUDENT_HEADER, "性别", "出生日期")
    path = write_xlsx(tmp_path / "students.xlsx", header,
                      ["S001,张小明,初一,(1)班,张伟,parent_zhang,,父亲,男,2013/3/14"])
    wb = load_workbook(path)
    sheet = wb.worksheets[0]
    sheet["J2"].value = datetime(2013, 3, 14)
    sheet.append(["S002", "刘洋", "初一", "(1)班", "刘强", "parent_liu", None, "父亲", "男",
                  date(2013, 9, 2)])
    sheet.append(["S003", "张小红", "初一", "(1)班", "张伟", "parent_zhang", None, "父亲", "女",
                  "2013-6-30"])
    wb.save(path)
    _, tp = write(tmp_path, [], STAFF[:1])
    roster = read_roster(path, tp)
    assert [(s.name, s.sex, s.birth_date) for s in roster.students] == [
        ("张小明", "男", date(2013, 3, 14)), ("刘洋", "男", date(2013, 9, 2)),
        ("张小红", "女", date(2013, 6, 30))]


def test_broken_xlsx(tmp_path: Path) -> None:
    bad = tmp_path / "students.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a workbook")
    _, tp = write(tmp_path, STUDENTS, STAFF)
    with pytest.raises(RosterError) as info:
        read_roster(bad, tp)
    assert info.value.problems == ["students.xlsx: 不是有效的 Excel (.xlsx) 文件"]


def test_validate_takes_rows() -> None:
    s = StudentRow(row=2, student_no="S1", name="甲", grade="初一", class_name="(1)班",
                   guardian_name="乙", guardian_userid="p1", guardian_phone=None, relation="母亲")
    t = StaffRow(row=2, name="丙", userid="t1", role="班主任", grade=None, class_name="初一(1)班")
    roster = validate([s], [t])
    assert validate([replace(s, class_name="初一（1）班")], [t]) == roster
    resolved = StaffRow(2, "丙", "t1", "班主任", "初一", "(1)班")
    assert roster == Roster(students=(s,), staff=(resolved,))
    with pytest.raises(RosterError) as info:
        validate([s], [])
    assert info.value.problems == [
        "staff.csv: 班级「初一(1)班」没有班主任（students.csv 第2行起有该班学生）"]


def test_demo_roster_validates() -> None:
    roster = read_roster(DEMO / "students.csv", DEMO / "staff.csv")
    assert {roster_label(g, n) for g, n in roster.classes} == {"初一(1)班", "初一(2)班"}
    assert len({s.student_no for s in roster.students}) == 6
    assert "张小明" in {s.name for s in roster.students}
    assert all(s.sex in ("男", "女") and s.birth_date for s in roster.students)
    roles = {(t.userid, t.role) for t in roster.staff}
    assert roles == {("teacher_li", "班主任"), ("teacher_wang", "班主任"),
                     ("office_zhao", "政教处"), ("principal_chen", "校长"),
                     ("guard_sun", "门卫"), ("admin_zhou", "管理员"), ("doctor_he", "校医")}
    guardians_of: dict[str, set[str]] = {}
    for s in roster.students:
        guardians_of.setdefault(s.student_no, set()).add(s.guardian_userid)
    assert any(len(g) == 2 for g in guardians_of.values())  # a student with two guardians
    teacher_li_class = {t.class_label for t in roster.staff if t.userid == "teacher_li"}
    li_children = {s.class_label for s in roster.students if s.guardian_userid == "teacher_li"}
    assert li_children and li_children.isdisjoint(teacher_li_class)  # a parent in another class
    zhang = {s.class_label for s in roster.students if s.guardian_userid == "parent_zhang"}
    assert len(zhang) == 2  # one parent, two children in different classes


def test_userids_are_read_in_lower_case(tmp_path: Path) -> None:
    """WeCom userids ignore case: PARENT_ZHANG is parent_zhang, in the roster as at the edge."""
    sp, tp = write(tmp_path, swap(STUDENTS, 2, "S002,刘洋,初一,(1)班,刘强,Parent_LIU,,父亲"),
                   swap(STAFF, 0, "李静,Teacher_Li,班主任,初一(1)班"))
    roster = read_roster(sp, tp)
    assert roster.students[2].guardian_userid == "parent_liu"
    assert roster.staff[0].userid == "teacher_li"
