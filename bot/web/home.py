"""`/h5/`: where a sign-in lands when no page was asked for; who you are here. (The console's
front page, `/admin/`, is today's picture: bot/web/console/today.py.)"""

from __future__ import annotations

from aiohttp import web

from bot import keys
from bot.web import paths
from bot.web.render import render
from bot.web.viewer import Viewer, viewer_of
from models.repos.roster import RosterRepo

routes = web.RouteTableDef()
ROLE_ORDER = ("家长", "班主任", "政教处", "校长", "门卫", "管理员")


@routes.get("/h5/")
async def pages_home(request: web.Request) -> web.Response:
    return await _home(request, viewer_of(request), "我的请假通")


@routes.get("/h5")
async def pages_bare(request: web.Request) -> web.Response:
    raise web.HTTPMovedPermanently(paths.to(request, "/h5/"))


async def _home(request: web.Request, viewer: Viewer, heading: str) -> web.Response:
    app = request.app
    children: list[tuple[str, str]] = []
    classes: list[str] = []
    async with app[keys.DB].read() as session:
        roster = RosterRepo(session, app[keys.SCHOOL_ID])
        for student in await roster.children_of(viewer.userid, channel=viewer.channel):
            school_class = await roster.school_class(student.class_id)
            children.append((student.name, school_class.label if school_class else ""))
        if viewer.reader.classes:
            classes = [c.label for c in await roster.class_of_teacher(viewer.userid)]
    roles = [r for r in ROLE_ORDER if r in viewer.roles]
    return render(request, "home.html", heading=heading, roles=roles, children=children,
                  classes=classes)
