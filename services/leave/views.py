"""How a leave reads in text (chat, pages, reports): its dates, status, approver's card, history."""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import TYPE_CHECKING

from models.leave import Leave
from models.messages import Button, ButtonCard
from models.messaging import AuditEntry
from models.rules.dates import DateSpan
from models.rules.evidence import uploaded_name
from models.rules.schooldays import describe_span

if TYPE_CHECKING:
    from bot.config import Config
    from services.leave.desk import LeaveDesk

STATUS_NAMES = {"pending": "待审批", "approved": "已批准", "rejected": "已驳回",
                "withdrawn": "已撤销", "returned": "已销假"}
ACTION_NAMES = {"submitted": "提交", "routed": "送审", "reminded": "催办", "moved_up": "转上级审批",
                "moved_class": "转班（新班主任审批）", "approved": "批准", "rejected": "驳回",
                "withdrawn": "撤销", "exited": "离校", "returned": "返校销假",
                "opened": "办理临时请假", "evidence_viewed": "查看诊断书"}
APPROVE, REJECT = "approve:", "reject:"
# Leaves longer than the last tier (篇三 §四.1: 因伤病需长期治疗; 一学期内病事假累计超过六周).
SUSPENSION_CARD = ("超过{n}个上课日：如因伤病需长期治疗，或本学期病、事假累计超过{weeks}周，"
                   "可告知家长按规定申请休学。")
SUSPENSION_ECHO = ("提示：超过{n}个上课日。如因伤病需长期治疗，或本学期病、事假累计超过{weeks}周，"
                   "可按规定申请休学，详情请问班主任。\n")


def suspension_note(config: Config, routing_days: float, template: str) -> str:
    """The line on 休学 (SUSPENSION_CARD or _ECHO) for a leave longer than the last tier."""
    limit = config.approval.tiers[-1].max_days
    if routing_days <= limit:
        return ""
    return template.format(n=f"{limit:g}", weeks=f"{config.truancy.leave_advisory_weeks:g}")


def leave_span(leave: Leave) -> DateSpan:
    window = ((leave.window_start, leave.window_end)
              if leave.window_start is not None and leave.window_end is not None else None)
    return DateSpan(leave.start_date, "pm" if leave.start_slot % 2 else "am", leave.end_date,
                    "pm" if leave.end_slot % 2 else "am", window)


def when(leave: Leave) -> str:
    """"12月7日(周一)至12月9日(周三)，共3个上课日"."""
    return describe_span(leave_span(leave), leave.days)


def clock(moment: datetime, tz: tzinfo) -> str:
    return moment.astimezone(tz).strftime("%H:%M")


def stamp(moment: datetime, tz: tzinfo) -> str:
    local = moment.astimezone(tz)
    return f"{local.month}月{local.day}日 {local:%H:%M}"


def valid_until(leave: Leave, now: datetime, tz: tzinfo) -> str:
    """The pass's last minute, as people read it ("12月7日 23:59")."""
    until = leave.valid_until or now
    return stamp(until - timedelta(minutes=1), tz)


def evidence_path(leave_id: int) -> str:
    """The page of a leave's uploaded hospital note (its approvers only: bot/web/evidence.py)."""
    return f"/h5/evidence/{leave_id}"


def approval_card(leave: Leave, student: str, class_label: str, task_id: str, *,
                  note: str = "") -> ButtonCard:
    """The approver's card: everything needed to decide, a note if any, and the two buttons."""
    evidence = ("家长证明" if not leave.evidence_media_id else "已上传诊断书（见链接）"
                if uploaded_name(leave.evidence_media_id) else "已上传诊断书（见下图）")
    return ButtonCard(
        task_id=task_id,
        title=f"请假审批 单号{leave.id}",
        description=f"{student}（{class_label}）{leave.kind}" + (f"\n{note}" if note else ""),
        fields=(("学生", f"{student} {class_label}"), ("时间", when(leave)),
                ("天数", f"{leave.days:g}个上课日"), ("类型", leave.kind),
                ("事由", leave.reason), ("证明", evidence)),
        buttons=(Button(f"{APPROVE}{leave.id}", "批准", 1),
                 Button(f"{REJECT}{leave.id}", "驳回", 3)),
    )


def summary_line(leave: Leave, student: str) -> str:
    return f"单号{leave.id} {student} {leave.kind} {when(leave)} [{STATUS_NAMES[leave.status]}]"


def history_lines(entries: list[AuditEntry], names: dict[str, str], tz: tzinfo) -> list[str]:
    """One line per recorded step: when, what, who."""
    lines = []
    for entry in entries:
        who = names.get(entry.actor, "系统" if entry.actor.startswith("system") else entry.actor)
        lines.append(f"  {stamp(entry.at, tz)} {ACTION_NAMES.get(entry.action, entry.action)}"
                     f"（{who}）")
    return lines


async def history(desk: LeaveDesk, leave: Leave) -> list[str]:
    """The leave's recorded steps, each actor by name when the roster knows them."""
    entries = await desk.audit.history("leave", leave.id)
    names = {e.actor: name for e in entries
             if (name := await desk.roster.display_name(e.actor))}
    return history_lines(entries, names, desk.tz)
