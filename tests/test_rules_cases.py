"""The ladder's open cases (models/rules/cases.py): the highest rung of a running episode, until
the student is back at school; the term's own steps for the rest of the term."""

from __future__ import annotations

from datetime import date

import pytest

from models.rules.cases import Reached, open_cases

A, B = 1, 2
RUN = "from:2026-11-23"


def d(day: int) -> date:
    return date(2026, 11, day)


def step(student: int, name: str, day: int, episode: str = RUN) -> Reached:
    return Reached(student, name, episode, d(day))


@pytest.mark.parametrize(("steps", "present", "expected"), [
    # 3 days of 旷课: the 政教处 rung, open while the student stays away
    ([step(A, "office", 25)], {}, [step(A, "office", 25)]),
    ([step(A, "office", 25)], {A: {d(24), d(25)}}, [step(A, "office", 25)]),
    # back at school the next day: the run ended, the case with it
    ([step(A, "office", 25)], {A: {d(26)}}, []),
    # the same run climbs: only the highest rung is the case
    ([step(A, "office", 3), step(A, "principal", 13), step(A, "dropout", 19)], {},
     [step(A, "dropout", 19)]),
    # an old run ended, a new one is open
    ([step(A, "office", 5, "from:2026-11-03"), step(A, "office", 25)], {A: {d(9)}},
     [step(A, "office", 25)]),
    # term steps stay open whatever the attendance, listed after the runs
    ([step(A, "periods", 20, "term:T"), step(B, "office", 25)], {A: {d(26)}},
     [step(B, "office", 25), step(A, "periods", 20, "term:T")]),
    ([step(A, "principal_term", 20, "term:T")], {A: {d(26)}},
     [step(A, "principal_term", 20, "term:T")]),
    # a 休学 advisory is about leave, not a 旷课 case
    ([step(A, "leave_advisory", 20, "term:T")], {}, []),
    # one student's presence does not close another's case
    ([step(A, "office", 25), step(B, "office", 25)], {A: {d(26)}}, [step(B, "office", 25)]),
])
def test_open_cases(steps: list[Reached], present: dict[int, set[date]],
                    expected: list[Reached]) -> None:
    assert open_cases(steps, present) == expected
