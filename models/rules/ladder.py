"""Truancy (旷课) and the escalation ladder towards dropout (辍学), as plain rules.

篇三 §七.1: 不请假的按旷课处理. 篇三 §四.5: 无故不到校达15天以上视为辍学. 篇四 §七.2: 累计旷课
达到180节, 通知家长和社区配合. 篇三 §四.1(3): 病事假累计超过6周, 可休学. Nothing here expels
anyone: each step only says whom to tell.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date


def truant_share(absent: tuple[int, int], excused: Sequence[tuple[int, int]]) -> float:
    """How much of a reported absence is 旷课: each half day not covered by a leave is 0.5."""
    halves = range(absent[0], absent[1] + 1)
    return 0.5 * sum(1 for h in halves if not any(a <= h <= b for a, b in excused))


@dataclass(frozen=True)
class StudentDay:
    """One school day of one student, as the ladder sees it."""

    day: date
    truant: float  # 0, 0.5 or 1
    present: bool  # the class reported and the student was there (at least part of the day)


@dataclass(frozen=True)
class Standing:
    streak: float  # truant days in the current unbroken run
    episode_start: date | None  # first day of that run; None when the student is back
    term_truant: float


def standing(days: Sequence[StudentDay]) -> Standing:
    """Where a student stands after `days` (school days of the term, oldest first).

    A day at school ends the run (the episode): a half day of 旷课 on it still counts, as the
    run's first day. Days neither at school nor truant (on leave, or the class did not report)
    neither end the run nor add to it.
    """
    streak, start = 0.0, None
    for record in reversed(days):
        if record.truant > 0:
            streak, start = streak + record.truant, record.day
        if record.present:
            break
    return Standing(streak, start, sum(d.truant for d in days))


@dataclass(frozen=True)
class Ladder:
    office_after: float = 3
    principal_after: float = 10
    dropout_after: float = 15
    term_periods_limit: int = 180
    periods_per_day: int = 8
    leave_advisory_days: float = 30


@dataclass(frozen=True)
class Step:
    """A rung reached: `episode` makes it once per episode (a run of truancy) or per term."""

    name: str
    episode: str


CONSECUTIVE = ("office", "principal", "dropout")


def steps_due(now: Standing, term_leave_days: float, ladder: Ladder, term: str) -> list[Step]:
    """Every rung the student has reached; the caller sends each one the first time only."""
    due = []
    if now.episode_start is not None:
        episode = f"from:{now.episode_start.isoformat()}"
        limits = (ladder.office_after, ladder.principal_after, ladder.dropout_after)
        due += [Step(name, episode) for name, limit in zip(CONSECUTIVE, limits, strict=True)
                if now.streak >= limit]
    per_term = f"term:{term}"
    if now.term_truant >= ladder.principal_after and not any(s.name == "principal" for s in due):
        due.append(Step("principal_term", per_term))
    if now.term_truant * ladder.periods_per_day >= ladder.term_periods_limit:
        due.append(Step("periods", per_term))
    if term_leave_days > ladder.leave_advisory_days:
        due.append(Step("leave_advisory", per_term))
    return due
