"""What the page tests share: the CSRF token of a page, a form posted as a browser would."""

from __future__ import annotations

import html
import re
from typing import Any

import aiohttp

from tests.harness import Harness

_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def csrf_of(page: str) -> str:
    found = _CSRF.search(page)
    assert found, "no CSRF token on the page"
    return html.unescape(found.group(1))


def hidden_fields(page: str) -> dict[str, str]:
    """The hidden inputs of a page's forms (the echo page carries the answers in them)."""
    return {html.unescape(m.group(1)): html.unescape(m.group(2)) for m in re.finditer(
        r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page)}


async def page(h: Harness, who: str, path: str, *, kind: str = "member") -> tuple[int, str]:
    """Open `path` signed in as `who` (signing in first if the client has no session)."""
    resp = await h.client.get(path, allow_redirects=False)
    if resp.status == 302:
        resp = await h.sign_in(who, path, kind=kind)
    return resp.status, await resp.text()


async def post_form(h: Harness, path: str, fields: dict[str, str | list[str]], *,
                    files: dict[str, tuple[str, bytes, str]] | None = None,
                    follow: bool = True) -> aiohttp.ClientResponse:
    """A form posted as multipart/form-data, as the pages' forms are (a list: one field each)."""
    form = aiohttp.FormData(default_to_multipart=True)
    for name, value in fields.items():
        for one in value if isinstance(value, list) else [value]:  # a list: ticked boxes
            form.add_field(name, one)
    for name, (filename, data, content_type) in (files or {}).items():
        form.add_field(name, data, filename=filename, content_type=content_type)
    resp: Any = await h.client.post(path, data=form, allow_redirects=follow)
    return resp  # type: ignore[no-any-return]
