"""Sealed tokens: a pass code inside an unguessable, tamper-proof link (AES-GCM)."""

from __future__ import annotations

import base64
import binascii
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NONCE = 12


def seal(text: str, key: bytes) -> str:
    """Encrypt and authenticate `text`; URL-safe, no padding."""
    nonce = os.urandom(_NONCE)
    sealed = nonce + AESGCM(key).encrypt(nonce, text.encode(), b"qingjia-pass")
    return base64.urlsafe_b64encode(sealed).decode().rstrip("=")


def unseal(token: str, key: bytes) -> str | None:
    """The text inside a token we sealed, or None for anything else."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        if len(raw) <= _NONCE:
            return None
        return AESGCM(key).decrypt(raw[:_NONCE], raw[_NONCE:], b"qingjia-pass").decode()
    except (InvalidTag, binascii.Error, ValueError, UnicodeDecodeError):
        return None
