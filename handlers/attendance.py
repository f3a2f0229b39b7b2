"""班主任: the daily attendance report (考勤) and closing a home visit (家访)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from handlers.absence import ask_reasons, unexplained
from handlers.context import Dialog, User
from handlers.dispatcher import Command, Router
from handlers.which import Chosen, ask_which
from models.repos.attendance import AttendanceRepo
from models.repos.dropout import DropoutRepo
from models.repos.ladder import LadderRepo
from models.roster import SchoolClass, Student
from models.rules.calendar import DayKind, not_entered
from models.rules.slots import slot
from models.rules.symptoms import name_and_symptoms
from models.rules.textbudget import clip
from services.attendance import save_attendance
from services.dropout import record_step
from services.health import HealthDesk
from services.leave.desk import LeaveDesk

router = Router("attendance", roles=frozenset({"班主任"}))

USAGE = ("考勤的写法：\n考勤 全勤\n考勤 缺勤 张小明 李华\n考勤 缺勤 张小明 上午（半天）\n"
         "考勤（查看今天已报的考勤）")
HALVES = {"上午": "am", "下午": "pm"}


@router.on(Command("考勤"))
async def attendance(args: str, user: User, dialog: Dialog, desk: LeaveDesk,
                     attendance: AttendanceRepo, health: HealthDesk) -> str:
    """Report (or replace) today's attendance for the teacher's class, or show it."""
    return await report(args, user, dialog, desk, attendance, health, {})


async def report(args: str, user: User, dialog: Dialog, desk: LeaveDesk,
                 attendance: AttendanceRepo, health: HealthDesk, chosen: Chosen) -> str:
    """考勤 with the students picked so far among namesakes (`chosen`); a name two students
    share is asked back, and nothing is recorded until every name is clear. `张小明(发热)`
    registers an illness absence with its symptoms (因病缺勤)."""
    classes = await desk.roster.class_of_teacher(user.userid)
    words = args.split()
    cls, words = _pick_class(classes, words)
    if cls is None:
        labels = "、".join(c.label for c in classes)
        return f"您是多个班级的班主任（{labels}），请写明班级，例如：考勤 {classes[0].label} 全勤"
    today, words = _pick_day(desk, words)
    if today is None:
        limit = desk.config.attendance.correct_school_days
        return f"只能上报或更正最近{limit}个上课日（含今天）的考勤。"
    kind = desk.config.calendar.kind(today)
    if kind is DayKind.DAY_OFF and words:
        return ("今天不是上课日，不需要报考勤。" if today == desk.today
                else f"{today.month}月{today.day}日不是上课日，不需要报考勤。")
    # An unknown day is recorded (the teacher knows who is absent) but never judged as 旷课.
    note = (f"\n注意：{not_entered(today.year)}。录入之前不判定旷课。"
            if kind is DayKind.UNKNOWN else "")
    repo = attendance
    if not words:
        return await _show(repo, cls, desk, today) + note
    if words[0] == "全勤" and len(words) == 1:
        absences: list[tuple[int, int, int]] = []
    elif words[0] == "缺勤" and len(words) > 1:
        names = [name_and_symptoms(w)[0] for w in words[1:]]
        parsed = await _absences(names, cls, desk, today, chosen)
        if isinstance(parsed, str):
            return parsed
        if isinstance(parsed, Namesakes):
            return ask_which(dialog, "考勤", args, parsed.name, parsed.students, chosen,
                             cls.label)
        absences = parsed
    else:
        return USAGE
    replaced = await save_attendance(desk, user, cls.id, absences, today)
    ill, withheld = (await _record_illness(words, cls, user, health, today, chosen)
                     if absences else (set(), []))
    head = "已更新" if replaced else "已记录"
    summary = "全勤。" if not absences else f"缺勤{len(absences)}人。"
    if ill:
        summary += f"其中因病{len(ill)}人，已登记症状。" if not withheld else (
            f"其中因病{len(ill)}人；" + "、".join(withheld)
            + "的家长未同意保存健康信息，症状不登记，请电话了解。")
    shown = await _show(repo, cls, desk, today)
    roster = {s.id: s for s in await desk.roster.students_in_class(cls.id)}
    ask = await unexplained(desk, [roster[a[0]] for a in absences if a[0] not in ill], today)
    question = ask_reasons(dialog, cls.id, today, ask)
    return (f"{head}{cls.label}{today.month}月{today.day}日考勤：{summary}\n{shown}{note}"
            + (f"\n{question}" if question else ""))


async def _record_illness(words: list[str], cls: SchoolClass, user: User, health: HealthDesk,
                          day: date, chosen: Chosen) -> tuple[set[int], list[str]]:
    """Each `姓名(症状)` of a 缺勤 report: an illness absence of that day with those symptoms;
    the children recorded ill, and the names whose symptoms were not kept (no guardian's
    consent)."""
    by_name: dict[str, list[Student]] = {}
    for s in await health.roster.students_in_class(cls.id):
        by_name.setdefault(s.name, []).append(s)
    ill: set[int] = set()
    withheld: list[str] = []
    for name, symptoms in (name_and_symptoms(w) for w in words[1:]):
        named = by_name.get(name, [])
        student = named[0] if len(named) == 1 else next(
            (s for s in named if s.id == chosen.get(name)), None)
        if symptoms is not None and student is not None:
            row = await health.record(student.id, cls.id, day, symptoms, by=user.userid,
                                      source="attendance")
            if symptoms and not row.symptoms and student.name not in withheld:
                withheld.append(student.name)
            ill.add(student.id)
    return ill, withheld


_DAY = re.compile(r"(?:(\d{1,2})月(\d{1,2})[日号]?|昨天|前天|今天)")


def _pick_day(desk: LeaveDesk, words: list[str]) -> tuple[date | None, list[str]]:
    """The day a report is for: today, or one named first (昨天, 11月25日) among the last
    `[attendance] correct_school_days` school days; None for any other day."""
    today = desk.today
    if not words or not _DAY.fullmatch(words[0]):
        return today, words
    word, rest = words[0], words[1:]
    if word == "今天":
        return today, rest
    match = _DAY.fullmatch(word)
    assert match is not None
    if match.group(1):
        try:
            day = date(today.year, int(match.group(1)), int(match.group(2)))
        except ValueError:
            return None, rest
        if day > today:  # 12月30日 typed on 1月2日
            day = day.replace(year=today.year - 1)
    else:
        day = today - timedelta(days=1 if word == "昨天" else 2)
    return (day if day in _recent_school_days(desk) else None), rest


def _recent_school_days(desk: LeaveDesk) -> set[date]:
    """The last N school days up to today (today too, when it is one)."""
    limit, day = desk.config.attendance.correct_school_days, desk.today
    found: set[date] = set()
    for _ in range(limit * 7 + 14):
        if len(found) >= limit:
            break
        if desk.config.calendar.kind(day) is not DayKind.DAY_OFF:
            found.add(day)
        day -= timedelta(days=1)
    return found


def _pick_class(classes: list[SchoolClass],
                words: list[str]) -> tuple[SchoolClass | None, list[str]]:
    if len(classes) == 1:
        return classes[0], words
    if words:
        named = next((c for c in classes if c.label == words[0]), None)
        if named is not None:
            return named, words[1:]
    return None, words


@dataclass(frozen=True)
class Namesakes:
    """A name typed that more than one student of the class has."""

    name: str
    students: list[Student]


async def _absences(words: list[str], cls: SchoolClass, desk: LeaveDesk, today: date,
                    chosen: Chosen) -> list[tuple[int, int, int]] | str | Namesakes:
    """Names, each optionally followed by 上午 / 下午, as (student id, first slot, last slot)."""
    found = {}
    students: dict[str, list[Student]] = {}
    for s in await desk.roster.students_in_class(cls.id):
        students.setdefault(s.name, []).append(s)
    current: Student | None = None
    for word in words:
        if word in HALVES and current is not None:
            half = slot(today, HALVES[word])  # type: ignore[arg-type]
            found[current.id] = (current.id, half, half)
            continue
        named = students.get(word, [])
        if not named:
            return f"{cls.label}没有叫「{clip(word, 60)}」的学生。请核对后重新发送。"
        student = named[0] if len(named) == 1 else next(
            (s for s in named if s.id == chosen.get(word)), None)
        if student is None:
            return Namesakes(word, named)
        current = student
        found[student.id] = (student.id, slot(today, "am"), slot(today, "pm"))
    return list(found.values())


async def _show(repo: AttendanceRepo, cls: SchoolClass, desk: LeaveDesk, day: date) -> str:
    when = "今天" if day == desk.today else f"{day.month}月{day.day}日"
    report = await repo.report(cls.id, day)
    if report is None:
        return f"{cls.label}{when}还没有上报考勤。"
    names = {s.id: s.name for s in await desk.roster.students_in_class(cls.id)}
    absent = await repo.absences(report.id)
    if not absent:
        return f"{cls.label}{when}：全勤。"
    parts = []
    for a in absent:
        half = "" if a.start_slot != a.end_slot else ("（上午）" if a.start_slot % 2 == 0
                                                      else "（下午）")
        parts.append(names.get(a.student_id, "?") + half)
    return f"{cls.label}{when}缺勤：" + "、".join(parts)


@router.on(Command("家访"))
async def home_visit(args: str, user: User, desk: LeaveDesk, ladder: LadderRepo,
                     dropout: DropoutRepo) -> str:
    """`家访 <姓名> <情况>` closes the open home-visit task and records the visit on the
    student's dropout case; `家访 <姓名> 电话 <结果>` records a call (the visit stays open)."""
    match = re.fullmatch(r"(\S+)\s+(.+)", args.strip())
    if match is None:
        return ("格式：家访 学生姓名 情况，例如：家访 张小明 已见到家长，孩子下周一返校\n"
                "电话联系：家访 张小明 电话 未接通")
    classes = [c.id for c in await desk.roster.class_of_teacher(user.userid)]
    students = await desk.roster.students_named(match.group(1), classes)
    if len(students) != 1:
        return f"您的班级里没有叫「{clip(match.group(1), 60)}」的学生。"
    student, notes = students[0], match.group(2)
    call = re.fullmatch(r"电话\s*(.+)", notes)
    if call is not None:
        logged = await record_step(dropout, desk.audit, student.id, "电话", call.group(1),
                                   by=user.userid, day=desk.today, now=desk.now)
        if logged is None:
            return f"{student.name}没有在办的控辍保学个案，电话情况未记录。"
        return f"已记录对{student.name}家长的电话联系。"
    visit = await ladder.open_visit(student.id)
    logged = await record_step(dropout, desk.audit, student.id, "家访", notes, by=user.userid,
                               day=desk.today, now=desk.now)
    if visit is None and logged is None:
        return f"{student.name}目前没有待完成的家访。"
    if visit is not None:
        visit.closed_at, visit.closed_by, visit.notes = desk.now, user.userid, notes[:500]
        desk.audit.record(actor=user.userid, action="home_visit_closed", entity="home_visit",
                          entity_id=visit.id, at=desk.now, after={"closed": True})
    return f"已记录对{student.name}的家访。"
