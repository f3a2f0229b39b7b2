"""A child's age in whole years (周岁) on a given day, as registers write it."""

from __future__ import annotations

from datetime import date


def age_on(birth: date | None, day: date) -> int | None:
    """Whole years from `birth` to `day` (the birthday itself counts; a 29 February birthday
    comes on 1 March in other years); None when the birth date is unknown or after `day`."""
    if birth is None or birth > day:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
