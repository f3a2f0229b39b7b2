"""Routers and the dispatcher: the first matching handler wins; role gates sit on routers.

Filters: `Command` (a command word), `ButtonPrefix` (a card's button), `InState` (while a
dialog is in a state, e.g. a dialog's own 确认), `WaitingFor` (a dialog step waiting for an
answer: never a command), `is_image`, or any callable of (message, data).
"""

from __future__ import annotations

import inspect
import re
import unicodedata
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from handlers.dialogs import Step
from models.messages import CardClick, ImageMessage, Incoming, Reply, Text, TextMessage

if TYPE_CHECKING:
    from bot.config import Config

# A filter looks at the message and the injected data; it answers False (no match),
# True (match) or a dict of extra values for the handler (e.g. a command's arguments).
Filter = Callable[[Incoming, dict[str, Any]], bool | dict[str, Any]]
HandlerResult = Reply | str | Sequence[Reply | str] | None
Handler = Callable[..., Awaitable[HandlerResult]]
H = TypeVar("H", bound=Handler)
# Who a router admits: fixed roles, or roles the school's config names (e.g. its approvers).
RoleGate = frozenset[str] | Callable[["Config"], Collection[str]]


def normalize_text(text: str) -> str:
    """Fold full-width forms and runs of spaces so 「批准　１７」 reads as 「批准 17」."""
    folded = unicodedata.normalize("NFKC", text)
    folded = "".join(ch for ch in folded if ch == " " or unicodedata.category(ch)[0] != "C"
                     or ch in "\n\t")
    return re.sub(r"\s+", " ", folded).strip()


@dataclass(frozen=True)
class Command:
    """Matches a text whose first word is one of `words`; passes the rest as `args`."""

    words: tuple[str, ...]

    def __init__(self, *words: str) -> None:
        object.__setattr__(self, "words", words)

    def __call__(self, message: Incoming, data: dict[str, Any]) -> bool | dict[str, Any]:
        if not isinstance(message, TextMessage):
            return False
        text = data["text"]
        for word in sorted(self.words, key=len, reverse=True):
            if text == word or text.startswith(word + " "):
                return {"args": text[len(word):].strip()}
            if text.startswith(word) and _is_glued_argument(text[len(word):]):
                return {"args": text[len(word):].strip()}
        return False


def _is_glued_argument(rest: str) -> bool:
    """`批准17` or `撤销#17`: a command word written straight against a number."""
    return bool(re.match(r"[#＃]?\d", rest))


@dataclass(frozen=True)
class InState:
    """Matches while the user's dialog is in one of the named states (or under a prefix)."""

    prefix: str

    def __call__(self, message: Incoming, data: dict[str, Any]) -> bool:
        state = data["dialog"].state
        return state is not None and (state == self.prefix or state.startswith(self.prefix + ":"))


@dataclass(frozen=True)
class WaitingFor:
    """Matches while the user's dialog is at `step` and the message is not a command.

    A step that waits for free text (a reason, a date, a name) never captures a command of any
    router: whether the message is one is worked out once per message, before routing, from
    every handler a command word or a card button selects (`is_command`).
    """

    step: Step

    def __call__(self, message: Incoming, data: dict[str, Any]) -> bool:
        return data["dialog"].state == self.step.state and not data["is_command"]


@dataclass(frozen=True)
class ButtonPrefix:
    """Matches a card click whose button key starts with `prefix`; passes the rest as `args`."""

    prefix: str

    def __call__(self, message: Incoming, data: dict[str, Any]) -> bool | dict[str, Any]:
        if isinstance(message, CardClick) and message.button_key.startswith(self.prefix):
            return {"args": message.button_key[len(self.prefix):]}
        return False


def is_image(message: Incoming, data: dict[str, Any]) -> bool:
    return isinstance(message, ImageMessage)


@dataclass
class _Registered:
    filters: tuple[Filter, ...]
    handler: Handler
    params: tuple[str, ...]

    @property
    def is_command(self) -> bool:
        """Selected by a command word or a card button (not by a dialog's waiting step)."""
        return any(isinstance(f, Command | ButtonPrefix) for f in self.filters)

    @property
    def waiting_for(self) -> Step | None:
        return next((f.step for f in self.filters if isinstance(f, WaitingFor)), None)


@dataclass
class Router:
    """A set of handlers for one concern; `roles` gates every handler on it."""

    name: str
    roles: RoleGate | None = None
    handlers: list[_Registered] = field(default_factory=list)

    def on(self, *filters: Filter) -> Callable[[H], H]:
        """Register a handler; it receives the injected values its parameters name."""

        def register(handler: H) -> H:
            params = tuple(inspect.signature(handler).parameters)
            registered = _Registered(filters, handler, params)
            if registered.is_command and registered.waiting_for is not None:
                raise ValueError(f"{handler.__qualname__}: a command cannot wait for an answer")
            self.handlers.append(registered)
            return handler

        return register

    def allows(self, roles: frozenset[str], config: Config) -> bool:
        if self.roles is None:
            return True
        admitted = self.roles if isinstance(self.roles, frozenset) else self.roles(config)
        return not roles.isdisjoint(admitted)


@dataclass(frozen=True)
class Match:
    router: Router
    handler: _Registered
    extra: dict[str, Any]


def command_handlers(routers: Sequence[Router]) -> tuple[_Registered, ...]:
    """Every handler a command word or a card button selects, of every router."""
    return tuple(h for router in routers for h in router.handlers if h.is_command)


def is_command(commands: Sequence[_Registered], message: Incoming, data: dict[str, Any]) -> bool:
    """Whether some command handler would take this message (whoever may run it): a message
    that is a command is the command, never the answer a dialog waits for."""
    return any(_match(h.filters, message, data) is not None for h in commands)


def waiting_steps(routers: Sequence[Router]) -> dict[str, Step]:
    """The dialog steps the routers wait for, by state name."""
    return {step.state: step for router in routers for h in router.handlers
            if (step := h.waiting_for) is not None}


def find_handler(routers: Sequence[Router], message: Incoming,
                 data: dict[str, Any]) -> tuple[Match | None, bool]:
    """The first handler whose filters match and whose router admits the user.

    The second value tells whether some handler matched but its router refused the user's roles,
    so the caller can answer with a refusal instead of help.
    """
    forbidden = False
    for router in routers:
        for registered in router.handlers:
            extra = _match(registered.filters, message, data)
            if extra is None:
                continue
            if not router.allows(data["user"].roles, data["config"]):
                forbidden = True
                break
            return Match(router, registered, extra), forbidden
    return None, forbidden


def _match(filters: tuple[Filter, ...], message: Incoming,
           data: dict[str, Any]) -> dict[str, Any] | None:
    extra: dict[str, Any] = {}
    for check in filters:
        result = check(message, data)
        if result is False:
            return None
        if isinstance(result, dict):
            extra.update(result)
    return extra


async def call_handler(match: Match, data: dict[str, Any]) -> list[Reply]:
    """Run a matched handler with the values it asks for; normalise what it returns."""
    values = {**data, **match.extra}
    missing = [p for p in match.handler.params if p not in values]
    if missing:
        raise TypeError(f"{match.handler.handler.__qualname__} asks for unknown {missing}")
    result = await match.handler.handler(**{p: values[p] for p in match.handler.params})
    return as_replies(result)


def as_replies(result: HandlerResult) -> list[Reply]:
    """A handler may answer with nothing, a string, a reply or a list of them."""
    if result is None:
        return []
    if isinstance(result, str | Reply):
        result = [result]
    return [Text(r) if isinstance(r, str) else r for r in result]
