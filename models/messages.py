"""Typed messages in and replies out: the vocabulary the transport, handlers, services, jobs and
repositories share."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, ClassVar

# ---- incoming -------------------------------------------------------------


@dataclass(frozen=True)
class Incoming:
    """Anything a user sent; `dedupe_key` identifies one delivery across WeCom retries."""

    kind: ClassVar[str] = "unknown"
    userid: str
    agent_id: int
    created: datetime

    @property
    def dedupe_key(self) -> str:
        return f"{self.kind}:{self.userid}:{int(self.created.timestamp())}"

    def to_payload(self) -> dict[str, Any]:
        data = asdict(self)
        data["created"] = self.created.isoformat()
        return {"kind": self.kind, **data}


@dataclass(frozen=True)
class TextMessage(Incoming):
    kind: ClassVar[str] = "text"
    content: str
    msg_id: str

    @property
    def dedupe_key(self) -> str:
        return f"msg:{self.msg_id}"


@dataclass(frozen=True)
class ImageMessage(Incoming):
    kind: ClassVar[str] = "image"
    media_id: str
    pic_url: str
    msg_id: str

    @property
    def dedupe_key(self) -> str:
        return f"msg:{self.msg_id}"


@dataclass(frozen=True)
class OtherMessage(Incoming):
    """A message type we do not act on (voice, video, location, …): answered with help."""

    kind: ClassVar[str] = "other"
    msg_type: str
    msg_id: str

    @property
    def dedupe_key(self) -> str:
        return f"msg:{self.msg_id}"


@dataclass(frozen=True)
class CardClick(Incoming):
    """A button pressed on a template card (`template_card_event`)."""

    kind: ClassVar[str] = "card_click"
    task_id: str
    button_key: str
    response_code: str

    @property
    def dedupe_key(self) -> str:
        return f"evt:{self.userid}:{int(self.created.timestamp())}:{self.task_id}:{self.button_key}"


@dataclass(frozen=True)
class DirectoryChange(Incoming):
    """WeCom's directory changed a member (`change_contact`): `update_user` (maybe with a new
    userid) or `delete_user`. `userid` is the member concerned, not a sender."""

    kind: ClassVar[str] = "directory"
    change: str
    new_userid: str

    @property
    def dedupe_key(self) -> str:
        return (f"contact:{self.change}:{self.userid}:{self.new_userid}:"
                f"{int(self.created.timestamp())}")


@dataclass(frozen=True)
class SchoolContactChange(Incoming):
    """WeCom's 家校通讯录 changed (`change_school_contact`): a student, parent or department
    (`change`, e.g. update_parent, with its `id`). `userid` is "sys": no sender to answer."""

    kind: ClassVar[str] = "school_contact"
    change: str
    id: str

    @property
    def dedupe_key(self) -> str:
        return f"school-contact:{self.change}:{self.id}:{int(self.created.timestamp())}"


INCOMING_KINDS: dict[str, type[Incoming]] = {
    cls.kind: cls
    for cls in (TextMessage, ImageMessage, OtherMessage, CardClick, DirectoryChange,
                SchoolContactChange)
}


def incoming_from_payload(payload: dict[str, Any]) -> Incoming:
    """Rebuild a typed message stored in the inbox."""
    data = dict(payload)
    cls = INCOMING_KINDS[data.pop("kind")]
    data["created"] = datetime.fromisoformat(data["created"])
    return cls(**data)


# ---- outgoing -------------------------------------------------------------


@dataclass(frozen=True)
class Reply:
    """A message for one user; `kind` picks the WeCom message type."""

    kind: ClassVar[str] = "text"

    def to_payload(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Text(Reply):
    kind: ClassVar[str] = "text"
    content: str


@dataclass(frozen=True)
class Markdown(Reply):
    kind: ClassVar[str] = "markdown"
    content: str


@dataclass(frozen=True)
class Image(Reply):
    """An image WeCom already holds (e.g. a photo a parent sent), passed on by its media id."""

    kind: ClassVar[str] = "image"
    media_id: str


@dataclass(frozen=True)
class Button:
    key: str
    text: str
    style: int = 1  # 1 primary, 2 secondary, 3 red, 4 blue


@dataclass(frozen=True)
class ButtonCard(Reply):
    """A `button_interaction` template card; task_id is unique forever."""

    kind: ClassVar[str] = "template_card"
    task_id: str
    title: str
    description: str
    fields: tuple[tuple[str, str], ...] = ()
    buttons: tuple[Button, ...] = ()


@dataclass(frozen=True)
class CardUpdate(Reply):
    """Replace a card's buttons with a one-line outcome.

    `response_code` comes from the click being answered; without one, the outbox uses the code
    WeCom returned when the card with `task_id` was sent, or, holding none, sends `fallback`
    as a text.
    """

    kind: ClassVar[str] = "card_update"
    replace_name: str
    response_code: str = ""
    task_id: str = ""
    fallback: str = ""


@dataclass(frozen=True)
class Outgoing:
    """A reply addressed to one user, as handlers hand it to the outbox."""

    touser: str
    reply: Reply = field(default_factory=lambda: Text(""))
    key: str | None = None  # a job's notice: queued once per key, whatever re-runs happen
    # 企业微信 for a reply to a chat sender (a member, whoever else has that id); None: the
    # outbox picks the channel by the roster when it sends (models/rules/channel.py)
    channel: str | None = None


REPLY_KINDS: dict[str, type[Reply]] = {
    cls.kind: cls for cls in (Text, Markdown, Image, ButtonCard, CardUpdate)
}


def reply_from_payload(kind: str, payload: dict[str, Any]) -> Reply:
    """Rebuild a reply stored in the outbox."""
    cls = REPLY_KINDS[kind]
    if cls is ButtonCard:
        payload = dict(payload)
        payload["fields"] = tuple(tuple(f) for f in payload.get("fields", ()))
        payload["buttons"] = tuple(Button(**b) for b in payload.get("buttons", ()))
    return cls(**payload)


@dataclass
class Notifier:
    """Messages for people other than the sender, queued in the same unit of work."""

    messages: list[Outgoing] = field(default_factory=list)

    def send(self, userid: str, reply: Reply | str, *, key: str | None = None,
             channel: str | None = None) -> None:
        """Queue a message; with a key, a second message under the same key is dropped; with a
        channel (企业微信 / 家校), it goes that way rather than as the roster says."""
        message = Text(reply) if isinstance(reply, str) else reply
        self.messages.append(Outgoing(userid, message, key, channel))
