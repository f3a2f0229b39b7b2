"""`/h5/consent`: a guardian's answer on keeping their children's health details.

Where a 家校 parent's 学校通知 leads (学校通知 carries no answer), and open to member parents too:
what is kept, who sees it and for how long, each child the viewer was asked about with the
answer so far, and 同意 / 不同意 buttons whose POST records the answer as the chat's words do.
Nothing in the URL: the viewer's own questions only.
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot.web.desk import open_desk, reading_desk
from bot.web.render import render
from bot.web.viewer import viewer_of
from services.privacy import PAGE, WHAT, answer

log = logging.getLogger("qingjia.web")
routes = web.RouteTableDef()

ANSWERS = {"yes": True, "no": False}
SAVED = {True: "已记录：您同意学校保存孩子的健康信息，从现在起的病假会记录。",
         False: "已记录：您不同意学校保存孩子的健康信息。请病假照常，病情不作记录，"
                "班主任会电话了解。"}
STATES = {None: "未答复", True: "同意", False: "不同意"}


@routes.get(PAGE)
async def consent(request: web.Request) -> web.Response:
    return await _page(request, note="")


@routes.post(PAGE)
async def consent_answer(request: web.Request) -> web.Response:
    viewer = viewer_of(request)
    given = ANSWERS.get(str((await request.post()).get("answer", "")))
    if given is None:
        return await _page(request, note="请点按「同意」或「不同意」。", status=400)
    async with open_desk(request) as desk:
        students = await answer(desk.health, desk.audit, viewer.userid, viewer.channel, given,
                                desk.now)
    log.info("health consent on page userid=%s children=%d", viewer.userid, len(students))
    return await _page(request, note=SAVED[given] if students else "")


async def _page(request: web.Request, note: str, status: int = 200) -> web.Response:
    viewer = viewer_of(request)
    async with reading_desk(request) as desk:
        rows = await desk.health.consents_of(viewer.userid, viewer.channel)
        children = []
        for row in rows:
            student = await desk.roster.student(row.student_id)
            children.append((student.name if student else "", STATES[row.answer]))
        keep = desk.config.health.keep_days
    response = render(request, "consent.html", what=WHAT.format(keep=keep).split("\n"),
                      children=children, note=note, action=PAGE)
    response.set_status(status)
    return response
