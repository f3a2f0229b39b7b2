"""The pages: on the phone (/h5/, parents, guards, 班主任) and the staff console (/admin/).

For page authors:
- Routes: add a module with a `routes = web.RouteTableDef()` under /h5/ and list it in ROUTES
  below; a console page under /admin/ goes in bot/web/console/ (PAGES there names who may
  open it). The gate (bot/web/gate.py) has already signed the person in, loaded them from
  the roster and checked CSRF on POSTs; /admin/ is for staff members only.
- `viewer_of(request)` (bot/web/viewer.py): who is looking and what the roster says now: `roles`,
  `reader.children` (student ids), `reader.classes` (their classes as 班主任), `is_staff`.
  Check ownership with models/rules/access.py (`may_see_student`), never trust a URL.
- `render(request, "x.html", **values)` and `message(request, status, title, text, link=…)`
  (bot/web/render.py): Jinja2 templates in bot/web/templates extending base.html, escaped by
  default. Forms: `<input type="hidden" name="csrf" value="{{ csrf }}">`.
- A deployment serves each school below its own path (`/s/<code>`, bot/web/paths.py): name
  pages by their path within the school (`/h5/leaves`) everywhere, write every href, src and
  action in a template as `{{ base }}/h5/leaves` or `{{ base }}{{ path }}`, and redirect with
  `paths.to(request, path)`; a script takes its addresses from the page (a data attribute).
- One stylesheet, bot/web/static/site.css, served at /assets/; no script is needed for a form to
  work, nothing loads from another origin (the Content-Security-Policy forbids it).
- No personal data in URLs or logs: link to records by sealed tokens or ids, log user ids only.
"""

from __future__ import annotations

from aiohttp import web

from bot.web import (
    class_page,
    consent_page,
    evidence,
    gate_page,
    home,
    leaves,
    notices_page,
    pass_page,
    signin,
)
from bot.web.console import setup_console
from bot.web.gate import web_gate
from bot.web.render import setup_templates

ROUTES = (signin.routes, home.routes, pass_page.routes, leaves.routes,
          gate_page.routes, class_page.routes, evidence.routes, notices_page.routes,
          consent_page.routes)


def setup_web(app: web.Application) -> None:
    """Mount the pages, their stylesheet and the gate on the service's app."""
    setup_templates(app)
    app.middlewares.append(web_gate)
    for routes in ROUTES:
        app.add_routes(routes)
    setup_console(app)
