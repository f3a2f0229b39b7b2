"""The approvers ([approval] tiers: 班主任 / 政教处 / 校长 by default) deciding: card buttons,
批准 / 驳回 by text, 待审批."""

from __future__ import annotations

from bot.config import Config
from handlers.args import leave_number, page_number
from handlers.context import Dialog, User
from handlers.dialogs import REJECT_REASON
from handlers.dispatcher import ButtonPrefix, Command, Router, WaitingFor
from models.messages import CardClick, Reply, Text
from models.rules.textbudget import clip, latest_that_fit, paged
from services.leave import views
from services.leave.decide import NOT_FOUND, decide
from services.leave.desk import LeaveDesk


def _approvers(config: Config) -> tuple[str, ...]:
    """The roles the school's approval tiers name: the gate follows the config."""
    return config.approval.roles


router = Router("approver", roles=_approvers)


@router.on(ButtonPrefix(views.APPROVE))
async def approve_button(args: str, message: CardClick, user: User,
                         desk: LeaveDesk) -> list[Reply]:
    if not args.isdigit():
        return [Text("这张卡片已失效。")]
    return await decide(desk, user, int(args), approve=True, response_code=message.response_code)


@router.on(ButtonPrefix(views.REJECT))
async def reject_button(args: str, message: CardClick, user: User, dialog: Dialog,
                        desk: LeaveDesk) -> list[Reply]:
    """驳回 needs a reason: ask for it, and keep the click's code to update the card after."""
    if not args.isdigit():
        return [Text("这张卡片已失效。")]
    leave = await desk.decidable(user, int(args))
    if leave is None:
        return [Text(NOT_FOUND.format(id=args))]
    if leave.status != "pending":
        return await decide(desk, user, leave.id, approve=False, note="",
                            response_code=message.response_code)
    dialog.go(REJECT_REASON, leave_id=leave.id, response_code=message.response_code)
    return [Text(REJECT_REASON.ask.format(leave_id=leave.id))]


@router.on(Command("批准", "同意"))
async def approve_text(args: str, user: User, desk: LeaveDesk) -> list[Reply]:
    number = leave_number(args)
    if number is None or number[1]:
        return [Text("请写明单号，例如：批准 17。发送「待审批」查看待办。")]
    return await decide(desk, user, number[0], approve=True)


@router.on(Command("驳回", "不同意"))
async def reject_text(args: str, user: User, dialog: Dialog, desk: LeaveDesk) -> list[Reply]:
    number = leave_number(args)
    if number is None:
        return [Text("请写明单号和理由，例如：驳回 17 请补交诊断书。")]
    leave_id, reason = number
    if reason:
        return await decide(desk, user, leave_id, approve=False, note=reason[:200])
    if await desk.decidable(user, leave_id) is None:
        return [Text(NOT_FOUND.format(id=leave_id))]
    dialog.go(REJECT_REASON, leave_id=leave_id, response_code="")
    return [Text(REJECT_REASON.ask.format(leave_id=leave_id))]


@router.on(Command("待审批", "待办"))
async def pending(args: str, user: User, desk: LeaveDesk) -> str:
    """Pending leaves this approver may decide, oldest first, a page at a time (`待审批 2`)."""
    number = page_number(args)
    if number is None:
        return "写法：待审批，或 待审批 2（看第2页）。"
    tiers = [i for i, t in enumerate(desk.config.approval.chain) if t.role in user.roles]
    entries = []
    for leave in await desk.leaves.pending_in_tiers(tiers):
        if not await desk.may_decide(user, leave):
            continue
        await desk.privacy.show_reason(user.userid, leave, "待审批")
        entries.append(views.summary_line(leave, await desk.student_name(leave))
                       + f"\n  事由：{leave.reason}")
    if not entries:
        return "目前没有待您审批的请假。"
    page = paged(entries, number, header="待审批：", command="待审批",
                 footer="回复「批准 单号」或「驳回 单号 理由」。")
    return page.text if page else f"待审批没有第{number}页。"


@router.on(Command("查看", "详情"))
async def details(args: str, user: User, desk: LeaveDesk) -> str:
    """One leave an approver may decide (or of a 班主任's class), with everything recorded."""
    number = leave_number(args)
    leave = await desk.viewable(user, number[0]) if number and not number[1] else None
    if leave is None:
        return NOT_FOUND.format(id=clip(args, 30))
    await desk.privacy.show_reason(user.userid, leave, "查看")
    lines = [views.summary_line(leave, await desk.student_name(leave)), f"  事由：{leave.reason}"]
    if leave.decision_note:
        lines.append(f"  审批意见：{leave.decision_note}")
    return "\n".join(latest_that_fit(lines, await views.history(desk, leave)))


# A command typed while the reason is awaited (考勤 全勤, 批准 18 …) is that command, whichever
# router holds it; the reason is asked for again after it.
@router.on(WaitingFor(REJECT_REASON))
async def reject_reason(text: str, user: User, dialog: Dialog, desk: LeaveDesk) -> list[Reply]:
    if not text:
        return [Text(REJECT_REASON.ask.format_map(dialog.data))]
    leave_id, code = dialog.data["leave_id"], dialog.data.get("response_code") or None
    dialog.end()
    return await decide(desk, user, leave_id, approve=False, note=text[:200], response_code=code)
