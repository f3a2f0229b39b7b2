"""Ages on the 因病缺课登记表: whole years on the absence's first day."""

from __future__ import annotations

from datetime import date

import pytest

from models.rules.age import age_on


@pytest.mark.parametrize(("birth", "day", "age"), [
    pytest.param(date(2013, 3, 14), date(2026, 11, 25), 13, id="after this year's birthday"),
    pytest.param(date(2012, 12, 19), date(2026, 11, 25), 13, id="before this year's birthday"),
    pytest.param(date(2012, 11, 25), date(2026, 11, 25), 14, id="on the birthday"),
    pytest.param(date(2012, 11, 26), date(2026, 11, 25), 13, id="the day before the birthday"),
    pytest.param(date(2012, 2, 29), date(2027, 2, 28), 14, id="29 February: not yet on the 28th"),
    pytest.param(date(2012, 2, 29), date(2027, 3, 1), 15, id="29 February: on 1 March"),
    pytest.param(date(2012, 2, 29), date(2028, 2, 29), 16, id="29 February in a leap year"),
    pytest.param(date(2026, 11, 25), date(2026, 11, 25), 0, id="born that day"),
    pytest.param(date(2026, 11, 26), date(2026, 11, 25), None, id="born after the day"),
    pytest.param(None, date(2026, 11, 25), None, id="unknown"),
])
def test_age_on(birth: date | None, day: date, age: int | None) -> None:
    assert age_on(birth, day) == age
