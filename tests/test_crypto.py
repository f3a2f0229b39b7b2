"""WeComCrypto: official known-answer vectors, wechatpy cross-checks and every failure mode."""

from __future__ import annotations

import base64
import contextlib
import random
import struct
from dataclasses import dataclass

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from defusedxml.ElementTree import fromstring

from bot.crypto import CryptoError, WeComCrypto, WrongReceiver
from bot.inbound import parse_message
from models.messages import TextMessage

try:  # wechatpy >= 2
    from wechatpy.work.crypto import WeChatCrypto
except ImportError:  # wechatpy 1.8.x
    from wechatpy.enterprise.crypto import WeChatCrypto


@dataclass(frozen=True)
class Corp:
    corp_id: str
    token: str
    aes_key: str

    def crypto(self, receive_id: str | None = None) -> WeComCrypto:
        return WeComCrypto(self.token, self.aes_key, receive_id or self.corp_id)

    @property
    def key(self) -> bytes:
        return base64.b64decode(self.aes_key + "=")


# Official vectors: A from the WeCom callback docs, B from the WeChat/WeCom sample code.
A = Corp(
    "ww1436e0e65a779aee",
    "hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo",
    "6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt",
)
B = Corp("wx5823bf96d3bd56c7", "QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C")

A_ECHO_SIG = "012bc692d0a58dd4b10f8dfe5c4ac00ae211ebeb"
A_ECHO_TS = "1476416373"
A_ECHO_NONCE = "47744683"
A_ECHOSTR = (
    "fsi1xnbH4yQh0+PJxcOdhhK6TDXkjMyhEPA7xB2TGz6b+g7xyAbEkRxN/3cNXW9qdqjnoVzEtpbhnFyq6SVHyA=="
)

A_MSG_SIG = "0c3914025cb4b4d68103f6bfc8db550f79dcf48e"
A_MSG_TS = "1476422779"
A_MSG_NONCE = "1597212914"
A_MSG_ENCRYPT = (
    "Kl7kjoSf6DMD1zh7rtrHjFaDapSCkaOnwu3bqLc5tAybhhMl9pFeK8NslNPVdMwmBQTNoW4mY7AIjeLvEl3NyeTk"
    "AgGzBhzTtRLNshw2AEew+kkYcD+Fq72Kt00fT0WnN87hGrW8SqGc+NcT3mu87Ha3dz1pSDi6GaUA6A0sqfde0VJP"
    "QbZ9U+3JWcoD4Z5jaU0y9GSh010wsHF8KZD24YhmZH4ch4Ka7ilEbjbfvhKkNL65HHL0J6EYJIZUC2pFrdkJ7Mhm"
    "EbU2qARR4iQHE7wy24qy0cRX3Mfp6iELcDNfSsPGjUQVDGxQDCWjayJOpcwocugux082f49HKYg84EpHSGXAyh+/"
    "oxwaWbvL6aSDPOYuPDGOCI8jmnKiypE+"
)

B_MSG_SIG = "477715d11cdb4164915debcba66cb864d751f3e6"
B_MSG_TS = "1409659813"
B_MSG_NONCE = "1372623149"
B_MSG_ENCRYPT = (
    "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3Qczc"
    "dCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLj"
    "vd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMn"
    "vw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k"
    "22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2Yoy"
    "yH2uyPIGHBZZIs2pDBS8R07+qN+E7Q=="
)

SIGNED = [
    pytest.param(A, A_ECHO_SIG, A_ECHO_TS, A_ECHO_NONCE, A_ECHOSTR, id="A-echostr"),
    pytest.param(A, A_MSG_SIG, A_MSG_TS, A_MSG_NONCE, A_MSG_ENCRYPT, id="A-message"),
    pytest.param(B, B_MSG_SIG, B_MSG_TS, B_MSG_NONCE, B_MSG_ENCRYPT, id="B-message"),
]


# ---- helpers --------------------------------------------------------------


def raw_encrypt(corp: Corp, plain: bytes) -> str:
    """AES-CBC encrypt already padded bytes with the corp's key, to craft broken payloads."""
    encryptor = Cipher(algorithms.AES(corp.key), modes.CBC(corp.key[:16])).encryptor()
    return base64.b64encode(encryptor.update(plain) + encryptor.finalize()).decode()


def frame(msg: bytes, receive_id: bytes, length: int | None = None) -> bytes:
    """random16 + length + msg + receive_id, unpadded."""
    size = len(msg) if length is None else length
    return b"R" * 16 + struct.pack(">I", size) + msg + receive_id


def pad32(data: bytes) -> bytes:
    n = 32 - len(data) % 32
    return data + bytes([n]) * n


def flip(encrypt: str, index: int) -> str:
    raw = bytearray(base64.b64decode(encrypt))
    raw[index] ^= 0x01
    return base64.b64encode(bytes(raw)).decode()


def envelope_xml(encrypt: str) -> str:
    return (
        f"<xml><ToUserName><![CDATA[x]]></ToUserName><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>"
    )


# ---- known answers --------------------------------------------------------


@pytest.mark.parametrize(("corp", "sig", "ts", "nonce", "encrypt"), SIGNED)
def test_official_signature_matches(corp: Corp, sig: str, ts: str, nonce: str, encrypt: str):
    crypto = corp.crypto()
    assert crypto.signature(ts, nonce, encrypt) == sig
    assert crypto.verify(sig, ts, nonce, encrypt) is True


def test_vector_a_url_verification_echostr():
    crypto = A.crypto()
    assert crypto.verify(A_ECHO_SIG, A_ECHO_TS, A_ECHO_NONCE, A_ECHOSTR)
    assert crypto.decrypt(A_ECHOSTR) == b"1288432023552776189"


def test_vector_a_message_decrypts_to_text():
    plain = A.crypto().decrypt(A_MSG_ENCRYPT)
    assert b"<FromUserName>ChenJiaShun</FromUserName>" in plain
    msg = parse_message(plain)
    assert isinstance(msg, TextMessage)
    assert (msg.userid, msg.content, msg.msg_id, msg.agent_id) == (
        "chenjiashun",  # WeCom userids ignore case: we key them in lower case
        "你好",
        "1456453720",
        1000002,
    )
    assert int(msg.created.timestamp()) == 1476422779


def test_vector_b_message_decrypts_to_text():
    plain = B.crypto().decrypt(B_MSG_ENCRYPT)
    msg = parse_message(plain)
    assert isinstance(msg, TextMessage)
    assert (msg.userid, msg.content, msg.msg_id) == ("mycreate", "hello", "4561255354251345929")
    assert msg.agent_id == 218


# ---- round trips and wechatpy cross-checks --------------------------------


@pytest.mark.parametrize("corp", [A, B], ids=["A", "B"])
def test_round_trip_every_length_across_pad_boundaries(corp: Corp):
    crypto = corp.crypto()
    for n in range(0, 100):
        plain = bytes(range(n))
        assert crypto.decrypt(crypto.encrypt(plain)) == plain


@pytest.mark.parametrize(
    "plain",
    [b"", b"1288432023552776189", "请假 😀".encode(), b"\x00\xff" * 2048, b"x" * 100_000],
    ids=["empty", "echostr", "unicode", "binary", "large"],
)
def test_round_trip_payloads(plain: bytes):
    crypto = A.crypto()
    assert crypto.decrypt(crypto.encrypt(plain)) == plain


def test_fixed_random_prefix_is_deterministic_and_default_is_random():
    crypto = A.crypto()
    assert crypto.encrypt(b"hi", b"0123456789abcdef") == crypto.encrypt(b"hi", b"0123456789abcdef")
    assert crypto.encrypt(b"hi") != crypto.encrypt(b"hi")


def test_ciphertext_is_padded_to_32_bytes():
    crypto = A.crypto()
    for n in range(0, 70):
        assert len(base64.b64decode(crypto.encrypt(b"m" * n))) % 32 == 0


@pytest.mark.parametrize("corp", [A, B], ids=["A", "B"])
def test_wechatpy_encrypts_we_verify_and_decrypt(corp: Corp):
    xml = "<xml><Content><![CDATA[请假 hello]]></Content></xml>"
    out = fromstring(
        WeChatCrypto(corp.token, corp.aes_key, corp.corp_id).encrypt_message(
            xml, "nonce42", "1700000000"
        )
    )
    encrypt, sig = out.findtext("Encrypt"), out.findtext("MsgSignature")
    crypto = corp.crypto()
    assert crypto.verify(sig, "1700000000", "nonce42", encrypt)
    assert crypto.decrypt(encrypt).decode() == xml


@pytest.mark.parametrize("corp", [A, B], ids=["A", "B"])
def test_we_encrypt_wechatpy_verifies_and_decrypts(corp: Corp):
    xml = "<xml><Content><![CDATA[请假 hello]]></Content></xml>"
    crypto = corp.crypto()
    encrypt = crypto.encrypt(xml.encode())
    sig = crypto.signature("1700000000", "nonce42", encrypt)
    theirs = WeChatCrypto(corp.token, corp.aes_key, corp.corp_id)
    assert theirs.decrypt_message(envelope_xml(encrypt), sig, "1700000000", "nonce42") == xml
    assert theirs.check_signature(sig, "1700000000", "nonce42", encrypt) == xml


# ---- failures -------------------------------------------------------------

A_MSG = frame(b"<xml/>", A.corp_id.encode())

BAD_PAYLOADS = [
    pytest.param(A_MSG_ENCRYPT, "ww0000000000000000", id="wrong-corp"),
    pytest.param(A_MSG_ENCRYPT, B.corp_id, id="wrong-corp-other-vector"),
    pytest.param(A_MSG_ENCRYPT, A.corp_id + "x", id="corp-id-with-suffix"),
    pytest.param(A_MSG_ENCRYPT, A.corp_id[:-1], id="corp-id-truncated"),
    pytest.param(raw_encrypt(A, pad32(frame(b"<xml/>", b""))), None, id="no-receive-id"),
    pytest.param("not base64!!", None, id="bad-base64-chars"),
    pytest.param("abc", None, id="bad-base64-length"),
    pytest.param("密文", None, id="bad-base64-non-ascii"),
    pytest.param(A_ECHOSTR[:20] + "\n" + A_ECHOSTR[20:], None, id="bad-base64-newline"),
    pytest.param("", None, id="empty"),
    pytest.param("====", None, id="only-padding"),
    pytest.param(base64.b64encode(b"\x00" * 17).decode(), None, id="truncated-17"),
    pytest.param(
        base64.b64encode(base64.b64decode(A_MSG_ENCRYPT)[:-1]).decode(), None, id="truncated-1"
    ),
    pytest.param(base64.b64encode(b"x" * 15).decode(), None, id="shorter-than-block"),
    pytest.param(raw_encrypt(A, pad32(A_MSG)[:-1] + b"\x00"), None, id="pad-byte-0"),
    pytest.param(raw_encrypt(A, pad32(A_MSG)[:-1] + b"\x21"), None, id="pad-byte-33"),
    pytest.param(raw_encrypt(A, b"\x21" * 64), None, id="pad-33-consistent"),
    pytest.param(raw_encrypt(A, pad32(A_MSG)[:-1] + b"\xff"), None, id="pad-byte-255"),
    pytest.param(raw_encrypt(A, b"\x20" * 16), None, id="pad-longer-than-data"),
    pytest.param(
        raw_encrypt(A, pad32(A_MSG)[:-2] + b"\x00" + pad32(A_MSG)[-1:]), None, id="pad-inconsistent"
    ),
    pytest.param(
        raw_encrypt(A, pad32(frame(b"<xml/>", A.corp_id.encode(), length=0xFFFFFFFF))),
        None,
        id="length-field-huge",
    ),
    pytest.param(
        raw_encrypt(A, pad32(frame(b"<xml/>", A.corp_id.encode(), length=6 + 19))),
        None,
        id="length-field-past-end",
    ),
    pytest.param(raw_encrypt(A, pad32(b"R" * 16)), None, id="no-length-field"),
    pytest.param(raw_encrypt(A, pad32(b"R" * 18)), None, id="partial-length-field"),
    pytest.param(flip(A_MSG_ENCRYPT, 0), None, id="flipped-first-byte"),
    pytest.param(flip(A_MSG_ENCRYPT, -1), None, id="flipped-last-byte"),
    pytest.param(flip(A_MSG_ENCRYPT, -17), None, id="flipped-before-last-block"),
    pytest.param(flip(A_MSG_ENCRYPT, -33), None, id="flipped-corp-id-block"),
    pytest.param(flip(A_ECHOSTR, 3), None, id="flipped-echostr"),
]


@pytest.mark.parametrize(("encrypt", "receive_id"), BAD_PAYLOADS)
def test_decrypt_failures_raise_crypto_error(encrypt: str, receive_id: str | None):
    with pytest.raises(CryptoError) as info:
        A.crypto(receive_id).decrypt(encrypt)
    assert "xml" not in str(info.value).lower()
    assert A.corp_id not in str(info.value)


@pytest.mark.parametrize("receive_id", ["ww0000000000000000", B.corp_id, A.corp_id + "x"])
def test_a_message_for_another_corp_is_told_apart(receive_id: str):
    """The callback answers 403 for a wrong corp id, 400 for a broken payload."""
    with pytest.raises(WrongReceiver):
        A.crypto(receive_id).decrypt(A_MSG_ENCRYPT)


def test_wrong_key_raises_crypto_error():
    wrong_key = Corp(A.corp_id, A.token, B.aes_key)
    with pytest.raises(CryptoError):
        wrong_key.crypto().decrypt(A_MSG_ENCRYPT)


def test_random_garbage_only_ever_raises_crypto_error():
    rng = random.Random(20240901)
    crypto = A.crypto()
    for _ in range(3000):
        raw = rng.randbytes(rng.choice([0, 1, 15, 16, 32, 48, 64, 96, 130]))
        with contextlib.suppress(CryptoError):
            crypto.decrypt(base64.b64encode(raw).decode())


@pytest.mark.parametrize(
    ("aes_key", "why"),
    [
        ("short", "too short"),
        (A.aes_key + "A", "44 characters"),
        ("!" * 43, "not base64"),
        ("密" * 43, "non-ascii"),
        ("", "empty"),
    ],
)
def test_bad_encoding_aes_key_raises_crypto_error(aes_key: str, why: str):
    with pytest.raises(CryptoError):
        WeComCrypto(A.token, aes_key, A.corp_id)


@pytest.mark.parametrize("prefix", [b"", b"x" * 15, b"x" * 17])
def test_encrypt_rejects_wrong_random_prefix(prefix: bytes):
    with pytest.raises(CryptoError):
        A.crypto().encrypt(b"hi", prefix)


def _one_char_changed(value: str) -> str:
    last = value[-1]
    return value[:-1] + ("0" if last != "0" else "1")


@pytest.mark.parametrize("field", ["signature", "timestamp", "nonce", "encrypt"])
@pytest.mark.parametrize(("corp", "sig", "ts", "nonce", "encrypt"), SIGNED)
def test_verify_false_after_one_char_change(
    field: str, corp: Corp, sig: str, ts: str, nonce: str, encrypt: str
):
    args = {"signature": sig, "timestamp": ts, "nonce": nonce, "encrypt": encrypt}
    args[field] = _one_char_changed(args[field])
    crypto = corp.crypto()
    assert (
        crypto.verify(args["signature"], args["timestamp"], args["nonce"], args["encrypt"]) is False
    )


@pytest.mark.parametrize(
    "sig", ["", "0" * 40, A_MSG_SIG.upper(), A_MSG_SIG + "0", "签名", "\ud800"]
)
def test_verify_false_for_odd_signatures_without_raising(sig: str):
    assert A.crypto().verify(sig, A_MSG_TS, A_MSG_NONCE, A_MSG_ENCRYPT) is False


def test_verify_wrong_token_is_false():
    crypto = WeComCrypto("other-token", A.aes_key, A.corp_id)
    assert not crypto.verify(A_MSG_SIG, A_MSG_TS, A_MSG_NONCE, A_MSG_ENCRYPT)
