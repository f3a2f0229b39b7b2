"""Every setting does something: each key the config reads is used by the service.

A key that nothing reads tells the school it can change something it cannot. A feature adds its
keys together with the code that reads them.
"""

from __future__ import annotations

import dataclasses
import re
import typing

import pytest

from bot import config
from tests.harness import ROOT

PACKAGES = ("bot", "handlers", "models", "reports", "scheduler", "services")
CONFIG_FILE = ROOT / "bot" / "config.py"


def _sections() -> list[tuple[str, type]]:
    hints = typing.get_type_hints(config.Config)
    return [(f.name, hints[f.name]) for f in dataclasses.fields(config.Config)
            if dataclasses.is_dataclass(hints[f.name])]


SETTINGS = [(section, field.name) for section, cls in _sections()
            for field in dataclasses.fields(cls)]


def _sources() -> dict[str, str]:
    return {str(path.relative_to(ROOT)): path.read_text(encoding="utf-8")
            for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))}


def _users(section: str, name: str) -> list[str]:
    """Files that use the setting: as `.name` (or by name, `"name"`) outside bot/config.py, in a
    file that names its section too when another section has a key of the same name; or by a
    property of its section in bot/config.py (`self.name`)."""
    shared = sum(n == name for _, n in SETTINGS) > 1
    elsewhere = re.compile(rf"\.{name}\b|\"{name}\"")
    own = re.compile(rf"\bself\.{name}\b")
    users = []
    for path, text in _sources().items():
        if path == str(CONFIG_FILE.relative_to(ROOT)):
            if own.search(text):
                users.append(path)
        elif elsewhere.search(text) and (not shared or f".{section}" in text):
            users.append(path)
    return users


@pytest.mark.parametrize(("section", "name"), SETTINGS, ids=[f"{s}.{n}" for s, n in SETTINGS])
def test_every_setting_is_read_by_the_service(section: str, name: str) -> None:
    assert _users(section, name), f"[{section}] {name} is read but nothing uses it"


def test_the_settings_are_found() -> None:
    assert ("approval", "remind_after_hours") in SETTINGS
    assert ("truancy", "office_after_days") in SETTINGS
    assert len(SETTINGS) > 40
