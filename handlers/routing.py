"""The one routing map: every router, in the order messages try them."""

from __future__ import annotations

from handlers import common
from handlers.dispatcher import Router

ROUTERS: tuple[Router, ...] = (
    common.router,
)
