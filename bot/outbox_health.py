"""The WeCom API's health as the outbox sees it: back-off after failures, a pause on bad config.

Back-off belongs to the API, not to each message: after a failure the worker waits (1 s, 2 s …
up to `max_backoff_seconds`), then tries again; the first success ends it for every message.
A configuration error (bad secret, agent or permission, an untrusted IP) is nobody's message's
fault: the outbox pauses, keeps everything, and probes with one message every
`pause_probe_seconds` until the admin has fixed it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

# bad secret / corp id / agent id, no token, token type, no API permission, IP not trusted
CONFIG_ERRCODES = frozenset({40001, 40013, 40056, 41001, 42009, 48002, 60020})


@dataclass(frozen=True)
class Pause:
    errcode: int
    since: datetime


class ApiHealth:
    """What the outbox may do now, from what its last calls answered."""

    def __init__(self, *, max_backoff_seconds: float, probe_seconds: float) -> None:
        self._max_backoff = max_backoff_seconds
        self._probe = timedelta(seconds=probe_seconds)
        self._failures = 0
        self._wait_until: datetime | None = None
        self.paused: Pause | None = None

    def allowance(self, now: datetime, batch: int) -> int:
        """How many messages to try now: none while waiting, one to probe, else a batch."""
        if self._wait_until is not None and now < self._wait_until:
            return 0
        return 1 if self.paused is not None or self._failures else batch

    def failed(self, now: datetime, errcode: int) -> datetime:
        """Note a retryable or configuration failure; when its message is due again."""
        if errcode in CONFIG_ERRCODES:
            if self.paused is None:
                self.paused = Pause(errcode, now)
            self._wait_until = now + self._probe
            return self._wait_until
        self._failures += 1
        delay = min(self._max_backoff, 2 ** (self._failures - 1)) * random.uniform(0.8, 1.0)
        self._wait_until = max(self._wait_until or now, now + timedelta(seconds=delay))
        return self._wait_until

    def succeeded(self) -> bool:
        """Note a success; True when it ends a pause or a back-off (the backlog may flow)."""
        recovered = self.paused is not None or self._failures > 0
        self.paused, self._failures, self._wait_until = None, 0, None
        return recovered
