"""`qingjia calendar check` and the start-up warning of `qingjia serve`, on the test's clock."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from bot import cli
from tests.calendars import EXAMPLE, forget_years_after
from tests.conftest import local
from tests.harness import FakeClock, with_own_wecom

NOW = FakeClock(local(2026, 12, 1, 17, 0))
# Dates invented for the tests: the shape of a declaration, not the State Council's schedule.
DECLARED_2027 = '\n[calendar.national.2027]\nholidays = ["2027-01-01"]\n'


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The example config with a database in tmp_path; the package knows no year after 2026."""
    forget_years_after(monkeypatch, 2026)
    path = tmp_path / "config.toml"
    path.write_text(with_own_wecom(EXAMPLE).replace('url = "sqlite+aiosqlite:///qingjia.db"',
                                    f'url = "sqlite+aiosqlite:///{tmp_path}/school.db"'),
                    encoding="utf-8")
    return path


def check(config: Path, capsys: pytest.CaptureFixture[str],
          clock: FakeClock = NOW) -> tuple[int, list[str]]:
    code = cli.main(["calendar", "check", "--config", str(config)], clock=clock)
    return code, capsys.readouterr().out.splitlines()


def test_nothing_declared_for_2027_is_not_ready(config: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code, lines = check(config, capsys)
    assert code == 1
    assert lines == [
        "national calendar known through 2026-12-31 (declared in config: none)",
        "2026-2027学年第一学期 (current): 2026-09-01 to 2027-01-22, 84 school days known, "
        "22 dates unknown",
        "  unknown: 2027-01-01 to 2027-01-22",
        "2026-2027学年第二学期 (next): 2027-02-22 to 2027-07-02, 0 school days known, "
        "131 dates unknown",
        "  unknown: 2027-02-22 to 2027-07-02",
        "NOT READY: the current or next term has unknown dates; declare "
        "[calendar.national.2027] (holidays and workdays) from the State Council's notice "
        "when it is published",
    ]


def test_2027_declared_is_ready(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config.write_text(config.read_text(encoding="utf-8") + DECLARED_2027, encoding="utf-8")
    code, lines = check(config, capsys)
    assert code == 0
    assert lines == [
        "national calendar known through 2027-12-31 (declared in config: 2027)",
        "2026-2027学年第一学期 (current): 2026-09-01 to 2027-01-22, 99 school days",
        "2026-2027学年第二学期 (next): 2027-02-22 to 2027-07-02, 95 school days",
        "ok: every date of the current and next term is known",
    ]


def test_only_the_current_and_next_term_decide_the_exit(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Years far in the future: no package knows them, whatever is installed."""
    text = EXAMPLE.split("[[calendar.terms]]")[0] + "".join(
        f'[[calendar.terms]]\nname = "{name}"\nstart = "{start}"\nend = "{end}"\n\n'
        for name, start, end in [("2098秋", "2098-09-01", "2099-01-22"),
                                 ("2099春", "2099-02-23", "2099-07-03"),
                                 ("2099秋", "2099-09-01", "2100-01-21")])
    text += EXAMPLE[EXAMPLE.index("[approval]"):]
    text += ('\n[calendar.national.2098]\nholidays = ["2098-01-01"]\n'
             '[calendar.national.2099]\nholidays = ["2099-01-01"]\n')
    path = tmp_path / "far.toml"
    path.write_text(text, encoding="utf-8")
    code, lines = check(path, capsys, FakeClock(local(2098, 12, 1, 9, 0)))
    assert code == 0
    # Sep–Dec 2099: 88 weekdays, none declared off; 2100 nobody declared
    assert "2099秋: 2099-09-01 to 2100-01-21, 88 school days known, 21 dates unknown" in lines
    assert "  unknown: 2100-01-01 to 2100-01-21" in lines
    assert lines[-1] == "ok: every date of the current and next term is known"
    code, lines = check(path, capsys, FakeClock(local(2099, 8, 20, 9, 0)))  # summer: 2099秋 next
    assert code == 1 and "2099秋 (next)" in lines[3] and "[calendar.national.2100]" in lines[-1]


def test_a_wrong_declaration_is_one_line_naming_the_key(
        config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config.write_text(config.read_text(encoding="utf-8") + DECLARED_2027
                      + 'workdays = ["2027-01-01"]\n', encoding="utf-8")
    assert cli.main(["calendar", "check", "--config", str(config)], clock=NOW) == 1
    err = capsys.readouterr().err.strip()
    assert err == ("qingjia: calendar.national.2027: 2027-01-01 is in both holidays and "
                   "workdays")


def test_serve_warns_at_start_up_until_the_year_is_declared(
        config: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="qingjia.calendar"):
        cli.main(["serve", "--config", str(config)], clock=NOW)  # unmigrated: stops after
    warnings = [r.getMessage() for r in caplog.records if r.name == "qingjia.calendar"]
    assert warnings == [
        "calendar: the national calendar is known through 2026-12-31; 2027 is not declared: "
        "add [calendar.national.2027] from the State Council's notice "
        "(see `qingjia calendar check`)"]
    caplog.clear()
    config.write_text(config.read_text(encoding="utf-8") + DECLARED_2027, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="qingjia.calendar"):
        cli.main(["serve", "--config", str(config)], clock=NOW)
    assert [r for r in caplog.records if r.name == "qingjia.calendar"] == []
