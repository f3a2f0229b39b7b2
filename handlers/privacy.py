"""家长: 同意 / 不同意 answers the question on keeping health details; `我的数据` shows what the
school keeps about their children (paged: `我的数据 2`)."""

from __future__ import annotations

from typing import Any

from handlers.context import User
from handlers.dispatcher import Command, Router
from models.messages import Incoming, TextMessage
from models.repos.dropout import DropoutRepo
from models.rules.channel import MEMBER_CHANNEL
from models.rules.textbudget import paged
from services.leave.desk import LeaveDesk
from services.mydata import child_lines
from services.privacy import answer

router = Router("privacy", roles=frozenset({"家长"}))

YES, NO = "同意", "不同意"
ANSWERED = {True: "已记录：您同意学校保存{names}的健康信息（症状、诊断、复课证明），"
                  "从现在起的病假会记录。想改变主意，随时回复：不同意",
            False: "已记录：您不同意学校保存{names}的健康信息。请病假照常，病情不作记录，"
                   "班主任会电话了解。想改变主意，随时回复：同意"}
NOT_ASKED = "学校还没有就保存孩子的健康信息征求过您的意见，不需要回复。"
HEADER = "学校保存的您孩子的信息："
FOOTER = "健康信息（症状、诊断）只有审批人、班主任、校医、校长能看，学年结束后按期删除。"


class Bare(Command):
    """The word alone: `同意` answers the consent question, `同意 17` stays the approver's; a
    command, so a dialog waiting for an answer asks again after it."""

    def __call__(self, message: Incoming, data: dict[str, Any]) -> bool | dict[str, Any]:
        matched = isinstance(message, TextMessage) and data["text"] in self.words
        return {"args": ""} if matched else False


@router.on(Bare(YES))
async def consent_yes(user: User, desk: LeaveDesk) -> str:
    return await _answer(user, desk, True)


@router.on(Bare(NO))
async def consent_no(user: User, desk: LeaveDesk) -> str:
    return await _answer(user, desk, False)


async def _answer(user: User, desk: LeaveDesk, yes: bool) -> str:
    students = await answer(desk.health, desk.audit, user.userid, MEMBER_CHANNEL, yes, desk.now)
    if not students:
        return NOT_ASKED
    names = "、".join(c.name for c in await desk.roster.children_of(user.userid)
                     if c.id in students) or "孩子"
    return ANSWERED[yes].format(names=names)


@router.on(Command("我的数据"))
async def my_data(args: str, user: User, desk: LeaveDesk, dropout: DropoutRepo) -> str:
    number = int(args) if args.isdigit() else 1
    children = await desk.roster.children_of(user.userid)
    if not children:
        return "没有找到您的孩子的登记信息。"
    entries = [line for child in children
               for line in await child_lines(desk, dropout, child, user.userid)]
    page = paged(entries, number, header=HEADER, footer=FOOTER, command="我的数据")
    if page is None:
        return f"没有第{number}页。发送「我的数据」从第1页看起。"
    return page.text
