"""The 放行码: 8 Crockford base32 characters (40 bits) shown as 5RXQ-83VK; only a digest is kept."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 8
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―_]+")


def new_code() -> str:
    """A fresh random code, 8 characters from ALPHABET (40 bits from `secrets`)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def format_code(code: str) -> str:
    """"5RXQ83VK" → "5RXQ-83VK" (the input is normalised first); ValueError if not a code."""
    normal = normalize_code(code)
    if normal is None:
        raise ValueError("not a pass code")
    return f"{normal[:4]}-{normal[4:]}"


def normalize_code(text: str) -> str | None:
    """The canonical 8 characters, or None if the text is not a valid code.

    Accepts any case, with or without a dash or spaces (full-width ones too); reads O as 0 and
    I/L as 1 (Crockford). U and any other character outside the alphabet make it invalid.
    """
    compact = _SEPARATORS.sub("", unicodedata.normalize("NFKC", text)).upper()
    compact = compact.translate(_LOOKALIKES)
    if len(compact) != CODE_LENGTH or any(c not in ALPHABET for c in compact):
        return None
    return compact


def code_digest(code: str, key: bytes) -> str:
    """HMAC-SHA256 (hex) of the normalised code: the only form that is stored."""
    normal = normalize_code(code)
    if normal is None:
        raise ValueError("not a pass code")
    return hmac.new(key, normal.encode("ascii"), hashlib.sha256).hexdigest()


PassReason = Literal["valid", "not_yet", "expired", "withdrawn", "used", "rejected"]
# The leave statuses check_pass understands; "returned" (销假 done) means the pass is spent.
PASS_STATUSES = frozenset({"approved", "withdrawn", "rejected", "returned"})


@dataclass(frozen=True)
class PassCheck:
    ok: bool
    reason: PassReason


def check_pass(now: datetime, valid_from: datetime, valid_until: datetime, status: str,
               exited_at: datetime | None) -> PassCheck:
    """Whether a pass lets the student out now; valid in [valid_from, valid_until).

    First match wins: rejected, withdrawn, used (already exited once, or the leave is closed),
    not_yet, expired, valid. Any status outside PASS_STATUSES is a caller error (ValueError).
    """
    if status not in PASS_STATUSES:
        raise ValueError(f"unknown leave status {status!r}")
    reason: PassReason
    if status == "rejected":
        reason = "rejected"
    elif status == "withdrawn":
        reason = "withdrawn"
    elif exited_at is not None or status == "returned":
        reason = "used"
    elif now < valid_from:
        reason = "not_yet"
    elif now >= valid_until:
        reason = "expired"
    else:
        reason = "valid"
    return PassCheck(ok=reason == "valid", reason=reason)
