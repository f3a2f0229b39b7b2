"""Calendars for tests, so that none depends on what the installed chinesecalendar knows.

A test about a year nobody has declared gives its calendar a package that knows no year after
2026 (or names a year far in the future): the suite stays green the day the package learns 2027.
"""

from __future__ import annotations

import dataclasses
import tomllib
from datetime import date
from typing import Any

import chinese_calendar
import pytest

from bot.config import parse_config
from models.rules.calendar import NationalLookup, SchoolCalendar, national_working_day
from tests.harness import ROOT

EXAMPLE = (ROOT / "config.example.toml").read_text(encoding="utf-8")


def knows_through(last_year: int) -> NationalLookup:
    """The installed package's answers for years up to `last_year`, and none after it."""
    def lookup(day: date) -> bool | None:
        return national_working_day(day) if day.year <= last_year else None
    return lookup


KNOWS_2026 = knows_through(2026)


def example_calendar(declare: str = "", **changes: Any) -> SchoolCalendar:
    """config.example.toml's calendar, with `declare` (TOML) appended and read as config is."""
    calendar = parse_config(tomllib.loads(EXAMPLE + "\n" + declare)).calendar
    return dataclasses.replace(calendar, **changes)


def forget_years_after(monkeypatch: pytest.MonkeyPatch, last_year: int) -> None:
    """For a command that reads its config file itself: the package knows no later year."""
    real = chinese_calendar.is_workday

    def is_workday(day: date) -> bool:
        if day.year > last_year:
            raise NotImplementedError(f"no available data for year {day.year}")
        return bool(real(day))

    monkeypatch.setattr(chinese_calendar, "is_workday", is_workday)
