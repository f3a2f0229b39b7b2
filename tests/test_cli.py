"""The `qingjia` command: one clear line and a non-zero exit on every error, never a traceback."""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web
from sqlalchemy import func, select

from bot import cli
from bot.config import example_values_in_use, load_config
from bot.simulator.oauth import Person
from bot.simulator.standin import SchoolDirectory, WeComStandIn
from models.db import Database
from models.roster import Student
from tests.conftest import local
from tests.harness import DEMO_ROSTER, OWN_WECOM, ROOT, FakeClock, with_own_wecom

NOW = FakeClock(local(2026, 12, 1, 17, 0))  # the operator types at 17:00 on a Tuesday


def main(argv: list[str]) -> int:
    """`qingjia …` as typed, on the test's clock."""
    return cli.main(argv, clock=NOW)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with a config.toml whose database is a file in that folder."""
    text = with_own_wecom((ROOT / "config.example.toml").read_text(encoding="utf-8"))
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


def test_serve_refuses_the_examples_wecom_values(
        workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (workdir / "config.toml").write_text(
        (ROOT / "config.example.toml").read_text(encoding="utf-8"), encoding="utf-8")
    assert main(["serve"]) == 1
    err = one_line_error(capsys)
    assert "wecom.secret" in err and "wecom.token" in err and "wecom.encoding_aes_key" in err


def test_example_values_kept_in_step_with_the_file() -> None:
    example = load_config(ROOT / "config.example.toml")
    assert example_values_in_use(example) == [
        "wecom.secret", "wecom.token", "wecom.encoding_aes_key"]


@contextlib.contextmanager
def standin_serving(known: list[str], *,
                    school_directory: SchoolDirectory | None = None) -> Iterator[str]:
    """The WeCom stand-in on 127.0.0.1 in a thread of its own (the command runs its own loop);
    its directory holds `known` (and its 家校通讯录 `school_directory`). Yields its base URL."""
    standin = WeComStandIn("ww0000000000demo", OWN_WECOM["secret"], clock=lambda: 1.7e9)
    standin.oauth.people.extend(Person(u, u, "member") for u in known)
    if school_directory is not None:
        standin.school_directory = school_directory
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    runner = web.AppRunner(standin.app())

    async def start() -> str:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        host, port = runner.addresses[0][:2]
        return f"http://{host}:{port}"

    try:
        yield asyncio.run_coroutine_threadsafe(start(), loop).result(10)
    finally:
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)


def test_import_roster_checks_the_ids_with_wecom(
        workdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate"]) == 0
    everyone = ["parent_zhang", "parent_lin", "parent_liu", "parent_huang", "teacher_li",
                "parent_wu", "teacher_wang", "office_zhao", "principal_chen", "guard_sun",
                "admin_zhou", "doctor_he"]
    files = ["--students", str(DEMO_ROSTER / "students.csv"),
             "--staff", str(DEMO_ROSTER / "staff.csv"), "--check-wecom"]
    with standin_serving([u for u in everyone if u not in ("parent_liu", "guard_sun")]) as url:
        config = workdir / "config.toml"
        config.write_text(config.read_text(encoding="utf-8").replace(
            'api_base = "https://qyapi.weixin.qq.com"', f'api_base = "{url}"'), encoding="utf-8")
        capsys.readouterr()
        assert main(["import-roster", *files]) == 3
        err = capsys.readouterr().err
        assert [line.strip() for line in err.splitlines()[1:]] == ["parent_liu", "guard_sun"]
        assert students_in(workdir) == 0
    with standin_serving(everyone) as url:
        config.write_text(re.sub(r'api_base = ".*"', f'api_base = "{url}"',
                                 config.read_text(encoding="utf-8")), encoding="utf-8")
        assert main(["import-roster", *files]) == 0
        assert students_in(workdir) == 6
