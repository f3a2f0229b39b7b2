"""What a handler can ask for by parameter name: the user, their dialog, a way to notify others."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from handlers.types import Outgoing, Reply, Text

PARENT = "家长"


@dataclass(frozen=True)
class User:
    """The sender as the roster knows them; roles never come from what they type."""

    userid: str
    name: str
    roles: frozenset[str]

    @property
    def known(self) -> bool:
        return bool(self.roles)


@dataclass
class Dialog:
    """The sender's dialog: a named state and its data; handlers change it, the engine saves it."""

    state: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    changed: bool = False

    def go(self, state: str, **data: Any) -> None:
        """Move to `state`, keeping earlier data and adding `data`."""
        self.state = state
        self.data = {**self.data, **data}
        self.changed = True

    def end(self) -> None:
        self.state, self.data, self.changed = None, {}, True


@dataclass
class Notifier:
    """Messages for people other than the sender, queued in the same unit of work."""

    messages: list[Outgoing] = field(default_factory=list)

    def send(self, userid: str, reply: Reply | str, *, key: str | None = None) -> None:
        """Queue a message; with a key, a second message under the same key is dropped."""
        message = Text(reply) if isinstance(reply, str) else reply
        self.messages.append(Outgoing(userid, message, key))

    def send_all(self, userids: list[str] | set[str] | tuple[str, ...], reply: Reply | str) -> None:
        for userid in sorted(set(userids)):
            self.send(userid, reply)
