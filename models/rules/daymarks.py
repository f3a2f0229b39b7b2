"""How one student's school day reads in the attendance report: 出勤 / 病 / 事 / 旷 / 未报.

Each half day gets one mark:
- 未报: the class did not report that day (not present, not absent: nobody knows);
- 出勤: the class reported and did not list the student as absent for that half;
- 病 / 事: reported absent, and an approved (or returned) leave covers that half: 病 for a
  病假, 事 for a 事假 and for a 临时请假 (an in-school temporary leave has no kind of its own);
- 旷: reported absent and no such leave covers it (篇三 §七.1: 不请假的按旷课处理).

This is the rule the truancy run applies (models.rules.ladder.truant_share) and the one a
补假 uses to void a record, so the 旷 halves here are the live 旷课 records. A report is the
fact of presence: a leave explains an absence, it does not make a student reported present
absent. Each half counts 0.5 in the day counts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

PRESENT, SICK, PERSONAL, TRUANT, UNREPORTED = "出勤", "病", "事", "旷", "未报"
MARKS = (PRESENT, SICK, PERSONAL, TRUANT, UNREPORTED)
LEAVE_MARKS = {"病假": SICK, "事假": PERSONAL, "临时请假": PERSONAL}

# A leave as the rule sees it: (kind, first half-day slot, last half-day slot).
Cover = tuple[str, int, int]


@dataclass(frozen=True)
class DayMark:
    am: str
    pm: str

    @property
    def text(self) -> str:
        """One word for a whole day, else both halves: `上午旷 下午出勤`."""
        return self.am if self.am == self.pm else f"上午{self.am} 下午{self.pm}"

    def share(self, mark: str) -> float:
        """How much of the day carries this mark: 0, 0.5 or 1."""
        return 0.5 * ((self.am == mark) + (self.pm == mark))


def half_mark(half: int, absent: tuple[int, int] | None, covers: Sequence[Cover]) -> str:
    """The mark of one half-day slot of a reported day."""
    if absent is None or not absent[0] <= half <= absent[1]:
        return PRESENT
    kinds = {LEAVE_MARKS.get(kind, PERSONAL) for kind, first, last in covers
             if first <= half <= last}
    if not kinds:
        return TRUANT
    return SICK if SICK in kinds else PERSONAL


def day_mark(day: date, reported: bool, absent: tuple[int, int] | None,
             covers: Sequence[Cover] = ()) -> DayMark:
    """The day of one student: `absent` is the reported absence's (first, last) slot, if any."""
    if not reported:
        return DayMark(UNREPORTED, UNREPORTED)
    morning = day.toordinal() * 2
    return DayMark(half_mark(morning, absent, covers), half_mark(morning + 1, absent, covers))
