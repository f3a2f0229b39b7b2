"""WeCom callback crypto: SHA1 signatures and AES-256-CBC message (de)cryption."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

_BLOCK = 32  # WeCom pads with PKCS#7 to 32 bytes, not the AES block size of 16


class CryptoError(Exception):
    """A payload could not be verified or decrypted; the message never carries plaintext."""


class WrongReceiver(CryptoError):
    """The message decrypted but was meant for another corp (or app)."""


class WeComCrypto:
    """Sign, encrypt and decrypt WeCom callback payloads (AES-256-CBC, PKCS#7 to 32, SHA1)."""

    def __init__(self, token: str, encoding_aes_key: str, receive_id: str) -> None:
        """Derive the AES key from the 43-character EncodingAESKey; reject a malformed one."""
        try:
            key = base64.b64decode(encoding_aes_key + "=", validate=True)
        except (binascii.Error, ValueError):
            raise CryptoError("EncodingAESKey is not base64") from None
        if len(encoding_aes_key) != 43 or len(key) != 32:
            raise CryptoError("EncodingAESKey must be 43 characters (32 bytes)")
        self._token = token
        self._key = key
        self._receive_id = receive_id.encode("utf-8")

    def _cipher(self) -> Cipher[modes.CBC]:
        """A fresh AES-256-CBC cipher; WeCom uses the first 16 key bytes as the IV."""
        return Cipher(algorithms.AES(self._key), modes.CBC(self._key[:16]))

    def signature(self, timestamp: str, nonce: str, encrypt: str) -> str:
        """SHA1 hex of token, timestamp, nonce and ciphertext, sorted and concatenated."""
        joined = "".join(sorted((self._token, timestamp, nonce, encrypt)))
        return hashlib.sha1(joined.encode("utf-8", "surrogatepass")).hexdigest()

    def verify(self, msg_signature: str, timestamp: str, nonce: str, encrypt: str) -> bool:
        """True when msg_signature matches, compared in constant time."""
        expected = self.signature(timestamp, nonce, encrypt).encode("ascii")
        return hmac.compare_digest(expected, msg_signature.encode("utf-8", "surrogatepass"))

    def decrypt(self, encrypt: str) -> bytes:
        """Return the message inside a base64 ciphertext addressed to our receive_id."""
        try:
            raw = base64.b64decode(encrypt, validate=True)
        except (binascii.Error, ValueError):
            raise CryptoError("ciphertext is not base64") from None
        if not raw or len(raw) % 16:
            raise CryptoError("ciphertext length is not a multiple of 16")
        decryptor = self._cipher().decryptor()
        plain = decryptor.update(raw) + decryptor.finalize()
        pad = plain[-1]
        if not 1 <= pad <= _BLOCK or pad > len(plain) or plain[-pad:] != bytes([pad]) * pad:
            raise CryptoError("bad padding")
        body = plain[16:-pad]
        if len(body) < 4:
            raise CryptoError("plaintext too short")
        (length,) = struct.unpack(">I", body[:4])
        if length > len(body) - 4:
            raise CryptoError("length field out of range")
        message, receive_id = body[4 : 4 + length], body[4 + length :]
        if not hmac.compare_digest(receive_id, self._receive_id):
            raise WrongReceiver("receive_id mismatch")
        return message

    def encrypt(self, plaintext: bytes, random16: bytes | None = None) -> str:
        """Inverse of decrypt (for the simulator and tests); random16 fixes the random prefix."""
        prefix = os.urandom(16) if random16 is None else random16
        if len(prefix) != 16:
            raise CryptoError("random prefix must be 16 bytes")
        body = prefix + struct.pack(">I", len(plaintext)) + plaintext + self._receive_id
        pad = _BLOCK - len(body) % _BLOCK
        encryptor = self._cipher().encryptor()
        raw = encryptor.update(body + bytes([pad]) * pad) + encryptor.finalize()
        return base64.b64encode(raw).decode("ascii")
