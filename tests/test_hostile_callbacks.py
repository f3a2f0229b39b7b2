"""Hostile and broken callbacks: each gets its status, and nothing is recorded or sent."""

from __future__ import annotations

import base64
import os
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from bot.crypto import WeComCrypto
from models.messaging import InboxMessage, OutboxMessage
from tests.harness import Harness


@dataclass(frozen=True)
class Attack:
    """How to spoil a callback: build (params, body) from the harness."""

    build: Callable[[Harness], tuple[dict[str, str], bytes]]
    status: int


def sealed_text(h: Harness, content: str = "帮助", user: str = "parent_zhang"):  # type: ignore[no-untyped-def]
    return h.sealed(h.inner_text_xml(user, content))


def sealed_raw(h: Harness, plain: bytes, receive_id: str | None = None):  # type: ignore[no-untyped-def]
    """Encrypt arbitrary bytes with our key (optionally for another corp) and sign them."""
    w = h.config.wecom
    crypto = WeComCrypto(w.token, w.encoding_aes_key, receive_id or w.corp_id)
    return signed_encrypt(h, crypto.encrypt(plain))


def signed_encrypt(h: Harness, encrypt: str):  # type: ignore[no-untyped-def]
    w = h.config.wecom
    crypto = WeComCrypto(w.token, w.encoding_aes_key, w.corp_id)
    ts = str(int(h.clock().timestamp()))
    params = {"msg_signature": crypto.signature(ts, "n", encrypt), "timestamp": ts, "nonce": "n"}
    return params, f"<xml><Encrypt><![CDATA[{encrypt}]]></Encrypt></xml>".encode()


def with_params(change: dict[str, str]):  # type: ignore[no-untyped-def]
    def build(h: Harness):  # type: ignore[no-untyped-def]
        params, body = sealed_text(h)
        return {**params, **change}, body
    return build


def shifted(seconds: int):  # type: ignore[no-untyped-def]
    def build(h: Harness):  # type: ignore[no-untyped-def]
        h.clock.advance(seconds=seconds)
        try:
            return sealed_text(h)
        finally:
            h.clock.advance(seconds=-seconds)
    return build


def inner(xml: str):  # type: ignore[no-untyped-def]
    return lambda h: sealed_raw(h, xml.replace("{now}", str(int(h.clock().timestamp())))
                                .encode("utf-8"))


def raw_cipher(mangle: Callable[[bytes], bytes]):  # type: ignore[no-untyped-def]
    def build(h: Harness):  # type: ignore[no-untyped-def]
        w = h.config.wecom
        good = WeComCrypto(w.token, w.encoding_aes_key, w.corp_id).encrypt(b"<xml/>")
        return signed_encrypt(h, base64.b64encode(mangle(base64.b64decode(good))).decode())
    return build


def bad_padding(raw: bytes) -> bytes:
    """Re-encrypt a plaintext whose last byte is not valid PKCS#7 padding."""
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    key = base64.b64decode("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG=")
    enc = Cipher(algorithms.AES(key), modes.CBC(key[:16])).encryptor()
    return enc.update(os.urandom(31) + b"\x00") + enc.finalize()


TEXT = ("<xml><ToUserName>c</ToUserName><FromUserName>{user}</FromUserName>"
        "<CreateTime>{now}</CreateTime><MsgType>{type}</MsgType><Content>{content}</Content>"
        "<MsgId>99</MsgId><AgentID>1000002</AgentID></xml>")
LAUGHS = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;'
          '&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]><xml><Encrypt>&c;</Encrypt></xml>')

ATTACKS = {
    "bad signature": Attack(with_params({"msg_signature": "0" * 40}), 403),
    "missing signature": Attack(lambda h: ({"timestamp": "1", "nonce": "n"},
                                           sealed_text(h)[1]), 400),
    "non-numeric timestamp": Attack(with_params({"timestamp": "12ab"}), 403),
    "stale timestamp": Attack(shifted(-301), 403),
    "future timestamp": Attack(shifted(301), 403),
    "wrong corp id": Attack(lambda h: sealed_raw(h, TEXT.format(
        user="parent_zhang", now=int(h.clock().timestamp()), type="text",
        content="帮助").encode(), receive_id="ww_another_corp"), 403),
    "body over 64 KiB": Attack(lambda h: (sealed_text(h)[0], b"<xml>" + b"a" * 70_000), 413),
    "2 MB content": Attack(lambda h: sealed_text(h, "长" * 700_000), 413),
    "empty body": Attack(lambda h: (sealed_text(h)[0], b""), 400),
    "not xml": Attack(lambda h: (sealed_text(h)[0], b"hello"), 400),
    "entity expansion": Attack(lambda h: (sealed_text(h)[0], LAUGHS.encode()), 400),
    "no Encrypt": Attack(lambda h: (sealed_text(h)[0], b"<xml><ToUserName>x</ToUserName></xml>"),
                         400),
    "truncated AES block": Attack(raw_cipher(lambda raw: raw[:-5]), 400),
    "bad padding": Attack(raw_cipher(bad_padding), 400),
    "inner not xml": Attack(inner("not xml at all"), 400),
    "inner invalid utf-8": Attack(lambda h: sealed_raw(h, b"<xml>\xff\xfe</xml>"), 400),
    "inner entity expansion": Attack(inner(LAUGHS), 400),
    # well signed without a sender: acknowledged (200) and ignored, so WeCom does not retry it
    "missing FromUserName": Attack(inner("<xml><CreateTime>{now}</CreateTime>"
                                         "<MsgType>text</MsgType><MsgId>1</MsgId></xml>"), 200),
    "script as userid": Attack(inner(TEXT.replace("{user}", "&lt;script&gt;").replace(
        "{type}", "text").replace("{content}", "x")), 400),
    "absurd CreateTime": Attack(inner(TEXT.replace("{now}", "99999999999999").format(
        user="parent_zhang", type="text", content="x")), 400),
    "over-long Content": Attack(inner(TEXT.replace("{content}", "字" * 5000).replace(
        "{user}", "parent_zhang").replace("{type}", "text")), 400),
    "raw control characters": Attack(inner(TEXT.replace("{content}", "\x01\x02\x1b[2J").replace(
        "{user}", "parent_zhang").replace("{type}", "text")), 400),
    "unknown MsgType": Attack(inner(TEXT.replace("{type}", "hologram").replace(
        "{user}", "parent_zhang").replace("{content}", "x")), 200),
    "unknown Event": Attack(inner("<xml><FromUserName>parent_zhang</FromUserName><CreateTime>"
                                  "{now}</CreateTime><MsgType>event</MsgType><Event>teleport"
                                  "</Event><AgentID>1000002</AgentID></xml>"), 200),
}


@pytest.mark.parametrize("name", list(ATTACKS))
async def test_hostile_callback_changes_nothing(harness: Harness, name: str) -> None:
    attack = ATTACKS[name]
    params, body = attack.build(harness)
    resp = await harness.client.post("/wecom/callback", params=params, data=body)
    text = await resp.text()
    assert resp.status == attack.status, text
    assert "Traceback" not in text
    await harness.drain()
    async with harness.db.read() as session:
        for model in (InboxMessage, OutboxMessage):
            assert await session.scalar(select(func.count()).select_from(model)) == 0
    assert harness.standin.delivered == []


async def test_url_check_with_a_bad_signature_is_refused(harness: Harness) -> None:
    resp = await harness.client.get("/wecom/callback", params={
        "msg_signature": "0" * 40, "timestamp": str(int(harness.clock().timestamp())),
        "nonce": "n", "echostr": "abc"})
    assert resp.status == 403


async def test_a_replayed_body_after_the_window_is_refused(harness: Harness) -> None:
    params, body = sealed_text(harness)
    assert (await harness.client.post("/wecom/callback", params=params, data=body)).status == 200
    harness.clock.advance(seconds=400)
    assert (await harness.client.post("/wecom/callback", params=params, data=body)).status == 403
    async with harness.db.read() as session:
        assert await session.scalar(select(func.count()).select_from(InboxMessage)) == 1
