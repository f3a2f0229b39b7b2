"""The staff console under /admin/: today's picture, the term, a student's timeline, the audit
log, the downloads and the admin pages.

Each page module has a `routes` table and is listed in PAGES with the console page it belongs
to (models/rules/console.py); every one of its routes is mounted behind that page's gate, so a
handler never checks roles itself (it still checks a record's class against the viewer's scope).
"""

from __future__ import annotations

from aiohttp import web

from bot.web.console import audit, downloads, manage, students, term, today
from bot.web.console.common import gated
from bot.web.console.exports import setup_exports
from models.rules.console import AUDIT, DOWNLOADS, MANAGE, STUDENTS, TERM, TODAY

PAGES = ((today.routes, TODAY), (term.routes, TERM), (students.routes, STUDENTS),
         (audit.routes, AUDIT), (downloads.routes, DOWNLOADS), (manage.routes, MANAGE))


def setup_console(app: web.Application) -> None:
    """Mount the console's routes, each behind its page's gate."""
    setup_exports(app)
    app.add_routes(today.front)
    for routes, page in PAGES:
        for route in routes:
            if not isinstance(route, web.RouteDef):
                raise TypeError(f"console routes are plain routes, not {route!r}")
            app.router.add_route(route.method, route.path, gated(route.handler, page),
                                 **route.kwargs)
