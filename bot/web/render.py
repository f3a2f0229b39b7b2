"""Server-rendered HTML: Jinja2 templates with escaping on by default, one stylesheet of ours.

Page authors call `render(request, "x.html", **values)`; every value is escaped unless a template
marks it safe (none does). `message(...)` is the page for refusals and errors. Paths given to a
template are the school's own (`/h5/leaves`); every href, src and action in a template starts
with `{{ base }}`, where the school's pages live (bot/web/paths.py).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from bot import keys
from bot.web.paths import base
from bot.web.session import csrf_token
from bot.web.viewer import identity_of, viewer_or_none

TEMPLATES = Path(__file__).parent / "templates"
STATIC = Path(__file__).parent / "static"
ASSETS = "/assets/"
ENV = web.AppKey("web_templates", jinja2.Environment)


def setup_templates(app: web.Application) -> None:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True,
                             lstrip_blocks=True)
    digest = hashlib.sha256((STATIC / "site.css").read_bytes()).hexdigest()[:10]
    env.globals["stylesheet"] = f"{ASSETS}site.css?v={digest}"
    app[ENV] = env
    app.router.add_static(ASSETS, STATIC, name="web_assets")


def render(request: web.Request, template: str, *, status: int = 200,
           **values: Any) -> web.Response:
    """A page, private to the viewer: never cached, never stored."""
    app = request.app
    identity = identity_of(request)
    csrf = csrf_token(identity, app[keys.CONFIG].security.derive("web-csrf")) if identity else ""
    html = app[ENV].get_template(template).render(
        school=app[keys.CONFIG].school.name, base=base(request), signed_in=identity is not None,
        csrf=csrf,
        viewer=viewer_or_none(request), **values)
    return web.Response(text=html, status=status, content_type="text/html",
                        headers={"Cache-Control": "private, no-store"})


def message(request: web.Request, status: int, title: str, text: str, *,
            link: tuple[str, str] | None = None) -> web.Response:
    """A short page that says what happened and what to do (refusals, errors, expiries)."""
    return render(request, "message.html", status=status, title=title, text=text, link=link)
