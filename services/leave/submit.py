"""A leave asked for: the draft (what is known so far), its check (`assess`), its submission.

The chat dialog and a web form fill the same `Draft` and call the same `assess` and `submit`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, time, timedelta
from typing import Any

from models.leave import PENDING, SICK, Leave
from models.roster import Student
from models.rules.dates import DateSpan
from models.rules.routing import Route, route_for
from models.rules.schooldays import (
    CalendarUnknown,
    count_school_days,
    describe_span,
    only_non_school_days_between,
)
from models.rules.slots import span_slots
from services.actor import Actor
from services.leave import views
from services.leave.cards import send_cards
from services.leave.desk import LeaveDesk
from services.privacy import NO_DETAILS

KINDS = ("病假", "事假")
MAX_REASON = 200
SUSPENSION = ("按学校规定，连续请假超过{n}个上课日不能按请假办理，需要办理休学手续："
              "由家长持县级以上医院证明提出书面申请，经学校审查后报教育主管部门批准。"
              "班主任已收到通知，会与您联系。")


@dataclass
class Draft:
    """Dialog data for a leave request; stored as plain JSON in the dialog state."""

    student_id: int | None = None
    kind: str | None = None
    start: str | None = None
    start_half: str = "am"
    end: str | None = None
    end_half: str = "pm"
    window: tuple[str, str] | None = None
    reason: str | None = None
    media_id: str | None = None
    # A 病假's health answers; None: not asked yet, "" (or []): skipped
    symptoms: list[str] | None = None
    onset: str | None = None
    diagnosis: str | None = None  # a diagnosis, NOT_SEEN, or "" when not known

    @classmethod
    def load(cls, data: dict[str, Any]) -> Draft:
        fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        if fields.get("window"):
            fields["window"] = tuple(fields["window"])
        return cls(**fields)

    def dump(self) -> dict[str, Any]:
        return asdict(self)

    def set_span(self, span: DateSpan) -> None:
        self.start, self.start_half = span.start.isoformat(), span.start_half
        self.end, self.end_half = span.end.isoformat(), span.end_half
        self.window = ((span.window[0].isoformat("minutes"), span.window[1].isoformat("minutes"))
                       if span.window else None)

    def health(self) -> dict[str, Any] | None:
        """What a 病假 keeps for the 因病缺勤 register until it is approved (None: nothing)."""
        if self.kind != SICK:
            return None
        kept = {"symptoms": self.symptoms, "onset": self.onset or None,
                "diagnosis": self.diagnosis or None}
        return kept if any(v is not None for v in kept.values()) else None

    @property
    def span(self) -> DateSpan | None:
        if self.start is None or self.end is None:
            return None
        window = ((time.fromisoformat(self.window[0]), time.fromisoformat(self.window[1]))
                  if self.window else None)
        return DateSpan(date.fromisoformat(self.start), self.start_half,  # type: ignore[arg-type]
                        date.fromisoformat(self.end), self.end_half,  # type: ignore[arg-type]
                        window)


@dataclass(frozen=True)
class Assessment:
    """A draft that may be submitted: its school days, the days that route it (joined leaves
    included), the tier it goes to, and whether a sick note is needed."""

    days: float
    routing_days: float
    route: Route
    needs_photo: bool


class Refusal(Exception):
    """The draft cannot be submitted; the message tells the parent why, in Chinese."""


async def assess(desk: LeaveDesk, draft: Draft, student_id: int) -> Assessment:
    """Count, check and route a complete draft; raise Refusal with the reason."""
    span = draft.span
    assert span is not None
    calendar = desk.config.calendar
    try:
        days = count_school_days(span, calendar)
    except CalendarUnknown as exc:
        raise Refusal(_unknown_refusal(exc)) from exc
    if days == 0:
        raise Refusal("所选日期都不是上课日，不需要请假。")
    _check_backdating(desk, span)
    open_leaves = await desk.leaves.open_for_student(student_id)  # in date order
    first, last = span_slots(span)
    other = next((o for o in open_leaves if o.start_slot <= last and o.end_slot >= first), None)
    if other is not None:
        raise Refusal(f"与已有的请假（单号{other.id}，{other.start_date.month}月"
                      f"{other.start_date.day}日起）时间重叠，不能重复请假。")
    routing_days = days + _chained_days(desk, span, open_leaves)
    approval = desk.config.approval
    route = route_for(routing_days, approval.tiers, approval.beyond_last_tier)
    needs_photo = draft.kind == SICK and days > desk.config.leave.sick_note_after_days
    if draft.kind == SICK and not await _health_kept(desk, student_id):
        draft.reason = NO_DETAILS  # the echo shows what will be kept: no illness
        draft.symptoms, draft.onset, draft.diagnosis = [], "", ""
    return Assessment(days, routing_days, route, needs_photo)


async def _health_kept(desk: LeaveDesk, student_id: int) -> bool:
    """Whether a 病假's reason may be kept (guardians are asked by the morning follow-up)."""
    return await desk.privacy.details_kept(student_id)


def _check_backdating(desk: LeaveDesk, span: DateSpan) -> None:
    """A leave may start at most N school days back (补假); earlier needs the 班主任."""
    today, limit = desk.today, desk.config.leave.backdate_school_days
    if span.start >= today:
        return
    try:
        past = count_school_days(DateSpan(span.start, "am", today - timedelta(days=1), "pm"),
                                 desk.config.calendar)
    except CalendarUnknown as exc:
        raise Refusal(_unknown_refusal(exc)) from exc
    if past > limit:
        raise Refusal(f"开始日期早于{limit}个上课日之前，无法在线补假，请联系班主任。")


def _unknown_refusal(exc: CalendarUnknown) -> str:
    return f"暂时无法办理这段日期的请假：{exc}。"


def _chained_days(desk: LeaveDesk, span: DateSpan, open_leaves: list[Leave]) -> float:
    """Days of the child's other leaves joined to this one by nothing but non-school days."""
    calendar = desk.config.calendar
    before = sorted((x for x in open_leaves if x.end_date <= span.start),
                    key=lambda x: x.end_slot, reverse=True)
    after = sorted((x for x in open_leaves if x.start_date >= span.end), key=lambda x: x.start_slot)
    total, edge = 0.0, span.start
    for other in before:
        if not only_non_school_days_between(other.end_date, edge, calendar):
            break
        total, edge = total + other.days, other.start_date
    edge = span.end
    for other in after:
        if not only_non_school_days_between(edge, other.start_date, calendar):
            break
        total, edge = total + other.days, other.end_date
    return total


async def submit(desk: LeaveDesk, draft: Draft, student: Student, found: Assessment,
                 parent: Actor) -> Leave:
    """Store the assessed draft as a pending leave and send its approvers' cards."""
    span = draft.span
    assert span is not None and draft.kind is not None and draft.reason is not None
    assert found.route.tier_index is not None
    start_slot, end_slot = span_slots(span)
    reason, health = draft.reason, draft.health()
    if draft.kind == SICK and not await _health_kept(desk, student.id):
        # without consent (or a 不同意 between the echo and 确认) no illness detail is kept
        reason, health = NO_DETAILS, None
    leave = await desk.leaves.add(Leave(
        student_id=student.id, kind=draft.kind, start_date=span.start, end_date=span.end,
        start_slot=start_slot, end_slot=end_slot,
        window_start=span.window[0] if span.window else None,
        window_end=span.window[1] if span.window else None,
        days=found.days, routing_days=found.routing_days, reason=reason,
        evidence_media_id=draft.media_id, health=health, status=PENDING,
        tier_index=found.route.tier_index,
        tier_since=desk.now, submitted_by=parent.userid, submitted_at=desk.now))
    desk.record(parent.userid, "submitted", leave)
    approvers = await send_cards(desk, leave, student)
    desk.record("system:routing", "routed", leave,
                note=f"tier={leave.tier_index} approvers={len(approvers)}")
    return leave


async def refuse_as_suspension(desk: LeaveDesk, student: Student, routing_days: float,
                               parent: Actor) -> str:
    """A leave longer than the school takes (beyond_last_tier = "refuse"): the 班主任 is told,
    the parent gets the 休学 procedure (the returned answer)."""
    for teacher in await desk.roster.homeroom_teachers(student.class_id):
        desk.notify.send(teacher, f"家长{parent.name}为{student.name}申请连续{routing_days:g}个"
                                  "上课日的假，超过请假上限，已告知家长休学手续，请与家长联系。")
    return SUSPENSION.format(n=f"{desk.config.approval.tiers[-1].max_days:g}")


def echo(desk: LeaveDesk, draft: Draft, student: Student,
         found: Assessment) -> list[tuple[str, str]]:
    """What the parent checks before 确认, as (label, value) rows: chat and the page show these."""
    span = draft.span
    assert span is not None and draft.kind is not None and draft.reason is not None
    rows: list[tuple[str, str]] = [
        ("学生", student.name), ("时间", describe_span(span, found.days)),
        ("类型", draft.kind), ("事由", draft.reason)]
    if draft.kind == SICK and draft.symptoms:
        rows.append(("症状", "、".join(draft.symptoms)))
    if draft.kind == SICK and draft.onset:
        onset = date.fromisoformat(draft.onset)
        rows.append(("起病", f"{onset.month}月{onset.day}日"))
    if draft.kind == SICK and draft.diagnosis:
        rows.append(("就诊", draft.diagnosis))
    if draft.media_id:
        rows.append(("证明", "已上传诊断书"))
    rows.append(("审批", found.route.role or ""))
    return rows


def echo_note(desk: LeaveDesk, found: Assessment) -> str:
    """The line on 休学 under the echo of a leave longer than the last tier ("" otherwise)."""
    return views.suspension_note(desk.config, found.routing_days, views.SUSPENSION_ECHO)


async def confirm(desk: LeaveDesk, draft: Draft, parent: Actor) -> tuple[Leave | None, str]:
    """确认: re-check the draft (the world may have moved), store it and send the approvers'
    cards. The leave (None when refused) and the parent's answer."""
    children = await desk.roster.children_of(parent.userid)
    student = next((c for c in children if c.id == draft.student_id), None)
    if student is None:
        return None, "这个孩子已不在您的名下，无法提交。"
    try:
        found = await assess(desk, draft, student.id)
    except Refusal as exc:
        return None, f"{exc}\n请假未提交。"
    if found.route.tier_index is None:  # joined to a leave made since the echo: too long now
        return None, await refuse_as_suspension(desk, student, found.routing_days, parent)
    leave = await submit(desk, draft, student, found, parent)
    tier_role = desk.config.approval.chain[leave.tier_index].role
    return leave, (f"已提交请假，单号{leave.id}。\n"
                   f"{student.name} {leave.kind} {views.when(leave)}\n"
                   f"等待{tier_role}审批，结果会第一时间通知您。")
