"""班主任: why a child reported absent without a reason is away (病 / 事 / 不明), and 病's symptoms.

    考勤 缺勤 张小明 李华 ─► absence:reason ─► 病 事 ─► absence:symptoms (each sick child) ─► done

The report is recorded before the question, so nothing is lost when the teacher moves on (the
reason step is soft: a command typed instead leaves the absences as 不明).
"""

from __future__ import annotations

import re
from datetime import date

from handlers.context import Dialog, User
from handlers.dialogs import ABSENCE_REASON, ABSENCE_SYMPTOMS
from handlers.dispatcher import Router, WaitingFor
from models.repos.attendance import AttendanceRepo
from models.roster import Student
from models.rules.slots import slot
from models.rules.symptoms import OPTIONS, SYMPTOMS, read_answer
from services.health import HealthDesk
from services.leave.desk import LeaveDesk

router = Router("absence", roles=frozenset({"班主任"}))

SICK, PERSONAL, UNKNOWN = "病", "事", "不明"
_REASON = re.compile(r"不明|不知道|病假?|事假?")
MAX_ASKED = 20  # more children than this are not asked one by one (the answer would be a list)
_SEPARATORS = re.compile(r"[\s、,，;；.。:：0-9]+")


async def unexplained(desk: LeaveDesk, students: list[Student], day: date) -> list[Student]:
    """The reported children no leave explains (a pending or approved leave covers the day)."""
    span = (slot(day, "am"), slot(day, "pm"))
    return [s for s in students if await desk.leaves.open_overlapping(s.id, span) is None]


def ask_reasons(dialog: Dialog, class_id: int, day: date, students: list[Student]) -> str:
    """One question for every child: numbered names, answers 病 / 事 / 不明 in order."""
    if not students:
        return ""
    if len(students) > MAX_ASKED:
        return (f"未说明原因的缺勤有{len(students)}人，不逐人询问；因病缺课的请写明症状，"
                "例如：考勤 缺勤 张小明(发热)。")
    dialog.go(ABSENCE_REASON, class_id=class_id, day=day.isoformat(),
              ids=[s.id for s in students], names=[s.name for s in students], sick=[])
    return _reason_question([s.name for s in students])


def _reason_question(names: list[str]) -> str:
    options = " ".join(f"{i} {name}" for i, name in enumerate(names, 1))
    several = "，多人按序号顺序用空格分隔（例如：病 事）" if len(names) > 1 else ""
    return ABSENCE_REASON.ask.format(options=options, several=several)


def read_reasons(text: str, names: list[str]) -> list[str] | None:
    """"病 事" → [病, 事] in the children's order; None unless it is one answer per child."""
    rest = text
    for name in names:
        rest = rest.replace(name, " ")
    answers = [_word(m) for m in _REASON.findall(rest)]
    if _SEPARATORS.sub("", _REASON.sub("", rest)) or len(answers) != len(names):
        return None
    return answers


def _word(found: str) -> str:
    return SICK if found.startswith(SICK) else PERSONAL if found.startswith(PERSONAL) else UNKNOWN


@router.on(WaitingFor(ABSENCE_REASON))
async def give_reasons(text: str, user: User, dialog: Dialog, desk: LeaveDesk,
                       attendance: AttendanceRepo, health: HealthDesk) -> str:
    data = dialog.data
    names: list[str] = list(data["names"])
    reasons = read_reasons(text, names)
    if reasons is None:
        want = f"需要{len(names)}个回答，" if len(names) > 1 else ""
        return f"没有看懂。{want}每人回复 病、事 或 不明。\n" + _reason_question(names)
    day = date.fromisoformat(data["day"])
    report = await attendance.report(data["class_id"], day)
    if report is None:  # the report was withdrawn meanwhile: nothing to explain
        dialog.end()
        return "这天的考勤已不存在，缺勤原因未记录。"
    sick: list[int] = []
    for student_id, reason in zip(data["ids"], reasons, strict=True):
        await attendance.set_reason(report.id, student_id, reason)
        if reason == SICK:
            await health.record(student_id, data["class_id"], day, (), by=user.userid,
                                source="attendance")
            sick.append(student_id)
    said = "、".join(f"{n}（{r}）" for n, r in zip(names, reasons, strict=True))
    if not sick:
        dialog.end()
        return f"已记录缺勤原因：{said}。"
    return f"已记录缺勤原因：{said}。\n" + _ask_symptoms(dialog, sick)


def _ask_symptoms(dialog: Dialog, sick: list[int]) -> str:
    names = dict(zip(dialog.data["ids"], dialog.data["names"], strict=True))
    name = names[sick[0]]
    dialog.go(ABSENCE_SYMPTOMS, sick=sick, name=name)
    return ABSENCE_SYMPTOMS.ask.format(name=name, options=OPTIONS)


@router.on(WaitingFor(ABSENCE_SYMPTOMS))
async def give_symptoms(text: str, user: User, dialog: Dialog, health: HealthDesk) -> str:
    data = dialog.data
    symptoms = read_answer(text)
    if symptoms is None:
        return (f"没有看懂。请回复编号（1到{len(SYMPTOMS)}）或症状名称，例如 1 2；"
                f"不清楚回复「不知道」。\n{OPTIONS}")
    student_id, rest = data["sick"][0], data["sick"][1:]
    day = date.fromisoformat(data["day"])
    await health.record(student_id, data["class_id"], day, symptoms, by=user.userid,
                        source="attendance")
    said = f"已登记{data['name']}的症状：{'、'.join(symptoms) or '未说明'}。"
    if rest:
        return f"{said}\n" + _ask_symptoms(dialog, rest)
    dialog.end()
    return said
