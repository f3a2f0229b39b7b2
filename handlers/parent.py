"""家长: ask for leave (a guided dialog or one message), see it, withdraw it.

The dialog's steps and questions are declared in handlers/dialogs.py (LEAVE; diagram:
docs/leave_dialog.mmd):

    请假 / 明天病假 ─► leave:child ─► leave:dates ─► leave:kind ─► leave:reason
        ─► [病假: leave:symptoms ─► leave:onset ─► leave:doctor]
        ─► [leave:photo] ─► leave:confirm ─► 确认 → submitted

A 病假 asked in one message (`请假 张小明 明天 病假 发烧咳嗽`) reads its symptoms from the reason
and skips the three health questions.

Each step is skipped when the message that opened the dialog already answered it. A command
typed at any step runs, and the step is asked again; 取消 leaves the dialog.
"""

from __future__ import annotations

import re

from handlers.args import leave_number, page_number
from handlers.context import Dialog, User
from handlers.dialogs import (
    LEAVE,
    LEAVE_CHILD,
    LEAVE_CONFIRM,
    LEAVE_DATES,
    LEAVE_DOCTOR,
    LEAVE_KIND,
    LEAVE_OFFER,
    LEAVE_ONSET,
    LEAVE_PHOTO,
    LEAVE_REASON,
    LEAVE_SYMPTOMS,
)
from handlers.dispatcher import Command, InState, Router, WaitingFor, is_image
from models.leave import SICK
from models.messages import ImageMessage, Incoming, TextMessage
from models.repos.roster import PARENT
from models.roster import Student
from models.rules import passcode
from models.rules.dates import DatePhraseError, parse_date_phrase
from models.rules.schooldays import CalendarUnknown, count_school_days, describe_span
from models.rules.symptoms import DONT_KNOW, OPTIONS, read_answer, read_symptoms
from models.rules.textbudget import clip, paged
from services.health import NOT_SEEN, NOT_SEEN_WORDS
from services.leave import views
from services.leave.desk import LeaveDesk
from services.leave.submit import (
    KINDS,
    MAX_REASON,
    Draft,
    Refusal,
    assess,
    echo,
    echo_note,
    refuse_as_suspension,
)
from services.leave.submit import confirm as confirm_draft
from services.leave.withdraw import withdraw as withdraw_leave

router = Router("parent", roles=frozenset({PARENT}))

_KIND_RE = re.compile("|".join(KINDS))
MY_LEAVES = 50  # the latest leaves 我的请假 pages through
CONFIRM_WORDS = ("确认", "确定", "是", "好", "提交")


# ---- entry points --------------------------------------------------------------


@router.on(Command("请假"))
async def start(args: str, user: User, dialog: Dialog, desk: LeaveDesk) -> str:
    """`请假` opens the dialog; `请假 张小明 明天 病假 发烧` fills it in one go."""
    children = await desk.roster.children_of(user.userid)
    try:
        draft, problem = read_request(args, children, desk)
    except NotYourChild as exc:
        dialog.end()
        return f"您名下没有叫「{clip(str(exc), 60)}」的在读学生，无法为其请假。"
    return await advance(draft, dialog, desk, children, user, problem=problem)


def _mentions_leave(message: Incoming, data: dict) -> bool:  # type: ignore[type-arg]
    return data["dialog"].state is None and bool(_KIND_RE.search(data["text"]))


@router.on(_mentions_leave)
async def start_from_phrase(text: str, user: User, dialog: Dialog, desk: LeaveDesk) -> str:
    """"明天病假" with no command word is a leave request too."""
    return await start(text, user, dialog, desk)


# ---- other parent commands (typed mid-dialog, they run and the step is asked again) ----


@router.on(Command("我的请假", "请假记录"))
async def my_leaves(args: str, user: User, desk: LeaveDesk) -> str:
    """The children's recent leaves with their steps, a page at a time (`我的请假 2`)."""
    number = page_number(args)
    if number is None:
        return "写法：我的请假，或 我的请假 2（看第2页）。"
    children = {c.id: c for c in await desk.roster.children_of(user.userid)}
    leaves = await desk.leaves.recent_for_students(list(children), limit=MY_LEAVES)
    if not leaves:
        return "还没有请假记录。发送「请假」开始办理。"
    entries = ["\n".join([views.summary_line(leave, children[leave.student_id].name),
                          *await views.history(desk, leave)]) for leave in leaves]
    page = paged(entries, number, header="最近的请假：", footer="", command="我的请假")
    return page.text if page else f"我的请假没有第{number}页。"


@router.on(Command("撤销", "撤回"))
async def withdraw(args: str, user: User, desk: LeaveDesk) -> str:
    """A pending leave, or an approved one before it starts; the approvers are told."""
    parsed = leave_number(args)
    if parsed is None or parsed[1]:
        return "请写明单号，例如：撤销 17。发送「我的请假」可查看单号。"
    return await withdraw_leave(desk, user, parsed[0])


# ---- dialog steps ------------------------------------------------------------------


@router.on(WaitingFor(LEAVE_CHILD))
async def choose_child(text: str, user: User, dialog: Dialog, desk: LeaveDesk) -> str:
    children = await desk.roster.children_of(user.userid)
    draft = Draft.load(dialog.data)
    chosen = _pick_child(text, children)
    if chosen is None:
        return "没有找到这个孩子。" + _child_question(children)
    draft.student_id = chosen.id
    return await advance(draft, dialog, desk, children, user)


@router.on(WaitingFor(LEAVE_DATES))
async def give_dates(text: str, user: User, dialog: Dialog, desk: LeaveDesk) -> str:
    draft = Draft.load(dialog.data)
    try:
        draft.set_span(parse_date_phrase(text, desk.today, desk.config.calendar))
    except DatePhraseError as exc:
        return str(exc)
    return await advance(draft, dialog, desk, await desk.roster.children_of(user.userid), user)


@router.on(WaitingFor(LEAVE_KIND))
async def give_kind(text: str, user: User, dialog: Dialog, desk: LeaveDesk) -> str:
    draft = Draft.load(dialog.data)
    kind = "病假" if "病" in text else "事假" if "事" in text else None
    if kind is None:
        return LEAVE_KIND.ask + "请回复「病假」或「事假」。"
    draft.kind = kind
    return await advance(draft, dialog, desk, await desk.roster.children_of(user.userid), user)


@router.on(WaitingFor(LEAVE_REASON))
async def give_reason(text: str, user: User, dialog: Dialog, desk: LeaveDesk) -> str:
    draft = Draft.load(dialog.data)
    if not text:
        return LEAVE_REASON.ask
    draft.reason = text[:MAX_REASON]
    return await advance(draft, dialog, desk, await desk.roster.children_of(user.userid), user)


@router.on(WaitingFor(LEAVE_SYMPTOMS))
async def give_symptoms(text: str, user: User, dialog: Dialog, desk: LeaveDesk) -> str:
    draft = Draft.load(dialog.data)
    symptoms = read_answer(text)
    if symptoms is None:
        return ("没有看懂。请回复编号或症状名称，例如 1 2；不清楚回复「跳过」。\n" + OPTIONS)
    draft.symptoms = list(symptoms)
    return await advance(draft, dialog, desk, await desk.roster.children_of(user.userid), user)


@router.on(WaitingFor(LEAVE_ONSET))
async def give_onset(text: str, user: User, dialog: Dialog, desk: LeaveDesk) -> str:
    draft = Draft.load(dialog.data)
    if text.strip() in DONT_KNOW:
        draft.onset = ""
    else:
        try:
            onset = parse_date_phrase(text, desk.today, desk.config.calendar).start
        except DatePhraseError:
            return "没有看懂这个日期。" + LEAVE_ONSET.ask
        if onset > desk.today:
            return "症状开始的日期不能晚于今天。" + LEAVE_ONSET.ask
        draft.onset = onset.isoformat()
    return await advance(draft, dialog, desk, await desk.roster.children_of(user.userid), user)


@router.on(WaitingFor(LEAVE_DOCTOR))
async def give_doctor(text: str, user: User, dialog: Dialog, desk: LeaveDesk) -> str:
    draft = Draft.load(dialog.data)
    answer = re.sub(r"^(?:看过了?|看了|去过了?|是的?|有)[，,。\s]*", "", text.strip())
    if answer in NOT_SEEN_WORDS:
        draft.diagnosis = NOT_SEEN
    elif answer in DONT_KNOW or not answer:
        draft.diagnosis = ""
    else:
        draft.diagnosis = answer[:MAX_REASON]
    return await advance(draft, dialog, desk, await desk.roster.children_of(user.userid), user)


@router.on(WaitingFor(LEAVE_PHOTO), is_image)
async def give_photo(message: ImageMessage, user: User, dialog: Dialog, desk: LeaveDesk) -> str:
    draft = Draft.load(dialog.data)
    draft.media_id = message.media_id
    return await advance(draft, dialog, desk, await desk.roster.children_of(user.userid), user)


@router.on(WaitingFor(LEAVE_PHOTO))
async def photo_expected(desk: LeaveDesk) -> str:
    limit = f"{desk.config.leave.sick_note_after_days:g}"
    return LEAVE_PHOTO.ask.format(n=limit) + "（发送「取消」可放弃）"


@router.on(InState(LEAVE_CONFIRM.state), Command(*CONFIRM_WORDS))
async def confirm(user: User, dialog: Dialog, desk: LeaveDesk) -> str:
    """Submit: re-check (the world may have moved), store, and send the approvers' cards."""
    draft = Draft.load(dialog.data)
    dialog.end()
    _, answer = await confirm_draft(desk, draft, user)
    return answer


@router.on(WaitingFor(LEAVE_CONFIRM))
async def confirm_expected() -> str:
    return "请回复「确认」提交，或「取消」放弃。"


@router.on(InState(LEAVE.name), Command("确认"))
async def confirm_too_early() -> str:
    """确认 before the last step: the engine then asks again for what is missing."""
    return "这份请假还没有填完，暂时不能确认。"


@router.on(Command("确认"))
async def nothing_to_confirm() -> str:
    return "没有待确认的请假（可能已超时）。请重新发送「请假」。"


# ---- the dialog's engine -------------------------------------------------------------


async def advance(draft: Draft, dialog: Dialog, desk: LeaveDesk, children: list[Student],
                  user: User, problem: str | None = None) -> str:
    """Ask for the first missing answer; when all are in, check and echo for 确认."""
    if not children:
        dialog.end()
        return "名册中没有您名下的在读学生，请联系班主任。"
    if draft.student_id is None and len(children) == 1:
        draft.student_id = children[0].id
    if draft.student_id is None:
        dialog.go(LEAVE_CHILD, **draft.dump())
        return _child_question(children)
    if draft.span is None:
        dialog.go(LEAVE_DATES, **draft.dump())
        return f"{problem}\n" if problem else LEAVE_DATES.ask
    if draft.kind is None:
        dialog.go(LEAVE_KIND, **draft.dump())
        return LEAVE_KIND.ask
    if not draft.reason:
        dialog.go(LEAVE_REASON, **draft.dump())
        return LEAVE_REASON.ask
    if draft.kind == SICK and await desk.privacy.details_kept(draft.student_id):
        asked = _health_question(draft, dialog)  # without consent nothing is asked, or kept
        if asked:
            return asked
    student = next(c for c in children if c.id == draft.student_id)
    try:
        found = await assess(desk, draft, student.id)
    except Refusal as exc:
        draft.start = draft.end = None
        dialog.go(LEAVE_DATES, **draft.dump())
        return f"{exc}\n请重新说一下请假日期，或发送「取消」。"
    if found.route.refused:
        dialog.end()
        return await refuse_as_suspension(desk, student, found.routing_days, user)
    if found.needs_photo and not draft.media_id:
        dialog.go(LEAVE_PHOTO, **draft.dump())
        return LEAVE_PHOTO.ask.format(n=f"{desk.config.leave.sick_note_after_days:g}")
    dialog.go(LEAVE_CONFIRM, **draft.dump())
    rows = "\n".join(f"{label}：{value}" for label, value in echo(desk, draft, student, found))
    return f"请核对：\n{rows}\n{echo_note(desk, found)}{LEAVE_CONFIRM.ask}"


def _health_question(draft: Draft, dialog: Dialog) -> str:
    """The first of a 病假's health questions not answered yet ("" when all are)."""
    if draft.symptoms is None:
        dialog.go(LEAVE_SYMPTOMS, **draft.dump())
        return LEAVE_SYMPTOMS.ask.format(options=OPTIONS)
    if draft.onset is None:
        dialog.go(LEAVE_ONSET, **draft.dump())
        return LEAVE_ONSET.ask
    if draft.diagnosis is None:
        dialog.go(LEAVE_DOCTOR, **draft.dump())
        return LEAVE_DOCTOR.ask
    return ""


def read_request(text: str, children: list[Student], desk: LeaveDesk) -> tuple[Draft, str | None]:
    """Whatever one message says: child, dates, kind, reason. Unreadable dates → a problem."""
    draft = Draft()
    rest = text.strip()
    for child in sorted(children, key=lambda c: len(c.name), reverse=True):
        if child.name in rest:
            draft.student_id = child.id
            rest = rest.replace(child.name, " ", 1).strip()
            break
    kind = _KIND_RE.search(rest)
    if kind:
        draft.kind = kind.group(0)
        date_text, reason = rest[:kind.start()].strip(), rest[kind.end():].strip(" ，,。")
        draft.reason = reason[:MAX_REASON] or None
        if draft.kind == SICK and draft.reason:  # the one-message form: no health questions
            draft.symptoms = list(read_symptoms(draft.reason))
            draft.onset = draft.diagnosis = ""
    else:
        date_text = rest
    if not date_text:
        return draft, None
    try:
        draft.set_span(parse_date_phrase(date_text, desk.today, desk.config.calendar))
    except DatePhraseError as exc:
        named = _names_someone_else(date_text, desk)
        if named:
            raise NotYourChild(named) from exc
        return draft, str(exc)
    return draft, None


class NotYourChild(Exception):
    """The message names a student who is not this parent's child."""


def _names_someone_else(date_text: str, desk: LeaveDesk) -> str | None:
    """`张小明 明天` where 张小明 is not one of ours: the first word is a name, the rest dates."""
    first, _, rest = date_text.partition(" ")
    if not rest or not re.fullmatch(r"[\u4e00-\u9fff·]{2,5}", first):
        return None
    try:
        parse_date_phrase(rest, desk.today, desk.config.calendar)
    except DatePhraseError:
        return None
    return first


def _pick_child(text: str, children: list[Student]) -> Student | None:
    text = text.strip()
    if text.isdigit() and 1 <= int(text) <= len(children):
        return children[int(text) - 1]
    return next((c for c in children if c.name == text or c.name in text), None)


def _child_question(children: list[Student]) -> str:
    options = "\n".join(f"{i}. {c.name}" for i, c in enumerate(children, 1))
    return LEAVE_CHILD.ask.format(options=options)


# ---- a message that is no command: offer to start a leave ------------------------------------

YES = ("1", "是", "是的", "好", "好的", "要", "嗯", "对", "需要")
NO = ("2", "不", "不用", "不是", "不要", "不需要", "没有")
_DATE_WORD = (r"(?:今天|明天|后天|大后天|(?:下|这|本)?(?:周|星期|礼拜)[一二三四五六日天]"
              r"|\d{1,2}月\d{1,2}[日号]?|\d{1,2}[日号])")
_DATES = re.compile(f"{_DATE_WORD}(?:(?:到|至|-|~){_DATE_WORD})?(?:上午|下午)?")


def _natural(message: Incoming, data: dict) -> bool:  # type: ignore[type-arg]
    """A parent's text outside any dialog that no handler of any router reads (a 放行码 typed
    by a parent is the gate's, refused there)."""
    return (isinstance(message, TextMessage) and PARENT in data["user"].roles
            and data["dialog"].state is None and not data["is_command"]
            and passcode.normalize_code(data["text"]) is None)


def read_dates(text: str, desk: LeaveDesk) -> str | None:
    """The first date phrase in a free message that reads as dates ("今天", "明天到周五")."""
    for match in _DATES.finditer(text):
        try:
            parse_date_phrase(match.group(0), desk.today, desk.config.calendar)
        except DatePhraseError:
            continue
        return match.group(0)
    return None


@router.on(_natural)
async def natural_message(text: str, dialog: Dialog, desk: LeaveDesk) -> str:
    """"孩子发烧了今天不去学校了" or "你好": an offer to start a leave, with the dates read."""
    dates = read_dates(text, desk)
    shown = ""
    if dates is not None:
        span = parse_date_phrase(dates, desk.today, desk.config.calendar)
        try:
            days = count_school_days(span, desk.config.calendar)
            shown = f"\n我读到的日期：{describe_span(span, days)}。\n"
        except CalendarUnknown:
            shown = f"\n我读到的日期：「{dates}」。\n"
    dialog.go(LEAVE_OFFER, dates=dates or "")
    return LEAVE_OFFER.ask.format(dates=shown)


@router.on(WaitingFor(LEAVE_OFFER))
async def answer_offer(text: str, user: User, dialog: Dialog, desk: LeaveDesk) -> str:
    """1 / 是 starts the leave with the dates read; 不用 ends it; anything else is read anew."""
    if text in YES:
        dates = dialog.data.get("dates", "")
        dialog.end()
        return await start(dates, user, dialog, desk)
    if text in NO:
        dialog.end()
        return "好的。需要时发送「请假」即可。"
    dialog.end()
    return await natural_message(text, dialog, desk)
