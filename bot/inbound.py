"""Parse WeCom callback XML (outer envelope and decrypted message) into typed messages."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from models.messages import (
    CardClick,
    DirectoryChange,
    ImageMessage,
    Incoming,
    OtherMessage,
    SchoolContactChange,
    TextMessage,
)

MAX_CONTENT_CHARS = 4096  # WeCom text is at most 2048 bytes; this is a generous cap
MIN_CREATE_TIME = 946_684_800  # 2000-01-01T00:00:00Z
MAX_CREATE_TIME = 4_102_444_800  # 2100-01-01T00:00:00Z
OTHER_MSG_TYPES = frozenset({"voice", "video", "location", "link", "file"})
CARD_EVENT = "template_card_event"
CONTACT_EVENT = "change_contact"
CONTACT_CHANGES = frozenset({"update_user", "delete_user"})
SCHOOL_CONTACT_EVENT = "change_school_contact"  # the 家校通讯录 changed: sync the roster
SCHOOL_SENDER = "sys"

_USERID = re.compile(r"[A-Za-z0-9_.@-]{1,64}")
# A 上下游 (linked corp) member writes as "corpid/userid"; the whole stays within our 64 chars.
_LINKED_USERID = re.compile(r"[A-Za-z0-9_-]{1,40}/[A-Za-z0-9_.@-]{1,63}")
_DIGITS = re.compile(r"[0-9]{1,19}")


class MalformedCallback(Exception):
    """The callback body is not a well-formed WeCom payload; the HTTP layer answers 400."""


@dataclass(frozen=True)
class Envelope:
    """The outer, still encrypted callback body."""

    to_user_name: str  # corp id on the outer XML
    agent_id: str  # may be "" if absent
    encrypt: str


def _parse_xml(body: bytes) -> Element:
    """Parse strict UTF-8 XML, refusing any DTD, entity declaration or external reference."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedCallback("body is not UTF-8") from None
    try:
        root: Element = fromstring(text, forbid_dtd=True, forbid_entities=True)
    except DefusedXmlException:
        raise MalformedCallback("DTD or entity declarations are not allowed") from None
    except ParseError:
        raise MalformedCallback("body is not XML") from None
    return root


def _field(root: Element, name: str, *, strip: bool = True) -> str:
    """Text of the first child `name`, "" when absent or empty."""
    child = root.find(name)
    text = child.text if child is not None and child.text is not None else ""
    return text.strip() if strip else text


def _required(root: Element, name: str) -> str:
    """Text of the child `name`; missing or empty is malformed."""
    value = _field(root, name)
    if not value:
        raise MalformedCallback(f"missing {name}")
    return value


def parse_envelope(body: bytes) -> Envelope:
    """Read ToUserName, AgentID and Encrypt from the outer callback XML."""
    root = _parse_xml(body)
    return Envelope(
        to_user_name=_field(root, "ToUserName"),
        agent_id=_field(root, "AgentID"),
        encrypt=_required(root, "Encrypt"),
    )


def _created(root: Element) -> datetime:
    """CreateTime (unix seconds) as an aware UTC datetime; non-numeric or absurd is malformed."""
    raw = _required(root, "CreateTime")
    if not _DIGITS.fullmatch(raw) or not MIN_CREATE_TIME <= int(raw) < MAX_CREATE_TIME:
        raise MalformedCallback("bad CreateTime")
    return datetime.fromtimestamp(int(raw), tz=UTC)


def _agent_id(root: Element) -> int:
    """AgentID as an int, 0 when absent; anything but digits is malformed."""
    raw = _field(root, "AgentID")
    if not raw:
        return 0
    if not _DIGITS.fullmatch(raw):
        raise MalformedCallback("bad AgentID")
    return int(raw)


def sender(raw: str) -> str | None:
    """The sender's userid as we key it (lower case: WeCom ids ignore case), a 上下游 member's
    "corpid/userid" with the corp id kept; None for what is no sender of ours."""
    if _USERID.fullmatch(raw):
        return raw.lower()
    if len(raw) <= 64 and _LINKED_USERID.fullmatch(raw):
        corp, _, userid = raw.partition("/")
        return f"{corp}/{userid.lower()}"
    return None


def _handled(root: Element) -> bool:
    """Whether we act on this message type (other events, e.g. kf_msg_or_event, are ignored)."""
    msg_type = _field(root, "MsgType")
    if msg_type == "event":
        return _field(root, "Event") == CARD_EVENT
    return msg_type in ("text", "image") or msg_type in OTHER_MSG_TYPES


def _directory_change(root: Element) -> DirectoryChange | None:
    """A `change_contact` event about a member we act on, else None."""
    change = _field(root, "ChangeType")
    userid = sender(_field(root, "UserID"))
    new_raw = _field(root, "NewUserID")
    new_userid = sender(new_raw) if new_raw else ""
    if change not in CONTACT_CHANGES or userid is None or new_userid is None:
        return None
    return DirectoryChange(userid=userid, agent_id=_agent_id(root), created=_created(root),
                           change=change, new_userid=new_userid)


def parse_message(plain: bytes) -> Incoming | None:
    """Turn decrypted inner XML into a typed message; None for what we acknowledge and ignore
    (any event or message type we do not handle, or one without a sender of ours)."""
    root = _parse_xml(plain)
    if _field(root, "MsgType") == "event" and _field(root, "Event") == CONTACT_EVENT:
        return _directory_change(root)
    if _field(root, "MsgType") == "event" and _field(root, "Event") == SCHOOL_CONTACT_EVENT:
        change = _field(root, "ChangeType")
        if not change or len(change) > 40:
            return None
        return SchoolContactChange(userid=SCHOOL_SENDER, agent_id=_agent_id(root),
                                   created=_created(root), change=change,
                                   id=_field(root, "Id")[:64])
    if not _handled(root):
        return None
    raw_userid = _field(root, "FromUserName")
    if not raw_userid:
        return None
    userid = sender(raw_userid)
    if userid is None:
        raise MalformedCallback("bad FromUserName")
    created = _created(root)
    msg_type = _required(root, "MsgType")
    agent_id = _agent_id(root)

    if msg_type == "event":
        task_id, button_key = _required(root, "TaskId"), _required(root, "EventKey")
        response_code = _field(root, "ResponseCode")
        return CardClick(
            userid=userid,
            agent_id=agent_id,
            created=created,
            task_id=task_id,
            button_key=button_key,
            response_code=response_code,
        )
    if msg_type == "text":
        content = _field(root, "Content", strip=False)
        if len(content) > MAX_CONTENT_CHARS:
            raise MalformedCallback("Content too long")
        msg_id = _required(root, "MsgId")
        return TextMessage(
            userid=userid, agent_id=agent_id, created=created, content=content, msg_id=msg_id
        )
    if msg_type == "image":
        media_id, pic_url = _field(root, "MediaId"), _field(root, "PicUrl")
        msg_id = _required(root, "MsgId")
        return ImageMessage(
            userid=userid,
            agent_id=agent_id,
            created=created,
            media_id=media_id,
            pic_url=pic_url,
            msg_id=msg_id,
        )
    msg_id = _required(root, "MsgId")
    return OtherMessage(
        userid=userid, agent_id=agent_id, created=created, msg_type=msg_type, msg_id=msg_id
    )
