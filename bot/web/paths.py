"""Where a school's pages live: at the site's root for one school, under `/s/<code>` when a
deployment serves many (`[server] base_path`, set by the deployment).

The code names pages by their path within the school (`/h5/leaves`, as the routes do); only
what reaches the browser adds the base: templates write `{{ base }}{{ path }}` (`render` passes
`base`), redirects and cookies go through `to()`, and the gate reads `within()`. With no base
path every URL is what it was before deployments existed.
"""

from __future__ import annotations

from aiohttp import web

from bot import keys


def base(request: web.Request) -> str:
    """`""` for a single school, else e.g. `/s/nanshan` (no trailing slash)."""
    return request.app[keys.CONFIG].server.base_path


def to(request: web.Request, path: str) -> str:
    """The URL path the browser uses for one of this school's pages (`path` starts with /)."""
    return base(request) + path


def within(request: web.Request) -> str:
    """The request's path inside the school: what the routes and the gate's rules name."""
    return _strip(request, request.path)


def within_qs(request: web.Request) -> str:
    """`within()` with the query string (where to return after sign-in)."""
    return _strip(request, request.path_qs)


def redirect(request: web.Request, path: str) -> web.Response:
    """A 302 to one of this school's pages."""
    return web.Response(status=302, headers={"Location": to(request, path)})


def _strip(request: web.Request, path: str) -> str:
    prefix = base(request)
    if prefix and (path == prefix or path.startswith(prefix + "/")):
        return path[len(prefix):] or "/"
    return path
