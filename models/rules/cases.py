"""Which of the escalation ladder's steps are open cases today, as plain rules.

A run of 旷课 (an episode) climbs 政教处 (3 days) → 校长 (10) → dropout (15); the case is the
highest rung its episode reached, and it stays open until the student is at school again
after that rung (a day at school ends the run, as models.rules.ladder.standing says). The
term's own steps (10 days in total, 180 periods) stay open for the rest of the term: they
are a count, not a run, and nothing undoes them.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from models.rules.ladder import CONSECUTIVE

TERM_STEPS = ("principal_term", "periods")
CASE_STEPS = (*CONSECUTIVE, *TERM_STEPS)  # the order the page lists them in


@dataclass(frozen=True)
class Reached:
    """One step a student reached: which rung, in which episode, on which school day."""

    student_id: int
    step: str
    episode: str
    day: date


def open_cases(steps: Sequence[Reached],
               present: Mapping[int, Collection[date]]) -> list[Reached]:
    """The open cases among `steps`: per student and episode, the highest consecutive rung
    while the student has not been at school since; every term step. In CASE_STEPS order."""
    highest: dict[tuple[int, str], Reached] = {}
    term: list[Reached] = []
    for step in steps:
        if step.step in TERM_STEPS:
            term.append(step)
        elif step.step in CONSECUTIVE:
            key = (step.student_id, step.episode)
            held = highest.get(key)
            if held is None or CONSECUTIVE.index(step.step) > CONSECUTIVE.index(held.step):
                highest[key] = step
    running = [s for s in highest.values()
               if not any(day > s.day for day in present.get(s.student_id, ()))]
    return sorted([*running, *term], key=lambda s: (CASE_STEPS.index(s.step), s.day,
                                                    s.student_id))
