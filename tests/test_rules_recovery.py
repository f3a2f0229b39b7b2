"""复课证明 as a plain rule (models/rules/recovery.py): a notifiable diagnosis or a long 病假."""

from __future__ import annotations

import pytest

from bot.config import NOTIFIABLE
from models.rules.recovery import certificate_reason


@pytest.mark.parametrize(("days", "diagnosis", "why"), [
    (1, "流感", "诊断为流感"),
    (1, "甲型流感", "诊断为流感"),
    (2, "手足口病（医院确诊）", "诊断为手足口病"),
    (0.5, "水痘", "诊断为水痘"),
    (1, "普通感冒", None),
    (1, "排除流感，普通感冒", None),
    (1, "不是水痘", None),
    (1, "非流感，但查出猩红热", "诊断为猩红热"),
    (1, "未就诊", None),
    (1, None, None),
    (5, None, None),  # a whole school week is not "more than" 5
    (5.5, None, "超过5个上课日"),
    (8, "普通感冒", "超过5个上课日"),
    (8, "诺如病毒感染", "诊断为诺如病毒"),  # the diagnosis is the better reason
])
def test_who_needs_a_certificate(days: float, diagnosis: str | None, why: str | None) -> None:
    assert certificate_reason(days, diagnosis, NOTIFIABLE, 5) == why


def test_the_schools_own_list_is_what_counts() -> None:
    assert certificate_reason(1, "流感", ("水痘",), 5) is None
    assert certificate_reason(1, "流感", (), 0) == "超过0个上课日"
