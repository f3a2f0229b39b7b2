"""复课证明: whether a child back from a 病假 needs a certificate before 销假 closes it.

A notifiable diagnosis (the school's `[health] notifiable` list, matched inside what the parent or
teacher wrote: "甲型流感" names 流感, "排除流感" does not) or a 病假 of more than
`[health] certificate_after_days` school days needs one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

# A disease named only to rule it out: 排除流感, 不是水痘, 非手足口病.
_RULED_OUT = re.compile(r"(?:排除|不是|并非|非|无)$")


def _names(diagnosis: str, disease: str) -> bool:
    """Whether the diagnosis names the disease, other than to rule it out."""
    return any(not _RULED_OUT.search(diagnosis[:m.start()])
               for m in re.finditer(re.escape(disease), diagnosis))


def certificate_reason(days: float, diagnosis: str | None, notifiable: Sequence[str],
                       after_days: int) -> str | None:
    """Why a 复课证明 is needed, in the words people read ("诊断为流感"); None when it is not."""
    named = next((d for d in notifiable if diagnosis and _names(diagnosis, d)), None)
    if named is not None:
        return f"诊断为{named}"
    if days > after_days:
        return f"超过{after_days}个上课日"
    return None
