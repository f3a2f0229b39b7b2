"""`/h5/pass/{token}`: the 放行码 page (large QR, code, child, class, window, live state).

The sealed token of the chat message is the way to it; only a guardian of the child, a 班主任
of the child's class (who holds a 临时请假 pass) or 政教处 / 校长 see it. Anyone else gets a
polite refusal (403) that shows nothing of the pass.
"""

from __future__ import annotations

import logging
from datetime import tzinfo

from aiohttp import web

from bot import keys
from bot.web.render import message, render
from bot.web.viewer import viewer_of
from models.leave import Leave
from models.repos.leaves import LeaveRepo
from models.repos.roster import RosterRepo
from models.rules.access import may_see_student
from models.rules.passcode import PASS_STATUSES, check_pass, code_digest, format_code
from models.rules.sealed import unseal
from services.leave import views

log = logging.getLogger("qingjia.web")
routes = web.RouteTableDef()

STATE_LABELS = {"valid": "有效", "not_yet": "未到时间", "used": "已使用", "withdrawn": "已撤销",
                "expired": "已过期", "rejected": "未获批准"}


def pass_path(token: str) -> str:
    """The page of a sealed pass token (what chat messages link to, after server.public_url)."""
    return f"/h5/pass/{token}"


@routes.get("/h5/pass/{token}")
async def pass_page(request: web.Request) -> web.Response:
    app = request.app
    config, now = app[keys.CONFIG], app[keys.CLOCK]()
    token = request.match_info["token"]
    code = unseal(token, config.security.derive("qr"))
    gone = ("没有这个放行码", "链接不完整或已失效，请回到消息里重新打开。")
    if code is None:
        return message(request, 404, *gone)
    async with app[keys.DB].read() as session:
        leave = await LeaveRepo(session, app[keys.SCHOOL_ID]).by_pass_digest(
            code_digest(code, config.security.derive("pass")))
        roster = RosterRepo(session, app[keys.SCHOOL_ID])
        student = await roster.student(leave.student_id) if leave else None
        school_class = await roster.school_class(student.class_id) if student else None
    if (leave is None or student is None or school_class is None
            or leave.status not in PASS_STATUSES
            or leave.valid_from is None or leave.valid_until is None):
        return message(request, 404, *gone)
    viewer = viewer_of(request)
    if not may_see_student(viewer.reader, student.id, student.class_id):
        log.info("pass page refused userid=%s leave=%s", viewer.userid, leave.id)
        return message(request, 403, "无法查看这个放行码",
                       "这个放行码只有孩子的家长、班主任和学校负责老师可以查看。"
                       "如果您认为这是误会，请联系班主任。")
    tz = config.school.tz
    verdict = check_pass(now, leave.valid_from, leave.valid_until, leave.status, leave.exited_at)
    return render(request, "pass.html", state=verdict.reason,
                  state_label=STATE_LABELS[verdict.reason], state_note=_note(leave, tz),
                  qr_src=f"/pass/{token}.png", code=format_code(code), student=student.name,
                  class_label=school_class.label, kind=leave.kind,
                  window=(f"{views.stamp(leave.valid_from, tz)} 至 "
                          f"{views.valid_until(leave, now, tz)}"),
                  span=views.when(leave), leave_id=leave.id, checked_at=views.stamp(now, tz))


def _note(leave: Leave, tz: tzinfo) -> str:
    """When the pass was used or the leave closed, say so."""
    if leave.exited_at is not None:
        return f"已于 {views.stamp(leave.exited_at, tz)} 离校"
    if leave.returned_at is not None:
        return f"已于 {views.stamp(leave.returned_at, tz)} 销假"
    return ""
