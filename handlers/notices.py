"""Notices (通知): 班主任, 政教处 and 校长 write and follow them; families confirm with 收到.

The writing dialog (handlers/dialogs.py, NOTICE):

    通知 ─► notice:scope ─► notice:text ─► notice:confirm ─► 确认 → sent (or scheduled)
    通知 范围 内容 [定时 明天07:30] ───────────────► notice:confirm (an image may be added here)

Senders: `回执 12` (or `通知12`, `通知 12 未读`), `提醒 12`, `撤回 12`, `通知列表`.
Families: the card's 收到 button, `收到` / `收到 12`, `我的通知`.
"""

from __future__ import annotations

from handlers.args import leave_number
from handlers.context import Dialog, User
from handlers.dialogs import NOTICE_CONFIRM, NOTICE_SCOPE, NOTICE_TEXT
from handlers.dispatcher import ButtonPrefix, Command, InState, Router, WaitingFor, is_image
from models.messages import CardClick, ImageMessage, Reply, Text, TextMessage
from models.repos.roster import PARENT
from models.rules import notices as rules
from services.leave.desk import LeaveDesk
from services.leave.withdraw import withdraw as withdraw_leave
from services.notices import compose, lists, receipts
from services.notices.compose import Draft
from services.notices.desk import NoticeDesk
from services.notices.recall import recall
from services.notices.send import send
from services.notices.views import ACK, RECEIPTS

senders = Router("notice-sender", roles=rules.SENDERS)
clicks = Router("notice-card")  # anyone in the roster; who may confirm is checked per notice
families = Router("notice-family", roles=frozenset({PARENT}))

CONFIRM_WORDS = ("确认", "确定")
_NUMBER_HELP = "请写明通知编号，例如：回执 12。发送「通知列表」查看编号。"


# ---- writing -------------------------------------------------------------------------


def as_written(message: TextMessage, words: tuple[str, ...]) -> str:
    """What follows the command word as the sender wrote it: a notice keeps its full-width
    punctuation and its lines (commands are read folded, see dispatcher.normalize_text)."""
    text = message.content.strip()
    for word in sorted(words, key=len, reverse=True):
        if text.startswith(word):
            return text[len(word):].strip()
    return text


START_WORDS = ("通知", "发通知")


@senders.on(Command(*START_WORDS))
async def start(args: str, message: TextMessage, user: User, dialog: Dialog,
                notices: NoticeDesk) -> str:
    """`通知` asks step by step; `通知 初一(1)班 …` echoes at once; `通知12` shows receipts."""
    number = leave_number(args) if args[:1].isdigit() or args[:1] in "#＃" else None
    if number is not None:
        return await receipts.receipts(notices, user, number[0],
                                       unread_only=number[1] == "未读")
    command = rules.read_command(as_written(message, START_WORDS))
    draft = Draft(urgent=command.urgent)
    if not command.scope_word:
        if draft.urgent and user.roles.isdisjoint(rules.ANY_SCOPE):
            return "抱歉，紧急通知只能由政教处或校长发送。"
        dialog.go(NOTICE_SCOPE, **draft.dump())
        return NOTICE_SCOPE.ask
    problem = await compose.set_scope(notices, user, draft, command.scope_word)
    if problem is None and command.when:
        problem = compose.set_when(notices, draft, command.when)
    if problem is None and command.content:
        problem = rules.check_content(command.content)
    if problem is not None:
        dialog.end()
        return problem
    draft.content = command.content
    if not draft.content:
        dialog.go(NOTICE_TEXT, **draft.dump())
        return NOTICE_TEXT.ask
    dialog.go(NOTICE_CONFIRM, **draft.dump())
    return await compose.echo(notices, user, draft)


@senders.on(WaitingFor(NOTICE_SCOPE))
async def give_scope(text: str, user: User, dialog: Dialog, notices: NoticeDesk) -> str:
    draft = Draft.load(dialog.data)
    problem = await compose.set_scope(notices, user, draft, text.strip())
    if problem is not None:
        return problem + "\n" + NOTICE_SCOPE.ask
    dialog.go(NOTICE_TEXT, **draft.dump())
    return NOTICE_TEXT.ask


@senders.on(WaitingFor(NOTICE_TEXT), lambda message, data: bool(data["text"]))
async def give_text(message: TextMessage, user: User, dialog: Dialog,
                    notices: NoticeDesk) -> str:
    draft = Draft.load(dialog.data)
    command = rules.read_command("- " + message.content.strip())
    problem = rules.check_content(command.content)
    if problem is None and command.when:
        problem = compose.set_when(notices, draft, command.when)
    if problem is not None:
        return problem
    draft.content = command.content
    dialog.go(NOTICE_CONFIRM, **draft.dump())
    return await compose.echo(notices, user, draft)


@senders.on(InState(NOTICE_CONFIRM.state), is_image)
async def give_image(message: ImageMessage, user: User, dialog: Dialog,
                     notices: NoticeDesk) -> str:
    draft = Draft.load(dialog.data)
    replaced = bool(draft.image)
    draft.image = message.media_id
    dialog.go(NOTICE_CONFIRM, **draft.dump())
    head = "已换成这张图片。" if replaced else "已附上图片。"
    return head + "\n" + await compose.echo(notices, user, draft)


@senders.on(InState(NOTICE_CONFIRM.state), Command(*CONFIRM_WORDS))
async def confirm(user: User, dialog: Dialog, notices: NoticeDesk) -> str | list[Reply]:
    draft = Draft.load(dialog.data)
    dialog.end()
    own = await compose.own_classes(notices, user)
    scope = rules.Scope(draft.scope, draft.class_ids)
    problem = rules.refusal(user.roles, own, scope, draft.urgent)  # roles may have changed
    if problem is not None:
        return problem + "\n通知未发送。"
    return await send(notices, user, draft)


@senders.on(WaitingFor(NOTICE_CONFIRM))
async def confirm_expected() -> str:
    return NOTICE_CONFIRM.again


# ---- following up ----------------------------------------------------------------------


def _number(args: str) -> tuple[int, str] | None:
    return leave_number(args)


@senders.on(Command("回执"))
async def show_receipts(args: str, user: User, notices: NoticeDesk) -> str:
    number = _number(args)
    if number is None:
        return _NUMBER_HELP
    return await receipts.receipts(notices, user, number[0], unread_only=number[1] == "未读")


@senders.on(ButtonPrefix(RECEIPTS))
async def receipts_button(args: str, user: User, notices: NoticeDesk) -> str:
    if not args.isdigit():
        return "这张卡片已失效。"
    return await receipts.receipts(notices, user, int(args))


@senders.on(Command("提醒"))
async def remind(args: str, user: User, notices: NoticeDesk) -> str:
    number = _number(args)
    if number is None or number[1]:
        return "请写明通知编号，例如：提醒 12。"
    return await receipts.remind(notices, user, number[0])


@senders.on(Command("撤回通知", "撤回"))
async def withdraw(args: str, user: User, notices: NoticeDesk, desk: LeaveDesk) -> str:
    """撤回 12 takes back the sender's notice; a 班主任 who is also a parent may still mean a
    leave (撤回 is the parents' word for withdrawing one too)."""
    number = _number(args)
    if number is None or number[1]:
        return "请写明通知编号，例如：撤回 12。"
    notice = await notices.notices.by_number(number[0])
    if PARENT in user.roles and (notice is None or notice.sender != user.userid):
        return await withdraw_leave(desk, user, number[0])
    return await recall(notices, user, number[0])


@senders.on(Command("通知列表", "我发的通知"))
async def sent_list(user: User, notices: NoticeDesk) -> str:
    return await lists.for_sender(notices, user)


# ---- families ------------------------------------------------------------------------------


@clicks.on(ButtonPrefix(ACK))
async def received_button(args: str, message: CardClick, user: User,
                          notices: NoticeDesk) -> list[Reply]:
    if not args.isdigit():
        return [Text("这张卡片已失效。")]
    return await receipts.confirm_click(notices, user.userid, int(args), message.response_code)


@families.on(Command("收到"))
async def received_text(args: str, user: User, notices: NoticeDesk) -> str:
    number = _number(args) if args else None
    if args and (number is None or number[1]):
        return "请回复「收到」，或「收到 通知编号」，例如：收到 12。"
    return await receipts.confirm_text(notices, user.userid, number[0] if number else None)


@families.on(Command("我的通知"))
async def my_notices(user: User, notices: NoticeDesk) -> str:
    return await lists.for_parent(notices, user.userid)
