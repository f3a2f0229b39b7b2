"""What a handler can ask for by parameter name: the user and their dialog (the engine also
injects the unit of work's `Notifier`, from models.messages)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from handlers.dialogs import Step


@dataclass(frozen=True)
class User:
    """The sender as the roster knows them; roles never come from what they type."""

    userid: str
    name: str
    roles: frozenset[str]


@dataclass
class Dialog:
    """The sender's dialog: a named state and its data; handlers change it, the engine saves it."""

    state: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    changed: bool = False

    def go(self, step: Step, **data: Any) -> None:
        """Move to a declared step (handlers/dialogs.py), adding `data` to what the dialog
        holds; a step of another dialog starts afresh."""
        same = self.state is not None and self.state.split(":", 1)[0] == step.conversation
        self.state = step.state
        self.data = {**(self.data if same else {}), **data}
        self.changed = True

    def end(self) -> None:
        self.state, self.data, self.changed = None, {}, True
