"""The 放行码: how it looks, how a guard may type it, and when it lets a student out."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from models.rules.passcode import (
    ALPHABET,
    PassCheck,
    check_pass,
    code_digest,
    format_code,
    new_code,
    normalize_code,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
KEY = b"school-secret-key"


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, second, tzinfo=SHANGHAI)


def test_the_alphabet_is_crockford_base32() -> None:
    assert ALPHABET == "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    assert len(set(ALPHABET)) == 32
    assert not set("ILOU") & set(ALPHABET)


def test_new_codes_are_8_random_characters() -> None:
    codes = {new_code() for _ in range(500)}
    assert len(codes) == 500  # 40 bits: collisions in 500 are practically impossible
    for code in codes:
        assert len(code) == 8
        assert set(code) <= set(ALPHABET)
        assert normalize_code(code) == code


@pytest.mark.parametrize(("code", "shown"), [
    ("5RXQ83VK", "5RXQ-83VK"),
    ("5rxq83vk", "5RXQ-83VK"),
    ("5RXQ-83VK", "5RXQ-83VK"),
    ("ORXQ83VK", "0RXQ-83VK"),
])
def test_format(code: str, shown: str) -> None:
    assert format_code(code) == shown


def test_formatting_a_non_code_is_a_bug() -> None:
    with pytest.raises(ValueError):
        format_code("5RXQ83VU")


@pytest.mark.parametrize(("typed", "code"), [
    ("5RXQ83VK", "5RXQ83VK"),
    ("5RXQ-83VK", "5RXQ83VK"),
    ("5rxq-83vk", "5RXQ83VK"),
    ("5RXQ 83VK", "5RXQ83VK"),
    (" 5RXQ83VK ", "5RXQ83VK"),
    ("5RXQ－83VK", "5RXQ83VK"),  # full-width dash
    ("5RXQ—83VK", "5RXQ83VK"),  # em dash from a Chinese keyboard
    ("5RXQ　83VK", "5RXQ83VK"),  # full-width space
    ("５ＲＸＱ８３ＶＫ", "5RXQ83VK"),  # full-width letters and digits
    ("5RXQ83V K", "5RXQ83VK"),
    ("O0OO-IIll", "00001111"),  # O reads as 0, I and L as 1
    ("5RXQ83VU", None),  # U is not in the alphabet
    ("5RXQ83V", None),  # too short
    ("5RXQ83VKK", None),  # too long
    ("5RXQ*83VK", None),
    ("核验5RXQ83VK", None),  # the command word is the caller's to strip
    ("", None),
    ("----", None),
])
def test_normalization(typed: str, code: str | None) -> None:
    assert normalize_code(typed) == code


def test_digest_is_a_stable_hmac_of_the_normalised_code() -> None:
    expected = hmac.new(KEY, b"5RXQ83VK", hashlib.sha256).hexdigest()
    assert code_digest("5RXQ83VK", KEY) == expected
    assert code_digest("5rxq-83vk", KEY) == expected
    assert code_digest("５ＲＸＱ　８３ＶＫ", KEY) == expected
    assert len(expected) == 64
    assert code_digest("5RXQ83VK", b"another-school") != expected
    assert code_digest("5RXQ83VM", KEY) != expected
    with pytest.raises(ValueError):
        code_digest("5RXQ83VU", KEY)


FROM, UNTIL = at(7, 8), at(9, 17)  # the leave's start and end


@pytest.mark.parametrize(("now", "status", "exited", "check"), [
    (at(7, 8), "approved", None, PassCheck(True, "valid")),  # from its start
    (at(8, 10), "approved", None, PassCheck(True, "valid")),
    (at(9, 16, 59, 59), "approved", None, PassCheck(True, "valid")),
    (at(7, 7, 59), "approved", None, PassCheck(False, "not_yet")),
    (at(9, 17), "approved", None, PassCheck(False, "expired")),  # until its end, exclusive
    (at(10, 8), "approved", None, PassCheck(False, "expired")),
    (at(8, 10), "approved", at(7, 8, 30), PassCheck(False, "used")),  # out once only
    (at(8, 10), "returned", None, PassCheck(False, "used")),  # 销假 closed the leave
    (at(8, 10), "withdrawn", None, PassCheck(False, "withdrawn")),
    (at(8, 10), "rejected", None, PassCheck(False, "rejected")),
    (at(10, 8), "withdrawn", None, PassCheck(False, "withdrawn")),  # status before time
    (at(7, 7), "approved", at(7, 8, 30), PassCheck(False, "used")),  # used before time
])
def test_check_pass(now: datetime, status: str, exited: datetime | None,
                    check: PassCheck) -> None:
    assert check_pass(now, FROM, UNTIL, status, exited) == check


def test_an_unknown_status_is_a_bug() -> None:
    with pytest.raises(ValueError):
        check_pass(at(8, 10), FROM, UNTIL, "pending", None)


T0 = at(8, 10)
