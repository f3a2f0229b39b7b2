"""Waiting for an event with a time limit, without losing a cancellation.

`asyncio.wait_for` on Python 3.11 returns normally when it is cancelled just as what it waits for
completes, swallowing the cancellation: a worker loop cancelled at shutdown then runs on and the
shutdown waits for ever. `asyncio.timeout` has no such window.
"""

from __future__ import annotations

import asyncio


async def wait_until(event: asyncio.Event, seconds: float) -> bool:
    """Wait for `event`, at most `seconds`; True if it was set."""
    try:
        async with asyncio.timeout(seconds):
            await event.wait()
    except TimeoutError:
        return False
    return True
