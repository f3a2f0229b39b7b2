"""A 放行码 kept nowhere once it has done its work: masked in stored message payloads."""

from __future__ import annotations

import re
from typing import Any

MASK = "****-****"
# A code as we send it (5RXQ-83VK) or as a guard may type it (5rxq83vk, 5RXQ 83VK): 8 Crockford
# characters (with O, I, L read as digits) standing apart from other letters and digits.
_CODE = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z]{4}[\s\-‐‑‒–—―_]?[0-9A-Za-z]{4}(?![0-9A-Za-z])")
_ALPHABET = frozenset("0123456789ABCDEFGHJKMNPQRSTVWXYZOIL")
_PASS_LINK = re.compile(r"(/h5/pass/)[\w-]+")  # the sealed link opens the code's page


def mask_codes(text: str) -> str:
    """`text` with every code-like word masked and every pass link's token removed."""
    masked = _CODE.sub(lambda m: MASK if _looks_like_code(m.group(0)) else m.group(0), text)
    return _PASS_LINK.sub(r"\1(已隐去)", masked)


def mask_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """A stored message's payload with codes masked in every text it holds."""
    return {key: _masked(value) for key, value in payload.items()}


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_codes(value)
    if isinstance(value, dict):
        return mask_payload(value)
    if isinstance(value, list | tuple):
        return [_masked(v) for v in value]
    return value


def _looks_like_code(word: str) -> bool:
    """Only code characters (a word with U in it cannot be a code); better one word too many
    masked in a stored message than a code left in it."""
    compact = re.sub(r"[\s\-‐‑‒–—―_]", "", word).upper()
    return all(c in _ALPHABET for c in compact)
