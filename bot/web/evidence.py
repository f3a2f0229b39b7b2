"""Hospital note (诊断书) photos uploaded with a leave: checked, stored under `[storage] dir`, and
shown at `/h5/evidence/{leave id}` to those who may decide the leave, each view audited.

A file is kept only if its first bytes say JPEG, PNG, GIF or WebP and it is at most 10 MB; it
is stored under a random name (the leave keeps `upload:<name>`), never under what it was called
(services/uploads.py keeps the files).
"""

from __future__ import annotations

import asyncio
import logging
import secrets

from aiohttp import web
from aiohttp.web_request import FileField

from bot import keys
from bot.config import Config
from bot.web.desk import open_desk
from bot.web.render import message
from bot.web.viewer import viewer_of
from models.rules.evidence import MAX_BYTES, TYPES, image_kind, uploaded_name
from services import uploads

log = logging.getLogger("qingjia.web")
routes = web.RouteTableDef()

BAD_TYPE = "照片只能是 JPEG、PNG、GIF 或 WebP 格式的图片。"
TOO_BIG = "照片不能超过 10 MB，请缩小后再试。"


async def store_photo(config: Config, upload: FileField) -> tuple[str | None, str]:
    """Check and keep an uploaded photo: (its evidence value, "") or (None, why not)."""
    data = await asyncio.to_thread(upload.file.read, MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return None, TOO_BIG
    kind = image_kind(data[:16])
    if kind is None:
        return None, BAD_TYPE
    return await uploads.write(config, f"{secrets.token_hex(16)}.{kind}", data), ""


@routes.get("/h5/evidence/{leave_id:[0-9]{1,9}}")
async def evidence(request: web.Request) -> web.StreamResponse:
    viewer = viewer_of(request)
    config = request.app[keys.CONFIG]
    async with open_desk(request) as desk:
        leave = await desk.leaves.get(int(request.match_info["leave_id"]))
        name = uploaded_name(leave.evidence_media_id) if leave else None
        if leave is None or not await desk.may_decide(viewer, leave):
            log.info("evidence refused userid=%s", viewer.userid)
            return message(request, 403, "无法查看", "诊断书照片只有这份请假的审批老师可以查看。",
                           link=("/h5/", "返回首页"))
        if name is None:
            return message(request, 404, "没有照片", "这份请假没有上传诊断书照片。")
        desk.audit.record(actor=viewer.userid, action="evidence_viewed", entity="leave",
                          entity_id=leave.id, at=desk.now)
    log.info("evidence viewed userid=%s leave=%s", viewer.userid, leave.id)
    try:
        data = await uploads.read(config, name)
    except FileNotFoundError:
        log.warning("evidence file missing leave=%s", leave.id)
        return message(request, 404, "没有照片", "这张照片已不在服务器上，请联系家长重新提供。")
    return web.Response(body=data, content_type=TYPES[name.rsplit(".", 1)[1]],
                        headers={"Cache-Control": "private, no-store",
                                 "Content-Disposition": "inline"})
