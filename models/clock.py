"""The clock is passed in, never read from a global, so tests can move time.

`utc_now` is the one place the real clock is read. The test suite replaces `_read` with a
function that fails, so a piece of code that reads the real clock behind the clock it was
given fails loudly in a test instead of on the day the real time passes a fake one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def _real() -> datetime:
    return datetime.now(UTC)


_read: Clock = _real


def utc_now() -> datetime:
    """The real time, as an aware UTC datetime: the default clock of the service."""
    return _read()
