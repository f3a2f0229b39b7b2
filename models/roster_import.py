"""Roster files (students.csv, staff.csv, or the same columns in .xlsx): parse and validate.

Pure: reads the two files, checks every rule, and returns a `Roster` or raises `RosterError`
listing every problem with its file name and row number (the header is row 1). No database.
"""

from __future__ import annotations

import csv
import re
import unicodedata
import zipfile
from collections.abc import Collection, Generator, Iterator
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path

from models.rules.channel import CHANNELS, FAMILY_CHANNEL, MEMBER_CHANNEL
from models.rules.classes import class_label

STUDENT_HEADER = (
    "学籍号", "姓名", "年级", "班级", "家长姓名", "家长企业微信ID", "家长手机", "关系",
)
CHANNEL_COLUMN = "家长渠道"  # 企业微信 (the default) or 家校
SEX_COLUMN = "性别"  # 男 or 女
BIRTH_COLUMN = "出生日期"  # 2013-05-04, 2013/5/4, or a date cell in .xlsx
# Optional columns, found by their header name in any order after the required ones.
STUDENT_OPTIONAL = (CHANNEL_COLUMN, SEX_COLUMN, BIRTH_COLUMN)
SEXES = ("男", "女")
STAFF_HEADER = ("姓名", "企业微信ID", "角色", "班级")
# Built in (校医: 因病缺勤 summaries and cluster alerts); config may name more approvers.
ROLES = ("班主任", "政教处", "校长", "门卫", "管理员", "校医")
HOMEROOM = "班主任"
MAX_HOMEROOMS = 2  # a class may have two 班主任 (either decides, both are told)
MAX_ROWS = 50_000

# Column widths of the roster tables: longer values would fail at insert time, so refuse them here.
_MAX_LEN = {"学籍号": 32, "姓名": 64, "年级": 32, "班级": 64, "家长姓名": 64, "关系": 16}
_USERID = re.compile(r"[A-Za-z0-9_\-.@]{1,64}")
_PHONE = re.compile(r"1\d{10}")
_PHONE_SEPARATORS = re.compile(r"[\s\-]")
_STRIP = " \t\r\n\u3000\ufeff\u200b\xa0"
_WHITESPACE = re.compile(r"\s+")
# A class label with no known grade prefix: the grade is what comes before the class number.
_LABEL_SPLIT = re.compile(r"(\D+?)(\(?\d.*)")
_DATE = re.compile(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})")
_EARLIEST_BIRTH = date(1900, 1, 1)


class RosterError(Exception):
    """The roster was refused; `problems` lists every reason, each with file and row."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))

    def __str__(self) -> str:
        return "\n".join(self.problems)


@dataclass(frozen=True)
class StudentRow:
    """One student–guardian pair; `grade` and `class_name` normalised (see `roster_label`)."""

    row: int
    student_no: str
    name: str
    grade: str
    class_name: str
    guardian_name: str
    guardian_userid: str
    guardian_phone: str | None
    relation: str
    # 企业微信: guardian_userid is a member's userid; 家校: the 家校通讯录's parent_userid.
    guardian_channel: str = MEMBER_CHANNEL
    sex: str | None = None  # 男 / 女; None: not given (an import keeps what is stored)
    birth_date: date | None = None  # None: not given, as for `sex`

    @property
    def class_label(self) -> str:
        return roster_label(self.grade, self.class_name)


@dataclass(frozen=True)
class StaffRow:
    """One role held by one staff member.

    As read from staff.csv, a 班主任 row has `grade=None` and `class_name` = the 班级 cell (the
    full label, e.g. 初一(3)班); `validate()` resolves it to the (grade, class_name) pair that
    students.csv uses for that class. Other roles have both None.
    """

    row: int
    name: str
    userid: str
    role: str
    grade: str | None
    class_name: str | None

    @property
    def class_label(self) -> str | None:
        if self.class_name is None:
            return None
        return roster_label(self.grade or "", self.class_name)


@dataclass(frozen=True)
class Roster:
    students: tuple[StudentRow, ...]
    staff: tuple[StaffRow, ...]

    @property
    def classes(self) -> tuple[tuple[str, str], ...]:
        """Every (grade, class_name) named by the roster, students' classes first."""
        seen: dict[tuple[str, str], None] = {}
        for s in self.students:
            seen.setdefault((s.grade, s.class_name), None)
        for t in self.staff:
            if t.class_name is not None:
                seen.setdefault((t.grade or "", t.class_name), None)
        return tuple(seen)


def normalise_class_part(text: str) -> str:
    """NFKC (full-width （３） → (3)) and no whitespace anywhere: `初一 （3）班` → `初一(3)班`."""
    return _WHITESPACE.sub("", unicodedata.normalize("NFKC", text)).strip(_STRIP)


def split_class(grade: str, class_name: str) -> tuple[str, str]:
    """The stored form of a class: both parts normalised, the grade prefix dropped from the name.

    `("初一", "初一(3)班")` and `("初一", "(3)班")` both give `("初一", "(3)班")`.
    """
    grade, name = normalise_class_part(grade), normalise_class_part(class_name)
    if grade and name.startswith(grade) and len(name) > len(grade):
        name = name[len(grade):]
    return grade, name


def roster_label(grade: str, class_name: str) -> str:
    """The label of a class as the roster files write it, and the key staff.csv rows are
    matched on.

    Both parts are NFKC-normalised (full-width brackets and digits become ASCII) and all
    whitespace is removed; then the label follows `models.rules.classes.class_label`: 年级 +
    班级, unless 班级 already starts with 年级. So 年级 `初一` with 班级 `(3)班`, `初一(3)班` or
    `初一（3）班` all give `初一(3)班`. staff.csv's 班级 must be that label (年级 + 班级 as
    students.csv gives them): `roster_label("", "初一(3)班") == roster_label("初一", "(3)班")`.
    """
    return class_label(*split_class(grade, class_name))


# ---- reading ---------------------------------------------------------------


def read_roster(students_path: Path, staff_path: Path, *,
                roles: Collection[str] = ROLES) -> Roster:
    """Read both files (.csv in UTF-8 with or without BOM, or .xlsx) and validate them.

    `roles`: what the 角色 column accepts (the built-in roles and the approvers the config names).
    """
    problems: list[str] = []
    unreadable: set[str] = set()
    students = _read_students(Path(students_path), problems, unreadable)
    staff = _read_staff(Path(staff_path), problems, unreadable)
    try:
        # A staff file not read to its end would make every class look like it has no 班主任.
        roster = _validate(students, staff, students_file=Path(students_path).name,
                           staff_file=Path(staff_path).name, roles=roles,
                           check_homerooms=Path(staff_path).name not in unreadable)
    except RosterError as exc:
        problems.extend(exc.problems)
    if problems:
        raise RosterError(problems)
    return roster


def _read_students(path: Path, problems: list[str], unreadable: set[str]) -> list[StudentRow]:
    rows: list[StudentRow] = []
    for number, cells in _table(path, STUDENT_HEADER, STUDENT_OPTIONAL, problems, unreadable):
        grade, class_name = split_class(cells["年级"], cells["班级"])
        birth = cells[BIRTH_COLUMN]
        birth_date = _birth_date(birth) if birth else None
        if birth and birth_date is None:
            problems.append(f"{path.name} 第{number}行: {BIRTH_COLUMN}「{birth}」不是有效日期，"
                            "应写成 2013-05-04 或 2013/5/4")
        rows.append(StudentRow(
            row=number, student_no=_nfkc(cells["学籍号"]), name=cells["姓名"], grade=grade,
            class_name=class_name, guardian_name=cells["家长姓名"],
            guardian_userid=_nfkc(cells["家长企业微信ID"]).lower(),  # WeCom ids ignore case
            guardian_phone=_PHONE_SEPARATORS.sub("", _nfkc(cells["家长手机"])) or None,
            relation=cells["关系"], guardian_channel=_nfkc(cells[CHANNEL_COLUMN]) or MEMBER_CHANNEL,
            sex=_nfkc(cells[SEX_COLUMN]) or None, birth_date=birth_date))
    return rows


def _birth_date(text: str) -> date | None:
    """`2013-05-04`, `2013/5/4` (or an .xlsx date cell, read as `2013-05-04`) as a date; None
    when it is not a real date from 1900 on."""
    m = _DATE.fullmatch(_nfkc(text))
    if m is None:
        return None
    try:
        day = date(*(int(g) for g in m.groups()))
    except ValueError:
        return None
    return day if day >= _EARLIEST_BIRTH else None


def _read_staff(path: Path, problems: list[str], unreadable: set[str]) -> list[StaffRow]:
    rows: list[StaffRow] = []
    for number, cells in _table(path, STAFF_HEADER, (), problems, unreadable):
        label = normalise_class_part(cells["班级"])
        rows.append(StaffRow(row=number, name=cells["姓名"],
                             userid=_nfkc(cells["企业微信ID"]).lower(), role=cells["角色"],
                             grade=None, class_name=label or None))
    return rows


def _table(path: Path, required: tuple[str, ...], optional: tuple[str, ...],
           problems: list[str], unreadable: set[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """Data rows as (row number, cleaned cell by column name); blank rows skipped; problems
    appended.

    The header is `required` in that order, then any of the `optional` columns, each at most
    once, in any order; an optional column the file lacks reads as "" in every row.

    A file that could not be read to its end (not found, not UTF-8, wrong header, too many
    rows) gets its name added to `unreadable`.
    """
    fname = path.name
    complete = False
    raw: Generator[list[str], None, None] | None = None
    try:
        raw = _xlsx_rows(path) if _is_xlsx(path) else _csv_rows(path)
        first = next(raw, None)
        if first is None:
            problems.append(f"{fname}: 文件是空的，第1行应为表头「{','.join(required)}」")
            return
        header = tuple(_trim_trailing([_clean(c) for c in first]))
        if wrong := _header_problem(header, required, optional):
            problems.append(f"{fname} 第1行: {wrong}")
            return
        count = 0
        for number, row in enumerate(raw, start=2):
            cells = _trim_trailing([_clean(c) for c in row])
            if not cells:
                continue
            count += 1
            if count > MAX_ROWS:
                problems.append(f"{fname}: 超过 {MAX_ROWS} 行数据的上限（第{number}行）")
                return
            if len(cells) > len(header):
                problems.append(f"{fname} 第{number}行: 有 {len(cells)} 列，表头只有 "
                                f"{len(header)} 列")
                continue
            values = dict.fromkeys(optional, "")
            values.update(zip(header, cells + [""] * (len(header) - len(cells)), strict=True))
            yield number, values
        complete = True
    except UnicodeDecodeError:
        problems.append(f"{fname}: 不是 UTF-8 编码的文本，请在 Excel 中“另存为 → CSV UTF-8”"
                        "后再导入")
    except csv.Error as exc:
        problems.append(f"{fname}: 无法按 CSV 读取（{exc}）")
    except FileNotFoundError:
        problems.append(f"{fname}: 文件不存在")
    except zipfile.BadZipFile:
        problems.append(f"{fname}: 不是有效的 Excel (.xlsx) 文件")
    except Exception as exc:  # openpyxl raises many kinds on a damaged workbook
        problems.append(f"{fname}: 无法读取文件（{type(exc).__name__}）")
    finally:
        if raw is not None:
            raw.close()
        if not complete:
            unreadable.add(fname)


def _header_problem(header: tuple[str, ...], required: tuple[str, ...],
                    optional: tuple[str, ...]) -> str | None:
    """What is wrong with a file's header row, or None."""
    if header[:len(required)] != required:
        more = f"（其后可加 {'、'.join(optional)} 列）" if optional else ""
        return f"表头应为「{','.join(required)}」{more}，实际为「{','.join(header)}」"
    seen: set[str] = set()
    for column, name in enumerate(header[len(required):], start=len(required) + 1):
        if name not in optional:
            allowed = f"可选的列只有 {'、'.join(optional)}" if optional else "后面不应再有列"
            return f"表头第{column}列「{name}」不认识（{allowed}）"
        if name in seen:
            return f"表头「{name}」出现了两次"
        seen.add(name)
    return None


def _is_xlsx(path: Path) -> bool:
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return True
    with path.open("rb") as f:
        return f.read(4) == b"PK\x03\x04"


def _csv_rows(path: Path) -> Generator[list[str], None, None]:
    with path.open(encoding="utf-8-sig", errors="strict", newline="") as f:
        yield from csv.reader(f)


def _xlsx_rows(path: Path) -> Generator[list[str], None, None]:
    from openpyxl import load_workbook  # only when an .xlsx is given

    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        if not wb.worksheets:
            return
        for values in wb.worksheets[0].iter_rows(values_only=True):
            yield [_cell_text(v) for v in values]
    finally:
        wb.close()


def _cell_text(value: object) -> str:
    """A spreadsheet cell as text: numbers typed into Excel (学籍号, phones) lose any `.0`."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date().isoformat()  # a date cell (出生日期)
    return str(value)


def _clean(cell: str) -> str:
    return cell.strip(_STRIP)


def _nfkc(text: str) -> str:
    return unicodedata.normalize("NFKC", text).strip(_STRIP)


def _trim_trailing(cells: list[str]) -> list[str]:
    while cells and not cells[-1]:
        cells.pop()
    return cells


# ---- validation ------------------------------------------------------------


def validate(students: list[StudentRow], staff: list[StaffRow], *,
             students_file: str = "students.csv", staff_file: str = "staff.csv",
             roles: Collection[str] = ROLES) -> Roster:
    """Check every rule across both files; return the Roster or raise listing all problems.

    Student classes are put in one canonical (grade, class_name) per label, and 班主任 rows
    get the (grade, class_name) of the students' class with the same `roster_label`.
    """
    return _validate(students, staff, students_file=students_file, staff_file=staff_file,
                     roles=roles, check_homerooms=True)


def _validate(students: list[StudentRow], staff: list[StaffRow], *, students_file: str,
              staff_file: str, roles: Collection[str], check_homerooms: bool) -> Roster:
    problems: list[str] = []
    sf, tf = students_file, staff_file

    # -- students.csv, row by row
    canonical: dict[str, tuple[str, str]] = {}  # class label -> (grade, class name)
    first_rows: dict[str, int] = {}  # class label -> first student row
    good_students: list[StudentRow] = []
    for s in students:
        bad = _required(sf, s.row, {"学籍号": s.student_no, "姓名": s.name, "年级": s.grade,
                                    "班级": s.class_name, "家长姓名": s.guardian_name,
                                    "家长企业微信ID": s.guardian_userid, "关系": s.relation})
        if s.guardian_userid and not _USERID.fullmatch(s.guardian_userid):
            bad.append(_bad_userid(sf, s.row, "家长企业微信ID", s.guardian_userid))
        if s.guardian_phone is not None and not _PHONE.fullmatch(s.guardian_phone):
            bad.append(f"{sf} 第{s.row}行: 家长手机「{s.guardian_phone}」应为以1开头的11位数字")
        if s.guardian_channel not in CHANNELS:
            bad.append(f"{sf} 第{s.row}行: 家长渠道「{s.guardian_channel}」应为"
                       f"「{MEMBER_CHANNEL}」或「{FAMILY_CHANNEL}」（不填即{MEMBER_CHANNEL}）")
        if s.sex is not None and s.sex not in SEXES:
            bad.append(f"{sf} 第{s.row}行: {SEX_COLUMN}「{s.sex}」应为「男」或「女」（可不填）")
        problems.extend(bad)
        if bad:
            continue
        label = s.class_label
        grade, name = canonical.setdefault(label, split_class(s.grade, s.class_name))
        first_rows.setdefault(label, s.row)
        good_students.append(replace(s, grade=grade, class_name=name))

    seen_student: dict[str, StudentRow] = {}
    seen_facts: dict[tuple[str, str], tuple[str, int]] = {}  # (学籍号, column) -> (value, row)
    seen_guardian: dict[str, StudentRow] = {}
    seen_pair: dict[tuple[str, str], StudentRow] = {}
    for s in good_students:
        first = seen_student.setdefault(s.student_no, s)
        if first.name != s.name:
            problems.append(f"{sf} 第{s.row}行: 学籍号「{s.student_no}」的姓名「{s.name}」"
                            f"与第{first.row}行的「{first.name}」不一致")
        if first.class_label != s.class_label:
            problems.append(f"{sf} 第{s.row}行: 学籍号「{s.student_no}」的班级"
                            f"「{s.class_label}」与第{first.row}行的「{first.class_label}」不一致")
        for column, fact in ((SEX_COLUMN, s.sex), (BIRTH_COLUMN, s.birth_date)):
            if fact is None:
                continue  # another row of the child may give it
            value, row = seen_facts.setdefault((s.student_no, column), (str(fact), s.row))
            if value != str(fact):
                problems.append(f"{sf} 第{s.row}行: 学籍号「{s.student_no}」的{column}「{fact}」"
                                f"与第{row}行的「{value}」不一致")
        g = seen_guardian.setdefault(s.guardian_userid, s)
        if g.guardian_channel != s.guardian_channel:
            problems.append(f"{sf} 第{s.row}行: 家长企业微信ID「{s.guardian_userid}」的家长渠道"
                            f"「{s.guardian_channel}」与第{g.row}行的「{g.guardian_channel}」"
                            "不一致")
        if g.guardian_name != s.guardian_name:
            problems.append(f"{sf} 第{s.row}行: 家长企业微信ID「{s.guardian_userid}」的姓名"
                            f"「{s.guardian_name}」与第{g.row}行的「{g.guardian_name}」不一致")
        if s.guardian_phone is not None:
            if g.guardian_phone is None:  # the first row that gives a phone is compared with
                seen_guardian[s.guardian_userid] = s
            elif g.guardian_phone != s.guardian_phone:
                problems.append(f"{sf} 第{s.row}行: 家长企业微信ID「{s.guardian_userid}」的手机"
                                f"「{s.guardian_phone}」与第{g.row}行的「{g.guardian_phone}」"
                                "不一致")
        pair = seen_pair.setdefault((s.student_no, s.guardian_userid), s)
        if pair is not s:
            if replace(pair, row=s.row) == s:
                problems.append(f"{sf} 第{s.row}行: 与第{pair.row}行重复")
            else:
                problems.append(f"{sf} 第{s.row}行: 学籍号「{s.student_no}」与家长"
                                f"「{s.guardian_userid}」已在第{pair.row}行出现")

    # -- staff.csv
    good_staff: list[StaffRow] = []
    for t in staff:
        bad = _required(tf, t.row, {"姓名": t.name, "企业微信ID": t.userid, "角色": t.role})
        if t.userid and not _USERID.fullmatch(t.userid):
            bad.append(_bad_userid(tf, t.row, "企业微信ID", t.userid))
        cls = t.class_label
        if t.role and t.role not in roles:
            bad.append(f"{tf} 第{t.row}行: 角色「{t.role}」不是 {'/'.join(roles)} 之一")
        elif t.role == HOMEROOM and not cls:
            bad.append(f"{tf} 第{t.row}行: 班主任必须填写「班级」")
        elif t.role and t.role != HOMEROOM and cls:
            bad.append(f"{tf} 第{t.row}行: 只有班主任填写「班级」，{t.role}应留空"
                       f"（现为「{cls}」）")
        if cls is not None and t.role == HOMEROOM:
            if cls in canonical:
                grade, name = canonical[cls]
            else:  # a class with no students yet
                grade, name = _split_label(cls)
            if len(name) > _MAX_LEN["班级"] or len(grade) > _MAX_LEN["年级"]:
                bad.append(f"{tf} 第{t.row}行: 班级「{cls}」太长")
            t = replace(t, grade=grade, class_name=name)
        problems.extend(bad)
        if not bad:
            good_staff.append(t)

    seen_role: dict[tuple[str, str, str | None], StaffRow] = {}
    seen_staff: dict[str, StaffRow] = {}
    homerooms: dict[str, list[StaffRow]] = {}
    for t in good_staff:
        same = seen_staff.setdefault(t.userid, t)
        if same.name != t.name:
            problems.append(f"{tf} 第{t.row}行: 企业微信ID「{t.userid}」的姓名「{t.name}」"
                            f"与第{same.row}行的「{same.name}」不一致")
        key = (t.userid, t.role, t.class_label)
        dup = seen_role.setdefault(key, t)
        if dup is not t:
            problems.append(f"{tf} 第{t.row}行: 与第{dup.row}行重复")
            continue
        if t.role == HOMEROOM:
            cls = t.class_label or ""
            others = homerooms.setdefault(cls, [])
            if len(others) >= MAX_HOMEROOMS:
                names = "、".join(f"「{o.name}」（第{o.row}行）" for o in others)
                problems.append(f"{tf} 第{t.row}行: 班级「{cls}」已有班主任{names}，"
                                f"一个班最多{MAX_HOMEROOMS}位班主任")
            else:
                others.append(t)

    for userid, g in seen_guardian.items():
        if g.guardian_channel == FAMILY_CHANNEL and userid in seen_staff:
            problems.append(f"{sf} 第{g.row}行: 家校家长的ID「{userid}」与{tf} 第"
                            f"{seen_staff[userid].row}行教职工的企业微信ID相同；"
                            "请在家校通讯录中为这位家长使用另一个ID")

    for label, row in first_rows.items():
        if check_homerooms and label not in homerooms:
            problems.append(f"{tf}: 班级「{label}」没有班主任（{sf} 第{row}行起有该班学生）")

    if problems:
        raise RosterError(problems)
    return Roster(students=tuple(good_students), staff=tuple(good_staff))


def _required(fname: str, row: int, cells: dict[str, str]) -> list[str]:
    out = []
    for column, value in cells.items():
        if not value:
            out.append(f"{fname} 第{row}行: 「{column}」不能为空")
        elif column in _MAX_LEN and len(value) > _MAX_LEN[column]:
            out.append(f"{fname} 第{row}行: 「{column}」超过 {_MAX_LEN[column]} 个字")
    return out


def _bad_userid(fname: str, row: int, column: str, value: str) -> str:
    return (f"{fname} 第{row}行: {column}「{value}」格式不对"
            "（应为 1–64 位字母、数字或 _-.@）")


def _split_label(label: str) -> tuple[str, str]:
    """A label with no students behind it: `初二(1)班` → ("初二", "(1)班"); else ("", label)."""
    m = _LABEL_SPLIT.fullmatch(label)
    return (m.group(1), m.group(2)) if m else ("", label)
