"""Who acts in a service: a chat sender or a page's viewer, as the roster knows them now."""

from __future__ import annotations

from typing import Protocol


class Actor(Protocol):
    """Roles come from the roster, never from what the person typed or sent."""

    @property
    def userid(self) -> str: ...

    @property
    def name(self) -> str: ...

    @property
    def roles(self) -> frozenset[str]: ...
