"""parse_envelope / parse_message: every accepted shape and every reason to answer 400."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.inbound import Envelope, MalformedCallback, parse_envelope, parse_message
from models.messages import CardClick, ImageMessage, Incoming, OtherMessage, TextMessage

CORP = "ww1436e0e65a779aee"
TS = 1_700_000_000
CREATED = datetime.fromtimestamp(TS, tz=UTC)

BASE = {
    "ToUserName": CORP,
    "FromUserName": "zhangsan",
    "CreateTime": str(TS),
    "MsgType": "text",
    "AgentID": "1000002",
}
NUMERIC = {"CreateTime", "AgentID", "MsgId"}


def xml(**fields: str | None) -> bytes:
    """Inner callback XML: BASE overridden by `fields`; a None value drops the element."""
    merged = {**BASE, **fields}
    parts = []
    for name, value in merged.items():
        if value is None:
            continue
        body = value if name in NUMERIC else f"<![CDATA[{value}]]>"
        parts.append(f"<{name}>{body}</{name}>")
    return ("<xml>" + "".join(parts) + "</xml>").encode()


def text(**fields: str | None) -> bytes:
    return xml(**{"Content": "请假", "MsgId": "7000000000000000001", **fields})


def card(**fields: str | None) -> bytes:
    return xml(
        **{
            "MsgType": "event",
            "Event": "template_card_event",
            "EventKey": "approve",
            "TaskId": "leave-42-1",
            "CardType": "button_interaction",
            "ResponseCode": "rc-abc",
            **fields,
        }
    )


def msg(**kw: Any) -> dict[str, Any]:
    """Common typed-message fields for the expected values."""
    return {"userid": "zhangsan", "agent_id": 1000002, "created": CREATED, **kw}


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE xml [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<xml><FromUserName>zhangsan</FromUserName><CreateTime>1700000000</CreateTime>\
<MsgType>text</MsgType><Content>&lol9;</Content><MsgId>1</MsgId>\
<Encrypt>&lol9;</Encrypt></xml>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><FromUserName>zhangsan</FromUserName><CreateTime>1700000000</CreateTime>\
<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>1</MsgId>\
<Encrypt>&xxe;</Encrypt></xml>"""

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY % remote SYSTEM "http://127.0.0.1:1/evil.dtd"> %remote;]>
<xml><Encrypt>x</Encrypt></xml>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE xml SYSTEM "http://127.0.0.1:1/evil.dtd">
<xml><Encrypt>x</Encrypt></xml>"""

PLAIN_DOCTYPE = b"<!DOCTYPE xml><xml><Encrypt>x</Encrypt></xml>"

HOSTILE = [
    pytest.param(BILLION_LAUGHS, id="billion-laughs"),
    pytest.param(EXTERNAL_ENTITY, id="external-entity"),
    pytest.param(PARAMETER_ENTITY, id="parameter-entity"),
    pytest.param(EXTERNAL_DTD, id="external-dtd"),
    pytest.param(PLAIN_DOCTYPE, id="plain-doctype"),
]

NOT_XML = [
    pytest.param(b"", id="empty"),
    pytest.param(b"hello", id="plain-text"),
    pytest.param(b'{"Encrypt": "x"}', id="json"),
    pytest.param(b"<xml><Encrypt>x</Encrypt>", id="unclosed"),
    pytest.param(b"<xml><Encrypt>x</Encrypt></yml>", id="mismatched"),
    pytest.param(b"<xml/><xml/>", id="two-roots"),
    pytest.param(b"<xml><Encrypt>\x01</Encrypt></xml>", id="control-char"),
    pytest.param(b"<xml><Encrypt>&nbsp;</Encrypt></xml>", id="undefined-entity"),
]

NOT_UTF8 = [
    pytest.param(b"<xml><Encrypt>\xff\xfe</Encrypt></xml>", id="invalid-bytes"),
    pytest.param(b"<xml><Encrypt>\xc3</Encrypt></xml>", id="truncated-sequence"),
    pytest.param(
        '<?xml version="1.0" encoding="GBK"?><xml><Encrypt>请假</Encrypt></xml>'.encode("gbk"),
        id="gbk",
    ),
    pytest.param("<xml><Encrypt>x</Encrypt></xml>".encode("utf-16"), id="utf-16"),
]


# ---- envelope -------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            b"<xml><ToUserName><![CDATA[ww1]]></ToUserName><AgentID><![CDATA[1000002]]></AgentID>"
            b"<Encrypt><![CDATA[abc+/=]]></Encrypt></xml>",
            Envelope("ww1", "1000002", "abc+/="),
            id="full",
        ),
        pytest.param(
            b"<xml><ToUserName>ww1</ToUserName><Encrypt>abc</Encrypt></xml>",
            Envelope("ww1", "", "abc"),
            id="no-agent-id",
        ),
        pytest.param(b"<xml><Encrypt>abc</Encrypt></xml>", Envelope("", "", "abc"), id="bare"),
        pytest.param(
            b'<?xml version="1.0" encoding="UTF-8"?>\n<xml>\n  <ToUserName>ww1</ToUserName>\n'
            b"  <AgentID>7</AgentID>\n  <Encrypt>\n abc \n</Encrypt>\n</xml>\n",
            Envelope("ww1", "7", "abc"),
            id="pretty-printed",
        ),
    ],
)
def test_parse_envelope_accepts(body: bytes, expected: Envelope):
    assert parse_envelope(body) == expected


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"<xml><ToUserName>ww1</ToUserName></xml>", id="missing-encrypt"),
        pytest.param(b"<xml><Encrypt></Encrypt></xml>", id="empty-encrypt"),
        pytest.param(b"<xml><Encrypt><![CDATA[ ]]></Encrypt></xml>", id="blank-encrypt"),
        *NOT_XML,
        *NOT_UTF8,
        *HOSTILE,
    ],
)
def test_parse_envelope_rejects(body: bytes):
    with pytest.raises(MalformedCallback):
        parse_envelope(body)


# ---- accepted messages ----------------------------------------------------

ACCEPTED = [
    pytest.param(
        text(), TextMessage(**msg(content="请假", msg_id="7000000000000000001")), id="text"
    ),
    pytest.param(
        text(Content="\t 请假\n明天 \x7f\x85\u200b\u202e😀 "),
        TextMessage(
            **msg(content="\t 请假\n明天 \x7f\x85\u200b\u202e😀 ", msg_id="7000000000000000001")
        ),
        id="text-kept-as-is",
    ),
    pytest.param(
        b"<xml><FromUserName>zhangsan</FromUserName><CreateTime>1700000000</CreateTime>"
        b"<MsgType>text</MsgType><Content>a &lt;b&gt; &amp; &#13;</Content><MsgId>1</MsgId>"
        b"<AgentID>1000002</AgentID></xml>",
        TextMessage(**msg(content="a <b> & \r", msg_id="1")),
        id="text-escaped",
    ),
    pytest.param(
        text(Content=""),
        TextMessage(**msg(content="", msg_id="7000000000000000001")),
        id="text-empty",
    ),
    pytest.param(
        text(Content=None),
        TextMessage(**msg(content="", msg_id="7000000000000000001")),
        id="text-no-content",
    ),
    pytest.param(
        text(Content="假" * 4096),
        TextMessage(**msg(content="假" * 4096, msg_id="7000000000000000001")),
        id="text-4096-chars",
    ),
    pytest.param(
        text(AgentID=None),
        TextMessage(**{**msg(content="请假", msg_id="7000000000000000001"), "agent_id": 0}),
        id="no-agent-id",
    ),
    pytest.param(
        text(AgentID=""),
        TextMessage(**{**msg(content="请假", msg_id="7000000000000000001"), "agent_id": 0}),
        id="empty-agent-id",
    ),
    pytest.param(
        text(ToUserName=None),
        TextMessage(**msg(content="请假", msg_id="7000000000000000001")),
        id="no-to-user",
    ),
    pytest.param(
        text(FromUserName="a.B_c-d@e1"),
        TextMessage(
            **{**msg(content="请假", msg_id="7000000000000000001"), "userid": "a.b_c-d@e1"}
        ),
        id="userid-all-allowed-chars-lower-cased",
    ),
    pytest.param(
        text(FromUserName="wwLinkedCorp01/Zhang.San"),
        TextMessage(**{**msg(content="请假", msg_id="7000000000000000001"),
                       "userid": "wwLinkedCorp01/zhang.san"}),
        id="linked-corp-member",
    ),
    pytest.param(
        text(FromUserName="u" * 64),
        TextMessage(**{**msg(content="请假", msg_id="7000000000000000001"), "userid": "u" * 64}),
        id="userid-64-chars",
    ),
    pytest.param(
        text(CreateTime=" 1700000000 "),
        TextMessage(**msg(content="请假", msg_id="7000000000000000001")),
        id="create-time-padded",
    ),
    pytest.param(
        b'<?xml version="1.0" encoding="UTF-8"?>\n<xml>\n'
        b"  <ToUserName><![CDATA[ww1]]></ToUserName>\n"
        b"  <FromUserName><![CDATA[zhangsan]]></FromUserName>\n"
        b"  <CreateTime>1700000000</CreateTime>\n"
        b"  <MsgType><![CDATA[text]]></MsgType>\n  <Content><![CDATA[hi]]></Content>\n"
        b"  <MsgId>9</MsgId>\n  <AgentID>1000002</AgentID>\n</xml>\n",
        TextMessage(**msg(content="hi", msg_id="9")),
        id="pretty-printed-with-declaration",
    ),
    pytest.param(
        xml(MsgType="image", PicUrl="https://wework.qpic.cn/x", MediaId="MEDIA_1", MsgId="55"),
        ImageMessage(**msg(media_id="MEDIA_1", pic_url="https://wework.qpic.cn/x", msg_id="55")),
        id="image",
    ),
    *[
        pytest.param(
            xml(MsgType=kind, MediaId="m", MsgId="66"),
            OtherMessage(**msg(msg_type=kind, msg_id="66")),
            id=kind,
        )
        for kind in ("voice", "video", "location", "link", "file")
    ],
    pytest.param(
        card(),
        CardClick(**msg(task_id="leave-42-1", button_key="approve", response_code="rc-abc")),
        id="template-card-event",
    ),
    pytest.param(
        card(ResponseCode=None, CardType=None),
        CardClick(**msg(task_id="leave-42-1", button_key="approve", response_code="")),
        id="template-card-event-minimal",
    ),
]


@pytest.mark.parametrize(("body", "expected"), ACCEPTED)
def test_parse_message_accepts(body: bytes, expected: Incoming):
    got = parse_message(body)
    assert got == expected
    assert type(got) is type(expected)
    assert got is not None
    assert got.created.utcoffset() == timedelta(0)


def test_card_click_fields_and_dedupe_key():
    got = parse_message(card())
    assert isinstance(got, CardClick)
    assert got.task_id == "leave-42-1"
    assert got.button_key == "approve"
    assert got.response_code == "rc-abc"
    assert got.userid == "zhangsan"
    assert got.agent_id == 1000002
    assert got.created == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    assert got.dedupe_key == f"evt:zhangsan:{TS}:leave-42-1:approve"


# ---- acknowledged and ignored ---------------------------------------------

IGNORED = [
    pytest.param(xml(MsgType="event", Event="enter_agent", EventKey=""), id="enter-agent"),
    pytest.param(xml(MsgType="event", Event="subscribe"), id="subscribe"),
    pytest.param(xml(MsgType="event", Event="unsubscribe"), id="unsubscribe"),
    pytest.param(xml(MsgType="event", Event="click", EventKey="menu"), id="menu-click"),
    pytest.param(xml(MsgType="event", Event="some_future_event"), id="unknown-event"),
    pytest.param(xml(MsgType="event"), id="event-without-event"),
    pytest.param(card(Event="TEMPLATE_CARD_EVENT"), id="card-event-wrong-case"),
    pytest.param(xml(MsgType="miniprogram_notice", MsgId="1"), id="unknown-msg-type"),
    pytest.param(xml(MsgType="TEXT", Content="hi", MsgId="1"), id="msg-type-wrong-case"),
    # well signed but no sender of ours, or nothing we handle: acknowledged, never retried
    pytest.param(xml(MsgType="event", Event="kf_msg_or_event", FromUserName=None,
                     Token="t", OpenKfId="wk1"), id="kf-msg-or-event"),
    pytest.param(text(FromUserName=None), id="missing-from-user"),
    pytest.param(text(FromUserName=""), id="empty-from-user"),
    pytest.param(text(MsgType=None), id="missing-msg-type"),
    pytest.param(text(MsgType=""), id="empty-msg-type"),
    pytest.param(xml(MsgType="event", Event="enter_agent", FromUserName=None), id="event-no-user"),
    pytest.param(xml(MsgType="whatever", CreateTime="abc"), id="unknown-type-bad-time"),
]


@pytest.mark.parametrize("body", IGNORED)
def test_parse_message_ignores(body: bytes):
    assert parse_message(body) is None


# ---- malformed ------------------------------------------------------------

MALFORMED = [
    *NOT_XML,
    *NOT_UTF8,
    *HOSTILE,
    pytest.param(text(CreateTime=None), id="missing-create-time"),
    pytest.param(text(CreateTime=""), id="empty-create-time"),
    *[
        pytest.param(text(CreateTime=value), id=f"create-time-{label}")
        for label, value in [
            ("word", "yesterday"),
            ("negative", "-1700000000"),
            ("plus", "+1700000000"),
            ("float", "1700000000.5"),
            ("exponent", "1.7e9"),
            ("underscores", "1_700_000_000"),
            ("arabic-indic", "١٧٠٠٠٠٠٠٠٠"),
            ("zero", "0"),
            ("1970s", "86400"),
            ("milliseconds", "1700000000000"),
            ("year-2100", "4102444800"),
            ("huge", "9" * 40),
        ]
    ],
    *[
        pytest.param(text(AgentID=value), id=f"agent-id-{label}")
        for label, value in [
            ("word", "app"),
            ("negative", "-1"),
            ("float", "1000002.0"),
            ("exponent", "1e6"),
            ("arabic-indic", "١"),
            ("huge", "9" * 40),
        ]
    ],
    *[
        pytest.param(text(FromUserName=value), id=f"userid-{label}")
        for label, value in [
            ("space", "zhang san"),
            ("chinese", "张三"),
            ("two slashes", "a/b/c"),
            ("dotdot-path", "../etc/passwd"),
            ("semicolon", "a;b"),
            ("newline", "a\nb"),
            ("angle", "<script>"),
            ("65-chars", "u" * 65),
            ("fullwidth", "ｚｈａｎｇ"),
        ]
    ],
    pytest.param(text(MsgId=None), id="text-missing-msg-id"),
    pytest.param(text(MsgId=""), id="text-empty-msg-id"),
    pytest.param(text(Content="x" * 4097), id="text-4097-chars"),
    pytest.param(text(Content="x" * (2 * 1024 * 1024)), id="text-2MB"),
    pytest.param(xml(MsgType="image", PicUrl="u", MediaId="m"), id="image-missing-msg-id"),
    pytest.param(xml(MsgType="voice", MediaId="m"), id="voice-missing-msg-id"),
    pytest.param(card(TaskId=None), id="card-missing-task-id"),
    pytest.param(card(TaskId=""), id="card-empty-task-id"),
    pytest.param(card(EventKey=None), id="card-missing-event-key"),
    pytest.param(card(EventKey=""), id="card-empty-event-key"),
    pytest.param(card(AgentID="x"), id="card-bad-agent-id"),
]


@pytest.mark.parametrize("body", MALFORMED)
def test_parse_message_rejects(body: bytes):
    with pytest.raises(MalformedCallback) as info:
        parse_message(body)
    assert type(info.value) is MalformedCallback
    assert len(str(info.value)) < 80


@pytest.mark.parametrize("body", [BILLION_LAUGHS, EXTERNAL_ENTITY])
@pytest.mark.parametrize("parse", [parse_envelope, parse_message], ids=["envelope", "message"])
def test_entity_attacks_are_refused_quickly(body: bytes, parse):
    started = time.perf_counter()
    with pytest.raises(MalformedCallback):
        parse(body)
    assert time.perf_counter() - started < 0.5
