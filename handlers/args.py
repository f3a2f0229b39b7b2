"""Reading what follows a command word."""

from __future__ import annotations

import re

_NUMBER = re.compile(r"[#＃]?\s*(\d{1,9})(?:\s+(.*))?")


def leave_number(text: str) -> tuple[int, str] | None:
    """`17`, `#17`, `17 请补交诊断书` → (17, the rest); None if the text does not start so."""
    match = _NUMBER.fullmatch(text.strip())
    return (int(match.group(1)), (match.group(2) or "").strip()) if match else None
