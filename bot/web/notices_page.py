"""`/h5/notices/{number}`: a notice with its 收到 button; `/h5/notices`: the viewer's notices.

This is where a 家校 parent's 学校通知 link leads (学校通知 carries no card): the notice (school,
sender, text, image, time) and a 收到 button whose POST records the receipt as the chat's
`收到 12` does (services/notices/receipts.py), then the page shows 已收到. Members the notice
reached see it too; its sender and the office see it with its count. Anyone else is refused
without learning whether the notice exists.
"""

from __future__ import annotations

import logging

from aiohttp import web

from bot import keys
from bot.web.desk import open_notice_desk, reading_notice_desk
from bot.web.render import message, render
from bot.web.viewer import Viewer, viewer_of
from bot.wecom_client import WeComError
from models.rules.evidence import TYPES, image_kind
from services.notices.channels import channel_for
from services.notices.lists import PARENT_DAYS
from services.notices.pages import notice_image, notice_page, recent
from services.notices.receipts import confirm_on_page
from services.notices.views import page_path

log = logging.getLogger("qingjia.web")
routes = web.RouteTableDef()

LIST = "/h5/notices"
ONE = LIST + "/{number:[0-9]{1,9}}"
NOT_YOURS = ("无法查看这条通知", "这条通知只有收到它的家长和发送的老师可以查看。"
             "如果您认为这是误会，请联系班主任。")


def _channel(viewer: Viewer) -> str:
    return channel_for(viewer.channel)


@routes.get(LIST)
async def my_notices(request: web.Request) -> web.Response:
    viewer = viewer_of(request)
    async with reading_notice_desk(request) as desk:
        rows = await recent(desk, viewer, _channel(viewer))
    return render(request, "notices.html", rows=rows, days=PARENT_DAYS)


@routes.get(ONE)
async def one_notice(request: web.Request) -> web.Response:
    return await _show(request, int(request.match_info["number"]), note="")


@routes.post(ONE)
async def receive(request: web.Request) -> web.Response:
    viewer = viewer_of(request)
    number = int(request.match_info["number"])
    async with open_notice_desk(request) as desk:
        answer = await confirm_on_page(desk, viewer.userid, _channel(viewer), number)
    if answer is None:
        log.info("notice receipt refused userid=%s", viewer.userid)
        return message(request, 403, *NOT_YOURS, link=(LIST, "我的通知"))
    log.info("notice receipt on page userid=%s notice=%s", viewer.userid, number)
    return await _show(request, number, note=answer)


@routes.get(ONE + "/image")
async def image(request: web.Request) -> web.StreamResponse:
    """The notice's image, to those who may read the notice (fetched from WeCom's media)."""
    viewer = viewer_of(request)
    async with reading_notice_desk(request) as desk:
        media_id = await notice_image(desk, viewer, _channel(viewer),
                                      int(request.match_info["number"]))
    if media_id is None:
        return message(request, 403, *NOT_YOURS)
    gone = ("图片已过期", "这张图片已不能查看，请联系发送通知的老师。")
    try:
        data = await request.app[keys.WECOM].media(media_id)
    except WeComError:
        return message(request, 404, *gone)
    kind = image_kind(data[:16])
    if kind is None:
        return message(request, 404, *gone)
    return web.Response(body=data, content_type=TYPES[kind],
                        headers={"Cache-Control": "private, no-store",
                                 "Content-Disposition": "inline"})


async def _show(request: web.Request, number: int, *, note: str) -> web.Response:
    viewer = viewer_of(request)
    async with reading_notice_desk(request) as desk:
        page = await notice_page(desk, viewer, _channel(viewer), number)
    if page is None:
        log.info("notice page refused userid=%s", viewer.userid)
        return message(request, 403, *NOT_YOURS, link=(LIST, "我的通知"))
    return render(request, "notice.html", notice=page, note=note, action=page_path(number))
