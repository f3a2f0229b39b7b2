"""Signed cookie values: the day-long sign-in (who) and the short-lived sign-in attempt (state).

A value is `base64url(JSON).base64url(HMAC-SHA256)`, keyed per purpose from `[security]
secret_key`. It says who signed in and nothing else: roles and ownership are read from the roster
on every request.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from typing import Any

SESSION_COOKIE = "qingjia_session"
LOGIN_COOKIE = "qingjia_login"
MEMBER, SCHOOL_PARENT = "member", "parent"  # a WeCom member; a 家校通讯录 parent (not a member)
KINDS = (MEMBER, SCHOOL_PARENT)
FLOW_MEMBER, FLOW_SCHOOL = "member", "school"  # auth/getuserinfo; school/getuserinfo
MAX_VALUE_CHARS = 2048


@dataclass(frozen=True)
class Identity:
    """Who holds the session: a userid and whether it is a member's or a 家校 parent's."""

    userid: str
    kind: str
    sid: str  # random per sign-in; the CSRF token is derived from it
    expires: int  # unix seconds, by the app's clock


@dataclass(frozen=True)
class Attempt:
    """One sign-in under way: the OAuth `state` it sent and where to go afterwards."""

    state: str
    next_path: str
    flow: str
    tries: int
    members_only: bool
    expires: int


def new_identity(userid: str, kind: str, now: int, hours: int) -> Identity:
    return Identity(userid=userid, kind=kind, sid=secrets.token_urlsafe(16),
                    expires=now + hours * 3600)


def new_attempt(next_path: str, flow: str, now: int, *, tries: int = 1,
                members_only: bool = False, ttl: int = 600) -> Attempt:
    """`state` is 32 letters and digits: WeCom allows [a-zA-Z0-9], up to 128."""
    return Attempt(state=secrets.token_hex(16), next_path=next_path, flow=flow, tries=tries,
                   members_only=members_only, expires=now + ttl)


def encode_identity(identity: Identity, key: bytes) -> str:
    return _sign({"u": identity.userid, "k": identity.kind, "s": identity.sid,
                  "e": identity.expires}, key)


def decode_identity(value: str | None, key: bytes, now: int) -> Identity | None:
    """The identity in a cookie we signed that has not expired, else None."""
    data = _verify(value, key)
    if data is None:
        return None
    try:
        identity = Identity(userid=_str(data["u"]), kind=_str(data["k"]), sid=_str(data["s"]),
                            expires=_int(data["e"]))
    except (KeyError, TypeError):
        return None
    if identity.kind not in KINDS or not identity.userid or now >= identity.expires:
        return None
    return identity


def encode_attempt(attempt: Attempt, key: bytes) -> str:
    return _sign({"s": attempt.state, "n": attempt.next_path, "f": attempt.flow,
                  "t": attempt.tries, "m": attempt.members_only, "e": attempt.expires}, key)


def decode_attempt(value: str | None, key: bytes, now: int) -> Attempt | None:
    data = _verify(value, key)
    if data is None:
        return None
    try:
        attempt = Attempt(state=_str(data["s"]), next_path=_str(data["n"]), flow=_str(data["f"]),
                          tries=_int(data["t"]), members_only=data["m"] is True,
                          expires=_int(data["e"]))
    except (KeyError, TypeError):
        return None
    if attempt.flow not in (FLOW_MEMBER, FLOW_SCHOOL) or now >= attempt.expires:
        return None
    return attempt


def csrf_token(identity: Identity, key: bytes) -> str:
    """The token every form of this session carries; it changes with each sign-in."""
    return hmac.new(key, identity.sid.encode(), hashlib.sha256).hexdigest()[:32]


def csrf_ok(identity: Identity, key: bytes, given: str) -> bool:
    return hmac.compare_digest(csrf_token(identity, key), given)


def _sign(payload: dict[str, Any], key: bytes) -> str:
    body = _b64(json.dumps(payload, separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{_b64(hmac.new(key, body.encode(), hashlib.sha256).digest())}"


def _verify(value: str | None, key: bytes) -> dict[str, Any] | None:
    if not value or len(value) > MAX_VALUE_CHARS or value.count(".") != 1:
        return None
    body, mac = value.split(".")
    expected = _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())
    if not hmac.compare_digest(expected, mac):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("not a string")
    return value


def _int(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError("not a whole number")
    return value
