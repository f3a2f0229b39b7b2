"""The suite's clock guard: code under test never reads the real clock behind a given one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from models.clock import utc_now
from tests.harness import ROOT

# The service's packages; the real clock is read in models/clock.py and nowhere else.
PACKAGES = ("bot", "handlers", "models", "reports", "scheduler", "services")
REAL_CLOCK = re.compile(r"\b(datetime\.now|datetime\.utcnow|datetime\.today|date\.today|"
                        r"time\.time|time\.time_ns)\(")


def test_reading_the_real_clock_in_a_test_fails_loudly() -> None:
    with pytest.raises(AssertionError, match="the real clock was read inside a test"):
        utc_now()


@pytest.mark.real_clock
def test_a_test_marked_real_clock_may_read_it() -> None:
    assert utc_now().tzinfo is not None


@pytest.mark.parametrize("package", PACKAGES)
def test_only_models_clock_reads_the_real_clock(package: str) -> None:
    offenders = []
    for path in sorted((ROOT / package).rglob("*.py")):
        if path == ROOT / "models" / "clock.py":
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if REAL_CLOCK.search(line):
                offenders.append(f"{Path(path).relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []
