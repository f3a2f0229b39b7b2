"""The `qingjia` command: one clear line and a non-zero exit on every error, never a traceback."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot import cli
from models.db import Database
from models.roster import Student
from tests.conftest import local
from tests.harness import DEMO_ROSTER, ROOT, FakeClock

NOW = FakeClock(local(2026, 12, 1, 17, 0))  # the operator types at 17:00 on a Tuesday


def main(argv: list[str]) -> int:
    """`qingjia …` as typed, on the test's clock."""
    return cli.main(argv, clock=NOW)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with a config.toml whose database is a file in that folder."""
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    text = text.replace('url = "sqlite+aiosqlite:///qingjia.db"',
                        f'url = "sqlite+aiosqlite:///{tmp_path}/school.db"')
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("QINGJIA_CONFIG", raising=False)
    return tmp_path


def students_in(workdir: Path) -> int:
    async def count() -> int:
        db = Database(f"sqlite+aiosqlite:///{workdir}/school.db")
        try:
            async with db.read() as session:
                return int(await session.scalar(select(func.count()).select_from(Student)) or 0)
        finally:
            await db.dispose()
    return asyncio.run(count())


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err.strip()
    assert err.startswith("qingjia: ") and "Traceback" not in err
    return err


def test_migrate_then_import_the_roster(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate"]) == 0
    assert main(["import-roster", "--students", str(DEMO_ROSTER / "students.csv"),
                 "--staff", str(DEMO_ROSTER / "staff.csv")]) == 0
    assert "imported" in capsys.readouterr().out
    assert students_in(workdir) == 6


def test_a_bad_roster_names_the_rows_and_writes_nothing(
        workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate"]) == 0
    bad = workdir / "students.csv"
    rows = (DEMO_ROSTER / "students.csv").read_text(encoding="utf-8").splitlines()
    rows[3] = rows[3].replace("parent_liu", "bad id!")
    bad.write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert main(["import-roster", "--students", str(bad),
                 "--staff", str(DEMO_ROSTER / "staff.csv")]) == 1
    assert "第4行" in capsys.readouterr().err
    assert students_in(workdir) == 0


def test_missing_config_is_one_line(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", "--config", "nowhere.toml"]) == 1
    assert "nowhere.toml: file not found" in one_line_error(capsys)


def test_a_bad_config_names_the_key(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (workdir / "config.toml").read_text(encoding="utf-8")
    bad = text.replace("max_weeks = 1,", "max_weeks = 0.5,")  # 2.5 school days after 3
    assert bad != text
    (workdir / "bad.toml").write_text(bad, encoding="utf-8")
    assert main(["migrate", "--config", "bad.toml"]) == 1
    assert "approval.tiers[1].max_weeks: tiers must grow" in one_line_error(capsys)


def test_config_from_the_environment(workdir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.move(workdir / "config.toml", workdir / "elsewhere.toml")
    monkeypatch.setenv("QINGJIA_CONFIG", str(workdir / "elsewhere.toml"))
    assert main(["migrate"]) == 0


def test_serve_on_an_unmigrated_database_says_what_to_do(
        workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve"]) == 1
    assert "qingjia migrate" in one_line_error(capsys)


def test_missing_roster_file(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import-roster", "--students", "none.csv", "--staff", "none.csv"]) == 1
    assert "none.csv: file not found" in one_line_error(capsys)


def test_the_console_script_is_installed() -> None:
    script = Path(sys.executable).parent / "qingjia"
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True, check=False)
    assert result.returncode == 0
    for command in ("migrate", "import-roster", "serve", "demo"):
        assert command in result.stdout


def test_jobs_and_run_job(workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate"]) == 0
    assert main(["run-job", "truancy", "--date", "2026-12-01"]) == 0
    assert "truancy 2026-12-01: {" in capsys.readouterr().out
    assert main(["jobs"]) == 0
    listing = capsys.readouterr().out
    for name in ("attendance-reminder", "attendance-office-alert", "truancy", "escalation",
                 "approval-reminder"):
        assert name in listing
    assert "2026-12-01 done" in listing
    assert main(["run-job", "nope"]) == 1
    assert "no job 'nope'" in one_line_error(capsys)
    assert main(["run-job", "truancy", "--date", "12/01"]) == 2  # argparse's usage error
