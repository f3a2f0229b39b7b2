"""复课证明: whether a child back from a 病假 needs a certificate before 销假 closes it.

A notifiable diagnosis (the school's `[health] notifiable` list, matched inside what the parent or
teacher wrote: "甲型流感" names 流感) or a 病假 of more than `[health] certificate_after_days`
school days needs one.
"""

from __future__ import annotations

from collections.abc import Sequence


def certificate_reason(days: float, diagnosis: str | None, notifiable: Sequence[str],
                       after_days: int) -> str | None:
    """Why a 复课证明 is needed, in the words people read ("诊断为流感"); None when it is not."""
    named = next((d for d in notifiable if diagnosis and d in diagnosis), None)
    if named is not None:
        return f"诊断为{named}"
    if days > after_days:
        return f"超过{after_days}个上课日"
    return None
