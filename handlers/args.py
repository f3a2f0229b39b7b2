"""Reading what follows a command word."""

from __future__ import annotations

import re

_NUMBER = re.compile(r"[#＃]?\s*(\d{1,9})(?:\s+(.*))?")


def leave_number(text: str) -> tuple[int, str] | None:
    """`17`, `#17`, `17 请补交诊断书` → (17, the rest); None if the text does not start so."""
    match = _NUMBER.fullmatch(text.strip())
    return (int(match.group(1)), (match.group(2) or "").strip()) if match else None


def page_number(text: str) -> int | None:
    """A list's page: nothing → 1, `2` → 2; None when the text is not a page number."""
    text = text.strip()
    if not text:
        return 1
    return int(text) if text.isdigit() and 0 < len(text) <= 4 else None
