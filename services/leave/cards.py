"""The approvers' cards: one to each approver of a leave's tier, closed with the outcome."""

from __future__ import annotations

import secrets

from models.leave import Leave
from models.messages import CardUpdate, Image
from models.roster import Student
from models.rules.evidence import uploaded_name
from services.leave import views
from services.leave.desk import LeaveDesk


async def send_cards(desk: LeaveDesk, leave: Leave, student: Student, *,
                     only: set[str] | None = None) -> list[str]:
    """A card to each approver of the leave's tier (the photo after it); returns who got one.
    `only`: of those approvers, just these (a student who changed class: the new 班主任).

    A tier with nobody in the roster hands the leave to the next tier up that has someone.
    """
    tier_index, approvers = await desk.approvers_for(leave, student)
    if only is not None:
        approvers = [a for a in approvers if a in only]
    leave.tier_index = tier_index
    label = await desk.student_label(student)
    note = views.suspension_note(desk.config, leave.routing_days, views.SUSPENSION_CARD)
    for userid in approvers:
        task_id = f"leave{leave.id}-{secrets.token_hex(8)}"
        desk.leaves.add_card(leave.id, userid, task_id)
        await desk.privacy.show_reason(userid, leave, "审批卡片")
        desk.notify.send(userid, views.approval_card(leave, student.name, label, task_id,
                                                     note=note))
        if uploaded_name(leave.evidence_media_id):
            desk.notify.send(userid, f"单号{leave.id}的诊断书照片：{desk.config.server.public_url}"
                                     f"{views.evidence_path(leave.id)}")
        elif leave.evidence_media_id:
            desk.notify.send(userid, Image(leave.evidence_media_id))
    return approvers


async def close_cards(desk: LeaveDesk, leave: Leave, outcome: str, *,
                      except_user: str | None = None) -> None:
    """Every approver's card shows the outcome (a clicker's is updated by their own reply)."""
    for card in await desk.leaves.cards(leave.id):
        if card.userid == except_user:
            continue
        fallback = f"单号{leave.id}的审批卡片：{outcome}"
        desk.notify.send(card.userid, CardUpdate(outcome, task_id=card.task_id,
                                                 fallback=fallback))
