"""`我的数据`: what the school keeps about a guardian's children, as lines a page can hold."""

from __future__ import annotations

from datetime import date

from models.health import HealthConsent, IllnessAbsence
from models.leave import Leave
from models.repos.dropout import DropoutRepo
from models.roster import Student
from models.rules.privacy import Consent, consent_of
from services.leave import views
from services.leave.desk import LeaveDesk

MAX_LEAVES = 200  # per child: older leaves than this are counted, not listed


def _day(d: date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def consent_line(rows: list[HealthConsent], guardian: str) -> str:
    own = next((r for r in rows if r.guardian == guardian), None)
    state = consent_of(r.answer for r in rows)
    if own is None or own.asked_at is None:
        mine = "未询问"
    elif own.answer is None:
        mine = "未答复"
    else:
        mine = ("同意" if own.answer else "不同意") + (
            f"（{_day(own.answered_at.date())}）" if own.answered_at else "")
    kept = "保存" if state is Consent.YES else "不保存"
    return f"健康信息：您的答复 {mine}；目前{kept}孩子的症状和诊断"


def leave_line(leave: Leave) -> str:
    status = views.STATUS_NAMES.get(leave.status, leave.status)
    return f"请假 单号{leave.id} {leave.kind} {views.when(leave)} {status}；事由：{leave.reason}"


def illness_line(row: IllnessAbsence) -> str:
    span = _day(row.day) + ("" if row.last_day == row.day else f"至{_day(row.last_day)}")
    symptoms = "、".join(row.symptoms) or "未记录"
    diagnosis = row.diagnosis or "未记录"
    return f"因病缺课 {span}；症状：{symptoms}；诊断：{diagnosis}"


async def child_lines(desk: LeaveDesk, dropout: DropoutRepo, child: Student,
                      guardian: str) -> list[str]:
    """One child's entries: the child, the consent, each leave, each illness absence, a case."""
    label = await desk.student_label(child)
    lines = [f"【{child.name}】{label} 学籍号{child.student_no}",
             consent_line(await desk.health.consents(child.id), guardian)]
    leaves = await desk.leaves.recent_for_students([child.id], limit=MAX_LEAVES)
    lines += [leave_line(leave) for leave in reversed(leaves)] or ["请假：无"]
    illness = await desk.health.of_student(child.id)
    lines += [illness_line(row) for row in illness] or ["因病缺课：无"]
    case = await dropout.latest_case(child.id)
    if case is not None:
        lines.append(f"控辍保学个案：{case.level}，{case.status}（{_day(case.opened_on)}起）")
    return lines
