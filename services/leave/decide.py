"""批准 or 驳回: the first decision wins, every card shows it, the family hears it; an approval
issues the 放行码 and voids 旷课 already recorded for the days it covers (补假)."""

from __future__ import annotations

from models.leave import APPROVED, PENDING, REJECTED, WITHDRAWN, Leave
from models.messages import CardUpdate, Reply, Text
from services.actor import Actor
from services.health import register_sick_leave
from services.leave import views
from services.leave.cards import close_cards
from services.leave.desk import LeaveDesk
from services.leave.passes import fresh_code, pass_message, pass_values

NOT_FOUND = "没有找到您可以办理的单号{id}。请核对单号，或发送「待审批」查看。"


async def decide(desk: LeaveDesk, user: Actor, leave_id: int, *, approve: bool,
                 note: str | None = None, response_code: str | None = None) -> list[Reply]:
    """批准 or 驳回 (with the reason in `note`); later deciders are told who decided and when.

    `response_code`: the card click being answered; its card is updated by the first reply.
    """
    leave = await desk.decidable(user, leave_id)
    if leave is None:
        return [Text(NOT_FOUND.format(id=leave_id))]
    values: dict[str, object] = {"decided_by": user.userid, "decided_at": desk.now,
                                 "decision_note": note}
    code = None
    if approve:
        code = await fresh_code(desk)
        values.update(pass_values(desk, leave, code, holder=leave.submitted_by))
    status = APPROVED if approve else REJECTED
    if not await desk.leaves.transition(leave.id, [PENDING], status=status, **values):
        return await _already_decided(desk, leave, response_code)
    desk.record(user.userid, status, leave, before=PENDING, note=note)
    outcome = "已批准" if approve else "已驳回"
    await close_cards(desk, leave, f"{outcome}（{user.name}）",
                      except_user=user.userid if response_code else None)
    name = await desk.student_name(leave)
    family = await _family(desk, leave)
    if code is not None:
        for guardian in family:  # the same pass to each: whoever brings the child out
            desk.notify.send(guardian, pass_message(desk, leave, name, code))
        await _excuse_past_truancy(desk, leave, name, user)
        if leave.kind == "病假":
            await register_sick_leave(desk, leave, user.userid)
    else:
        for guardian in family:
            desk.notify.send(guardian, f"{name}的请假（单号{leave.id}）未获批准。"
                                       f"\n驳回理由：{note}\n审批人：{user.name}")
    await _tell_homeroom(desk, leave, name, user, outcome)
    replies: list[Reply] = [Text(f"单号{leave.id} {outcome}。{name} {views.when(leave)}")]
    if response_code:
        replies.insert(0, CardUpdate(outcome, response_code=response_code))
    return replies


async def _excuse_past_truancy(desk: LeaveDesk, leave: Leave, name: str, approver: Actor) -> None:
    """补假: 旷课 already recorded for days this leave covers is voided, with a record."""
    changed = await desk.attendance.void_covered(leave.student_id, leave.start_slot,
                                                 leave.end_slot, leave.id, desk.now)
    for day, left in changed:
        desk.audit.record(actor=approver.userid, action="truancy_excused", entity="truancy",
                          entity_id=f"{leave.student_id}:{day}", at=desk.now,
                          after={"days": left, "leave": leave.id})
        what = "已撤销" if left == 0 else f"改为{left:g}天"
        for guardian in await desk.roster.guardians_of(leave.student_id):
            desk.notify.send(guardian, f"{name}{day.month}月{day.day}日的旷课记录{what}"
                                       f"（已补办请假，单号{leave.id}）。")


async def _already_decided(desk: LeaveDesk, leave: Leave,
                           response_code: str | None) -> list[Reply]:
    fresh = await desk.leaves.get(leave.id)
    assert fresh is not None
    who = await desk.roster.display_name(fresh.decided_by or "") or fresh.decided_by or "家长"
    at = views.stamp(fresh.decided_at or fresh.submitted_at, desk.tz)
    state = views.STATUS_NAMES[fresh.status]
    text = f"单号{fresh.id} 已由{who}于{at}处理：{state}。"
    if fresh.status == WITHDRAWN:
        text = f"单号{fresh.id} 已被家长撤销，无需审批。"
    replies: list[Reply] = [Text(text)]
    if response_code:
        replies.insert(0, CardUpdate(state, response_code=response_code))
    return replies


async def _tell_homeroom(desk: LeaveDesk, leave: Leave, name: str, decider: Actor,
                         outcome: str) -> None:
    """A leave of their class decided by someone else (政教处, 校长): its 班主任 are told."""
    student = await desk.roster.student(leave.student_id)
    if student is None:
        return
    teachers = await desk.roster.homeroom_teachers(student.class_id)
    if decider.userid in teachers:  # a fellow 班主任's card already shows the outcome
        return
    for teacher in teachers:
        desk.notify.send(teacher, f"您班{name}的请假（单号{leave.id}，{views.when(leave)}）"
                                  f"{outcome}，审批人：{decider.name}。"
                                  f"发送「查看 {leave.id}」可看详情。")


async def _family(desk: LeaveDesk, leave: Leave) -> list[str]:
    """Who hears the decision: the one who asked first, then every other guardian."""
    guardians = await desk.roster.guardians_of(leave.student_id)
    return [leave.submitted_by, *(g for g in guardians if g != leave.submitted_by)]
