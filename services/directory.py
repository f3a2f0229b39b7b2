"""WeCom's directory changed (`change_contact`): a member renamed or deleted.

A new userid follows the member everywhere (roles, dialogs, pending cards, messages not yet
sent). A deleted member's roles end; the 管理员 hear what they held, and their pending approvals
go to the other approvers of the same tier.
"""

from __future__ import annotations

import secrets

from models.repos.directory import DirectoryRepo
from services.leave import views
from services.leave.desk import LeaveDesk

ADMIN = "管理员"
ACTOR = "system:wecom-directory"


async def rename_member(desk: LeaveDesk, directory: DirectoryRepo, old: str, new: str) -> None:
    """`old` is `new` from now on, wherever the school's records name them."""
    if not old or not new or old == new:
        return
    await directory.rename(old, new)
    desk.audit.record(actor=ACTOR, action="rename_user", entity="user", entity_id=new,
                      at=desk.now, before={"userid": old}, after={"userid": new})


async def remove_member(desk: LeaveDesk, directory: DirectoryRepo, userid: str) -> None:
    """End a deleted member's roles, hand their pending approvals on, tell the 管理员."""
    name = await desk.roster.display_name(userid) or userid
    pending = await directory.pending_cards_of(userid)
    roles = await directory.end_roles(userid)
    if not roles:
        return
    moved = []
    for leave in pending:
        student = await desk.roster.student(leave.student_id)
        if student is None:
            continue
        holders = {c.userid for c in await desk.leaves.cards(leave.id)}
        _, approvers = await desk.approvers_for(leave, student)
        label = await desk.student_label(student)
        for approver in [a for a in approvers if a not in holders]:
            task_id = f"leave{leave.id}-{secrets.token_hex(8)}"
            desk.leaves.add_card(leave.id, approver, task_id)
            desk.notify.send(approver, views.approval_card(leave, student.name, label, task_id))
        moved.append(f"单号{leave.id}→{'、'.join(approvers) or '（同级无人，请尽快补录）'}")
    held = "、".join(sorted({r.role for r in roles}))
    desk.audit.record(actor=ACTOR, action="delete_user", entity="user", entity_id=userid,
                      at=desk.now, before={"roles": sorted({r.role for r in roles})}, after=None)
    text = (f"企业微信通讯录删除了 {name}（{userid}），已停用其在请假通的角色：{held}。"
            + (f"\n其待审批的请假已转给同级审批人：{'；'.join(moved)}。" if moved else "")
            + "\n如此人仍在校任职，请在企业微信恢复账号后重新导入名册。")
    for admin in await desk.roster.users_with_role(ADMIN):
        desk.notify.send(admin, text)

