"""复课证明 before 销假: which open 病假 needs one, asking the parents, the parent's photo, the
校医's confirmation, and what 销假 and the gate's 返校 say until then.

A 病假 needs one when its diagnosis is on `[health] notifiable` or it is longer than
`[health] certificate_after_days` school days (models/rules/recovery.py). The parents are asked
once (when the leave is approved, or when the diagnosis arrives later); a photo they send outside
any dialog is the certificate; the 校医 confirms it (`复课 张小明 确认` or the card's button); until
then 销假, by the 班主任 or at the gate, leaves the leave open and says why.
"""

from __future__ import annotations

from dataclasses import dataclass

from models.health import IllnessAbsence
from models.leave import APPROVED, SICK, Leave
from models.messages import Button, ButtonCard, Image
from models.rules.recovery import certificate_reason
from services.actor import Actor
from services.leave import views
from services.leave.desk import LeaveDesk

DOCTOR = "校医"
CONFIRM = "recovery:confirm:"  # the 校医's card button: + the illness absence's id


@dataclass(frozen=True)
class Due:
    """An open 病假's illness absence whose 复课证明 is still wanted, and why."""

    row: IllnessAbsence
    why: str


def _reason(desk: LeaveDesk, leave: Leave, row: IllnessAbsence) -> str | None:
    h = desk.config.health
    return certificate_reason(leave.days, row.diagnosis, h.notifiable, h.certificate_after_days)


async def due(desk: LeaveDesk, leave: Leave) -> Due | None:
    """The certificate this leave still waits for (None: none is needed, or it is confirmed)."""
    if leave.kind != SICK:
        return None
    row = await desk.health.of_leave(leave.id)
    if row is None or row.certificate_confirmed_at is not None:
        return None
    why = _reason(desk, leave, row)
    return Due(row, why) if why else None


async def ask_parents(desk: LeaveDesk, leave: Leave) -> None:
    """Tell the guardians, once, that the child's return needs a 复课证明 photo."""
    found = await due(desk, leave)
    if found is not None:
        await _ask(desk, leave, found)


async def _ask(desk: LeaveDesk, leave: Leave, found: Due) -> None:
    if found.row.certificate_media is not None:
        return
    name = await desk.student_name(leave)
    text = (f"{name}的病假（单号{leave.id}）{found.why}，返校前需要复课证明：请在这里直接发送"
            "医院开具的复课证明照片，校医确认后即可销假。")
    for guardian in await desk.roster.guardians_of(leave.student_id):
        desk.notify.send(guardian, text, key=f"recovery-ask:{found.row.id}:{guardian}")


async def after_diagnosis(desk: LeaveDesk, row: IllnessAbsence) -> None:
    """A diagnosis given later may make the open 病假 need a certificate: ask then."""
    leave = await desk.leaves.get(row.leave_id) if row.leave_id else None
    if leave is not None and leave.status == APPROVED:
        await ask_parents(desk, leave)


def _waiting(row: IllnessAbsence) -> str:
    return ("复课证明已上传，等待校医确认。" if row.certificate_media
            else "家长还没有发送复课证明照片（已提醒家长）。")


async def _still_due(desk: LeaveDesk, leave: Leave) -> tuple[Due, str] | None:
    """The certificate closing this leave waits for, and the child's name (the parents are
    reminded, once); None when it may close."""
    found = await due(desk, leave)
    if found is None:
        return None
    await _ask(desk, leave, found)
    return found, await desk.student_name(leave)


async def refuse_close(desk: LeaveDesk, leave: Leave) -> str | None:
    """Why the 班主任's 销假 cannot close this leave yet (None: it can)."""
    missing = await _still_due(desk, leave)
    if missing is None:
        return None
    found, name = missing
    return (f"暂不能销假：{name}的病假（单号{leave.id}）{found.why}，须交复课证明并经校医确认。"
            + _waiting(found.row))


async def refuse_return(desk: LeaveDesk, leave: Leave) -> str | None:
    """What the guard's 返校 says while the certificate is missing (None: it may close)."""
    missing = await _still_due(desk, leave)
    if missing is None:
        return None
    found, name = missing
    what = "复课证明还未经校医确认" if found.row.certificate_media else "未交复课证明"
    return f"{name}{what}，请联系校医。暂不能销假（单号{leave.id}）。"


async def take_photo(desk: LeaveDesk, parent: Actor, media_id: str) -> str | None:
    """A parent's photo outside any dialog: the certificate of the child waiting for one (a
    child with no photo yet first). None when no child of theirs waits for one."""
    children = [c.id for c in await desk.roster.children_of(parent.userid)]
    waiting = [(row, leave) for row, leave in await desk.health.open_sick_leaves(children)
               if _reason(desk, leave, row)]
    if not waiting:
        return None
    row, leave = min(waiting, key=lambda pair: pair[0].certificate_media is not None)
    replaced = row.certificate_media is not None
    row.certificate_media, row.certificate_at = media_id[:200], desk.now
    desk.audit.record(actor=parent.userid, action="certificate_sent", entity="illness_absence",
                      entity_id=row.id, at=desk.now, after={"replaced": replaced})
    student = await desk.roster.student(leave.student_id)
    label = await desk.student_label(student) if student else ""
    name = student.name if student else ""
    card = ButtonCard(
        task_id=f"recovery-{row.id}-{int(desk.now.timestamp())}",
        title="复课证明待确认",
        description=f"{name}（{label}）的复课证明照片见上图。",
        fields=(("学生", f"{name} {label}"), ("病假", f"单号{leave.id} {views.when(leave)}"),
                ("原因", _reason(desk, leave, row) or ""), ("诊断", row.diagnosis or "未填写")),
        buttons=(Button(f"{CONFIRM}{row.id}", "确认", 1),))
    for doctor in await desk.roster.users_with_role(DOCTOR):
        # a certificate is health data: the 校医's look is logged like any other
        await desk.privacy.disclose(doctor, [leave.student_id], "复课证明", "复课证明卡片")
        desk.notify.send(doctor, Image(row.certificate_media))
        desk.notify.send(doctor, card)
        desk.notify.send(doctor, f"核对后回复：复课 {name} 确认（或点卡片上的「确认」）。")
    return f"已收到{name}的复课证明照片，等待校医确认；确认后班主任即可销假。"


async def confirm_for_student(desk: LeaveDesk, doctor: Actor, student_id: int) -> str:
    """`复课 张小明 确认`: the child's open 病假 whose certificate waits for the 校医."""
    pairs = await desk.health.open_sick_leaves([student_id])
    waiting = [(row, leave) for row, leave in pairs if _reason(desk, leave, row)]
    if not waiting:
        return "这名学生目前没有需要复课证明的病假。"
    return await _confirm(desk, doctor, *waiting[0])


async def confirm_by_id(desk: LeaveDesk, doctor: Actor, row_id: int) -> str:
    """The card's 确认 button."""
    row = await desk.health.get(row_id)
    leave = await desk.leaves.get(row.leave_id) if row and row.leave_id else None
    if row is None or leave is None:
        return "这张卡片已失效。"
    if row.certificate_confirmed_at is not None:
        return "这份复课证明已确认过。"
    if leave.status != APPROVED:
        return f"单号{leave.id}当前{views.STATUS_NAMES[leave.status]}，无需确认复课证明。"
    return await _confirm(desk, doctor, row, leave)


async def _confirm(desk: LeaveDesk, doctor: Actor, row: IllnessAbsence, leave: Leave) -> str:
    name = await desk.student_name(leave)
    if row.certificate_media is None:
        return f"{name}的家长还没有发送复课证明照片，暂不能确认。"
    if not await desk.health.confirm_certificate(row.id, doctor.userid, desk.now):
        return "这份复课证明已确认过。"
    desk.audit.record(actor=doctor.userid, action="certificate_confirmed",
                      entity="illness_absence", entity_id=row.id, at=desk.now,
                      after={"confirmed": True})
    text = f"{name}的复课证明已由校医确认（病假单号{leave.id}），可以销假。"
    for userid in await desk.family_and_teachers(leave):
        desk.notify.send(userid, text)
    return f"已确认{name}的复课证明（病假单号{leave.id}），已告知班主任和家长。"
