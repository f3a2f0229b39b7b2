"""Exceptions as the log may show them: their type and where, never their message (which may
quote a name, a reason or a 放行码)."""

from __future__ import annotations

import traceback


def without_data(exc: BaseException) -> str:
    """"KeyError at engine.py:88 handle < dispatcher.py:41 route": the type and the innermost
    frames, no message and no values."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = " < ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}"
                       for f in reversed(frames[-6:]))
    return f"{type(exc).__name__} at {where}" if where else type(exc).__name__
