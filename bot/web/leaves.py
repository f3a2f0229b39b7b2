"""家长: `/h5/leave/new` asks for leave, `/h5/leaves` lists their children's leaves (撤销 there).

The form fills the same `Draft` as the chat dialog and goes through the same services: `assess`
for the echo, `confirm` to submit, `withdraw` to take a leave back. Dates are typed in the
chat's grammar (明天, 12月3日到5日, 明天下午) or picked from a calendar. The echo page carries the
form's answers in hidden fields; 确认 reads them again, so a changed form is checked again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any

from aiohttp import web
from aiohttp.web_request import FileField
from multidict import MultiDictProxy

from bot import keys
from bot.web import paths
from bot.web.desk import open_desk, reading_desk
from bot.web.evidence import store_photo
from bot.web.render import message, render
from bot.web.viewer import viewer_of
from models.leave import SICK
from models.roster import Student
from models.rules.dates import DatePhraseError, DateSpan, parse_date_phrase
from models.rules.evidence import TYPES
from models.rules.symptoms import SYMPTOMS, read_symptoms
from services import uploads
from services.health import NOT_SEEN, NOT_SEEN_WORDS
from services.leave import views
from services.leave.desk import LeaveDesk
from services.leave.submit import (
    KINDS,
    MAX_REASON,
    Draft,
    Refusal,
    assess,
    confirm,
    echo,
    echo_note,
    refuse_as_suspension,
)
from services.leave.withdraw import withdraw

log = logging.getLogger("qingjia.web")
routes = web.RouteTableDef()

NEW, MINE = "/h5/leave/new", "/h5/leaves"
FIELDS = ("child", "dates", "start", "end", "kind", "reason", "evidence", "onset", "diagnosis")
NO_CHILDREN = "名册中没有您名下的在读学生，请联系班主任。"


@dataclass
class Answers:
    """What the form said, as typed (kept to show the form again or to carry to 确认)."""

    child: str = ""
    dates: str = ""
    start: str = ""
    end: str = ""
    kind: str = ""
    reason: str = ""
    evidence: str = ""  # an uploaded hospital note, once stored (bot/web/evidence.py)
    # 病假 only: the ticked symptoms, the onset date, the doctor's diagnosis (all optional)
    onset: str = ""
    diagnosis: str = ""
    symptoms: tuple[str, ...] = ()

    @classmethod
    def of(cls, form: MultiDictProxy[Any]) -> Answers:
        values = {k: form.get(k, "") for k in FIELDS}
        typed = {k: v.strip() if isinstance(v, str) else "" for k, v in values.items()}
        ticked = {v for v in form.getall("symptoms", []) if isinstance(v, str)}
        return cls(**typed, symptoms=tuple(s for s in SYMPTOMS if s in ticked))

    def hidden(self) -> list[tuple[str, str]]:
        return [(k, getattr(self, k)) for k in FIELDS] + [("symptoms", s) for s in self.symptoms]


@routes.get(NEW)
async def new_leave(request: web.Request) -> web.Response:
    async with reading_desk(request) as desk:
        children = await desk.roster.children_of(viewer_of(request).userid)
        if not children:
            return message(request, 403, "无法请假", NO_CHILDREN, link=("/h5/", "返回首页"))
        return _form(request, desk, children, Answers(), [])


@routes.post(NEW)
async def post_leave(request: web.Request) -> web.Response:
    form = await request.post()
    answers = Answers.of(form)
    viewer = viewer_of(request)
    config = request.app[keys.CONFIG]
    photo_problem = ""
    upload = form.get("photo")
    if isinstance(upload, FileField) and upload.filename:
        stored, photo_problem = await store_photo(config, upload)
        answers.evidence = stored or answers.evidence
        if stored:
            log.info("web evidence uploaded userid=%s", viewer.userid)
    if answers.evidence and not uploads.exists(config, answers.evidence):
        answers.evidence = ""
    async with open_desk(request) as desk:
        children = await desk.roster.children_of(viewer.userid)
        if not children:
            return message(request, 403, "无法请假", NO_CHILDREN, link=("/h5/", "返回首页"))
        draft, errors = read_answers(answers, children, desk)
        errors += [photo_problem] if photo_problem else []
        if errors:
            return _form(request, desk, children, answers, errors, status=400)
        student = next(c for c in children if c.id == draft.student_id)
        try:
            found = await assess(desk, draft, student.id)
        except Refusal as exc:
            return _form(request, desk, children, answers, [str(exc)], status=400)
        if found.route.refused:
            text = await refuse_as_suspension(desk, student, found.routing_days, viewer)
            return message(request, 200, "不能按请假办理", text, link=(MINE, "我的请假"))
        if found.needs_photo and not draft.media_id:
            limit = f"{desk.config.leave.sick_note_after_days:g}"
            return _form(request, desk, children, answers,
                         [f"病假超过{limit}个上课日，请上传县级以上医院的诊断证明照片。"],
                         status=400, needs_photo=True)
        if form.get("step") != "confirm":
            return render(request, "leave_echo.html", rows=echo(desk, draft, student, found),
                          note=echo_note(desk, found).strip(), hidden=answers.hidden(),
                          action=NEW)
        leave, answer = await confirm(desk, draft, viewer)
    if leave is None:
        return message(request, 400, "请假未提交", answer, link=(NEW, "重新填写"))
    log.info("web leave submitted userid=%s leave=%s", viewer.userid, leave.id)
    raise web.HTTPSeeOther(paths.to(request, f"{MINE}?submitted={leave.id}"))


def read_answers(answers: Answers, children: list[Student],
                 desk: LeaveDesk) -> tuple[Draft, list[str]]:
    """The draft the answers make, or what is wrong with them (in the parent's words)."""
    draft, errors = Draft(), []
    if len(children) == 1 and not answers.child:
        draft.student_id = children[0].id
    else:
        chosen = next((c for c in children if str(c.id) == answers.child), None)
        if chosen is None:
            errors.append("请选择孩子。")
        else:
            draft.student_id = chosen.id
    try:
        span = _span(answers, desk)
    except DatePhraseError as exc:
        errors.append(str(exc))
    else:
        if span is None:
            errors.append("请填写请假日期，或在日历中选择。")
        else:
            draft.set_span(span)
    if answers.kind not in KINDS:
        errors.append("请选择病假或事假。")
    else:
        draft.kind = answers.kind
    if not answers.reason:
        errors.append("请填写事由。")
    else:
        draft.reason = answers.reason[:MAX_REASON]
    draft.media_id = answers.evidence or None
    if draft.kind == SICK:
        errors += _health(answers, draft, desk.today)
    return draft, errors


def _health(answers: Answers, draft: Draft, today: date) -> list[str]:
    """A 病假's optional health answers onto the draft (no symptoms ticked: those the reason
    names, as in chat's one-message form)."""
    draft.symptoms = list(answers.symptoms) or list(read_symptoms(draft.reason or ""))
    draft.diagnosis = (NOT_SEEN if answers.diagnosis in NOT_SEEN_WORDS
                       else answers.diagnosis[:MAX_REASON])
    if not answers.onset:
        return []
    try:
        onset = date.fromisoformat(answers.onset)
    except ValueError:
        return ["症状开始日期的格式不对，请在日历中重新选择。"]
    if onset > today:
        return ["症状开始日期不能晚于今天。"]
    draft.onset = onset.isoformat()
    return []


def _span(answers: Answers, desk: LeaveDesk) -> DateSpan | None:
    """The typed phrase when there is one, else the picked dates (whole days)."""
    if answers.dates:
        return parse_date_phrase(answers.dates, desk.today, desk.config.calendar)
    if not answers.start:
        return None
    try:
        start = date.fromisoformat(answers.start)
        end = date.fromisoformat(answers.end) if answers.end else start
    except ValueError as exc:
        raise DatePhraseError("日期格式不对，请在日历中重新选择。") from exc
    if end < start:
        raise DatePhraseError("结束日期不能早于开始日期。")
    if (end - start).days > 366:
        raise DatePhraseError("请假时间太长，请分段请假或联系班主任。")
    return DateSpan(start, "am", end, "pm")


def _form(request: web.Request, desk: LeaveDesk, children: list[Student], answers: Answers,
          errors: list[str], *, status: int = 200, needs_photo: bool = False) -> web.Response:
    return render(request, "leave_new.html", status=status, action=NEW, answers=answers,
                  needs_photo=needs_photo, photo_types=",".join(TYPES.values()),
                  errors=errors, kinds=KINDS, children=[(str(c.id), c.name) for c in children],
                  today=desk.today.isoformat(), max_reason=MAX_REASON,
                  symptoms=SYMPTOMS)


# ---- my leaves ------------------------------------------------------------------------------


@routes.get(MINE)
async def my_leaves(request: web.Request) -> web.Response:
    submitted = request.query.get("submitted", "")
    note = f"已提交请假，单号{submitted}，等待审批，结果会通知您。" if submitted.isdigit() else ""
    async with reading_desk(request) as desk:
        return await _list(request, desk, note)


@routes.post(MINE + "/{leave_id:[0-9]{1,9}}/withdraw")
async def withdraw_leave(request: web.Request) -> web.Response:
    viewer = viewer_of(request)
    async with open_desk(request) as desk:
        answer = await withdraw(desk, viewer, int(request.match_info["leave_id"]))
    log.info("web leave withdraw userid=%s", viewer.userid)
    async with reading_desk(request) as desk:
        return await _list(request, desk, answer)


async def _list(request: web.Request, desk: LeaveDesk, note: str) -> web.Response:
    viewer = viewer_of(request)
    children = {c.id: c for c in await desk.roster.children_of(viewer.userid)}
    rows = []
    for leave in await desk.leaves.recent_for_students(list(children)):
        started = leave.valid_from is not None and leave.valid_from <= desk.now
        rows.append({
            "id": leave.id, "student": children[leave.student_id].name, "kind": leave.kind,
            "when": views.when(leave), "status": leave.status,
            "status_name": views.STATUS_NAMES[leave.status],
            "history": [line.strip() for line in await views.history(desk, leave)],
            "withdrawable": leave.status == "pending" or (
                leave.status == "approved" and not started and leave.exited_at is None),
        })
    return render(request, "leaves.html", rows=rows, note=note, has_children=bool(children),
                  new=NEW)
