"""`qingjia school add|list|check` and `--school`: a deployment's schools from the command line."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import select

from bot import cli
from bot.deployment import load_deployment
from models.attendance import JobRun
from models.db import Database
from models.roster import School
from tests.conftest import local
from tests.harness import DEMO_ROSTER, ROOT, FakeClock
from tests.schools import B_NAMES, corp_of, school_b_roster

NOW = FakeClock(local(2026, 12, 1, 17, 0))  # Tuesday 17:00


def qingjia(*argv: str) -> int:
    return cli.main(list(argv), clock=NOW)


@pytest.fixture
def main_file(tmp_path: Path) -> Path:
    """A deployment's main file with an empty schools folder and a database in tmp_path."""
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    text = text.replace('url = "sqlite+aiosqlite:///qingjia.db"',
                        f'url = "sqlite+aiosqlite:///{tmp_path}/district.db"')
    text += '\n[deployment]\nschools_dir = "schools"\n'
    (tmp_path / "schools").mkdir()
    path = tmp_path / "district.toml"
    path.write_text(text, encoding="utf-8")
    return path


def add(main_file: Path, code: str, name: str, **changes: str) -> int:
    own = {**corp_of(code), **changes}
    return qingjia("school", "add", code, "--name", name, "--config", str(main_file),
                   "--corp-id", own["corp_id"], "--agent-id", str(own["agent_id"]),
                   "--secret", own["secret"], "--token", own["token"],
                   "--aes-key", own["encoding_aes_key"])


def test_add_writes_a_school_that_the_deployment_reads(
        main_file: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert qingjia("school", "list", "--config", str(main_file)) == 0
    assert "no school yet" in capsys.readouterr().out
    assert add(main_file, "nanshan", "南山中学") == 0
    out = capsys.readouterr().out
    assert "http://127.0.0.1:8080/wecom/callback/nanshan" in out
    deployment = load_deployment(main_file)
    config = deployment.school("nanshan")
    assert (config.school.name, config.wecom.corp_id) == ("南山中学", "wwnanshancorp0000")
    assert config.server.public_url == "http://127.0.0.1:8080/s/nanshan"
    assert qingjia("school", "list", "--config", str(main_file)) == 0
    listed = capsys.readouterr().out
    assert "nanshan" in listed and "南山中学" in listed and "/wecom/callback/nanshan" in listed


@pytest.mark.parametrize(("code", "changes", "why"), [
    ("nanshan", {}, "already exists"),
    ("beishan", {"corp_id": "wwnanshancorp0000"}, "same WeCom app"),
    ("beishan", {"encoding_aes_key": "short"}, "43-character"),
    ("Bei Shan", {}, "lower-case letters"),
])
def test_a_bad_school_is_refused_and_leaves_no_file(
        main_file: Path, capsys: pytest.CaptureFixture[str], code: str,
        changes: dict[str, str], why: str) -> None:
    assert add(main_file, "nanshan", "南山中学") == 0
    capsys.readouterr()
    assert add(main_file, code, "北山中学", **changes) == 1
    assert why in capsys.readouterr().err
    assert sorted(p.name for p in (main_file.parent / "schools").iterdir()) == ["nanshan.toml"]
    assert list(load_deployment(main_file).schools) == ["nanshan"]


def test_adding_a_school_needs_a_deployment(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    single = tmp_path / "config.toml"
    single.write_text((ROOT / "config.example.toml").read_text(encoding="utf-8"),
                      encoding="utf-8")
    assert qingjia("school", "list", "--config", str(single)) == 0  # its one school
    assert "demo-school" in capsys.readouterr().out
    assert add(single, "nanshan", "南山中学") == 1
    assert "single-school config" in capsys.readouterr().err


def test_school_flags_pick_one_school_of_several(
        main_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = str(main_file)
    assert add(main_file, "a", "甲中学") == 0 and add(main_file, "b", "乙中学") == 0
    assert qingjia("migrate", "--config", config) == 0
    roster_b = school_b_roster(tmp_path / "roster-b")
    capsys.readouterr()
    # which school? a deployment of two must be told
    assert qingjia("import-roster", "--config", config, "--students",
                   str(DEMO_ROSTER / "students.csv"), "--staff",
                   str(DEMO_ROSTER / "staff.csv")) == 1
    assert "--school (a, b)" in capsys.readouterr().err
    assert qingjia("jobs", "--config", config, "--school", "c") == 1
    assert "no such school" in capsys.readouterr().err
    assert qingjia("school", "check", "--config", config) == 1
    assert "no roster yet" in capsys.readouterr().out
    for code, roster in (("a", DEMO_ROSTER), ("b", roster_b)):
        assert qingjia("import-roster", "--config", config, "--school", code, "--students",
                       str(roster / "students.csv"), "--staff", str(roster / "staff.csv")) == 0
    capsys.readouterr()
    assert qingjia("school", "list", "--config", config) == 0
    listed = capsys.readouterr().out
    assert listed.count("6 students") == 2
    assert qingjia("run-job", "truancy", "--config", config, "--school", "b",
                   "--date", "2026-12-01") == 0
    assert "truancy 2026-12-01" in capsys.readouterr().out
    out = tmp_path / "b.xlsx"
    assert qingjia("report", "attendance", "--config", config, "--school", "b", "--from",
                   "2026-12-01", "--to", "2026-12-01", "--out", str(out)) == 0
    cells = " ".join(str(c.value) for sheet in openpyxl.load_workbook(out).worksheets
                     for row in sheet.iter_rows() for c in row if c.value is not None)
    assert "赵一鸣" in cells
    assert [name for name in B_NAMES if name in cells] == []  # none of school a's people
    runs = _job_runs(tmp_path / "district.db")
    assert runs == [("b", "truancy", "2026-12-01")]


def _job_runs(path: Path) -> list[tuple[str, str, str]]:
    import asyncio

    async def read() -> list[tuple[str, str, str]]:
        db = Database(f"sqlite+aiosqlite:///{path}")
        try:
            async with db.read() as session:
                rows = await session.execute(
                    select(School.code, JobRun.job, JobRun.run_key)
                    .join(School, School.id == JobRun.school_id))
                return [tuple(r) for r in rows]  # type: ignore[misc]
        finally:
            await db.dispose()

    return asyncio.run(read())
