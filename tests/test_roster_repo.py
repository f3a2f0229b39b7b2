"""apply_roster against a real SQLite file: counts, in-place updates, audit rows, no N+1."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, select

import models.messaging
import models.roster
from models.base import Base
from models.db import Database
from models.messaging import AuditEntry
from models.repos.roster import ImportSummary, RosterRepo, apply_roster
from models.roster import Guardian, GuardianLink, SchoolClass, StaffRole, Student
from models.roster_import import (
    STAFF_HEADER,
    STUDENT_HEADER,
    Roster,
    RosterError,
    read_roster,
)

assert models.roster and models.messaging  # the tables register on import

DEMO = Path(__file__).resolve().parent.parent / "bot" / "demo_roster"
NOW = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
LATER = datetime(2026, 10, 12, 8, 0, tzinfo=UTC)


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path}/t.db")
    async with database.engine.begin() as conn:
        await conn.run_sync(Base.metadata.create_all)
    yield database
    await database.dispose()


@pytest.fixture
async def school_id(db: Database) -> int:
    async with db.unit_of_work() as session:
        return await RosterRepo(session, 0).ensure_school("demo", "演示中学", now=NOW)


def demo() -> Roster:
    return read_roster(DEMO / "students.csv", DEMO / "staff.csv")


def edited(tmp_path: Path, *, drop: str | None = None,
           replace: tuple[str, str] | None = None, drop_staff: str | None = None) -> Roster:
    """The demo roster with rows dropped or edited, written out and read back."""
    out = tmp_path / "edited"
    out.mkdir(exist_ok=True)
    students = (DEMO / "students.csv").read_text(encoding="utf-8").splitlines()
    staff = (DEMO / "staff.csv").read_text(encoding="utf-8").splitlines()
    if drop:
        students = [line for line in students if drop not in line]
    if replace:
        students = [line.replace(*replace) for line in students]
    if drop_staff:
        staff = [line for line in staff if drop_staff not in line]
    (out / "students.csv").write_text("\n".join(students) + "\n", encoding="utf-8")
    (out / "staff.csv").write_text("\n".join(staff) + "\n", encoding="utf-8")
    return read_roster(out / "students.csv", out / "staff.csv")


async def apply(db: Database, school_id: int, roster: Roster,
                now: datetime = NOW) -> ImportSummary:
    async with db.unit_of_work() as session:
        return await apply_roster(session, school_id, roster, actor="import:admin_zhou", now=now)


async def count(db: Database, model: Any) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def audits(db: Database, after_id: int = 0) -> list[AuditEntry]:
    async with db.read() as session:
        rows = list(await session.scalars(
            select(AuditEntry).where(AuditEntry.id > after_id).order_by(AuditEntry.id)))
        session.expunge_all()
        return rows


async def student(db: Database, school_id: int, student_no: str) -> Student:
    async with db.read() as session:
        row = await session.scalar(select(Student).where(Student.school_id == school_id,
                                                         Student.student_no == student_no))
        assert row is not None
        session.expunge_all()
        return row


async def test_import_demo(db: Database, school_id: int) -> None:
    before = len(await audits(db))
    summary = await apply(db, school_id, demo())
    # 2 classes + 6 guardians + 6 students + 7 links + 6 staff roles
    assert summary == ImportSummary(classes=2, students=6, guardians=6, staff_roles=7,
                                    added=28, changed=0, deactivated=0)
    assert await count(db, SchoolClass) == 2
    assert await count(db, Student) == 6
    assert await count(db, Guardian) == 6
    assert await count(db, GuardianLink) == 7
    assert await count(db, StaffRole) == 7
    entries = (await audits(db))[before:]
    assert len(entries) == 28
    assert {e.action for e in entries} == {"create"}
    assert {e.actor for e in entries} == {"import:admin_zhou"}
    assert {e.at for e in entries} == {NOW}
    zhang = next(e for e in entries if e.entity == "student" and e.after
                 and e.after["name"] == "张小明")
    assert zhang.before is None
    assert zhang.after is not None and zhang.after["student_no"] == "G2026070101"

    async with db.read() as session:
        repo = RosterRepo(session, school_id)
        assert await repo.roles_of("teacher_li") == {"班主任", "家长"}
        assert await repo.roles_of("parent_zhang") == {"家长"}
        assert await repo.roles_of("office_zhao") == {"政教处"}
        assert await repo.roles_of("nobody") == frozenset()
        assert await repo.display_name("teacher_li") == "李静"
        assert await repo.display_name("parent_zhang") == "张伟"
        assert await repo.display_name("nobody") is None
        assert [s.name for s in await repo.children_of("parent_zhang")] == ["张小明", "张小红"]
        assert [s.name for s in await repo.children_of("teacher_li")] == ["杨子涵"]
        assert await repo.children_of("office_zhao") == []
        assert [c.label for c in await repo.class_of_teacher("teacher_li")] == ["初一(1)班"]
        assert [c.label for c in await repo.class_of_teacher("teacher_wang")] == ["初一(2)班"]
        assert await repo.class_of_teacher("parent_zhang") == []
        assert await repo.users_with_role("班主任") == ["teacher_li", "teacher_wang"]
        assert await repo.users_with_role("门卫") == ["guard_sun"]
        assert await repo.users_with_role("家长") == [
            "parent_huang", "parent_lin", "parent_liu", "parent_wu", "parent_zhang", "teacher_li"]
        # another school sees none of it
        other = RosterRepo(session, school_id + 1)
        assert await other.roles_of("teacher_li") == frozenset()
        assert await other.children_of("parent_zhang") == []


async def test_reimport_identical_changes_nothing(db: Database, school_id: int) -> None:
    await apply(db, school_id, demo())
    last = (await audits(db))[-1].id
    summary = await apply(db, school_id, demo(), now=LATER)
    assert (summary.added, summary.changed, summary.deactivated) == (0, 0, 0)
    assert (summary.classes, summary.students, summary.guardians, summary.staff_roles) == (
        2, 6, 6, 7)
    assert await audits(db, last) == []


async def test_reimport_moves_and_drops_in_place(db: Database, school_id: int,
                                                 tmp_path: Path) -> None:
    await apply(db, school_id, demo())
    liu_before = await student(db, school_id, "G2026070102")
    huang_before = await student(db, school_id, "G2026070103")
    last = (await audits(db))[-1].id

    roster = edited(tmp_path, drop="黄欣怡", replace=("刘洋,初一,(1)班", "刘洋,初一,(2)班"),
                    drop_staff="guard_sun")
    summary = await apply(db, school_id, roster, now=LATER)
    # changed: 刘洋's class; deactivated: 黄欣怡, her link to parent_huang, guard_sun's role
    assert summary == ImportSummary(classes=2, students=5, guardians=5, staff_roles=6,
                                    added=0, changed=1, deactivated=3)

    liu = await student(db, school_id, "G2026070102")
    huang = await student(db, school_id, "G2026070103")
    assert liu.id == liu_before.id and liu.class_id != liu_before.class_id and liu.active
    assert huang.id == huang_before.id and huang.active is False
    assert await count(db, Student) == 6  # never deleted

    entries = await audits(db, last)
    assert {e.at for e in entries} == {LATER}
    got = {(e.action, e.entity, e.entity_id): (e.before, e.after) for e in entries}
    assert got[("update", "student", str(liu.id))] == (
        {"class_id": liu_before.class_id}, {"class_id": liu.class_id})
    assert got[("deactivate", "student", str(huang.id))] == ({"active": True}, {"active": False})
    link = next(v for k, v in got.items() if k[1] == "guardian_link")
    assert link[0] is not None and link[0]["student_id"] == huang.id and link[1] is None
    role = next(v for k, v in got.items() if k[1] == "staff_role")
    assert role == ({"userid": "guard_sun", "name": "孙大勇", "role": "门卫", "class_id": None},
                    None)
    assert len(entries) == 4

    async with db.read() as session:
        repo = RosterRepo(session, school_id)
        assert await repo.roles_of("parent_huang") == frozenset()
        assert await repo.roles_of("guard_sun") == frozenset()
        assert [c.label for c in await repo.class_of_teacher("teacher_wang")] == ["初一(2)班"]
        assert [s.name for s in await repo.children_of("parent_liu")] == ["刘洋"]

    # back again: 黄欣怡 is reactivated in place, her link and the guard's role recreated
    last = entries[-1].id
    summary = await apply(db, school_id, demo(), now=LATER)
    assert (summary.added, summary.changed, summary.deactivated) == (2, 2, 0)
    again = await student(db, school_id, "G2026070103")
    assert again.id == huang.id and again.active
    assert len(await audits(db, last)) == 4


async def test_guardian_and_staff_changes_are_audited(db: Database, school_id: int,
                                                      tmp_path: Path) -> None:
    await apply(db, school_id, demo())
    last = (await audits(db))[-1].id
    roster = edited(tmp_path, replace=("刘强,parent_liu,13800000003,父亲",
                                       "刘强,parent_liu,13900000003,爸爸"))
    summary = await apply(db, school_id, roster, now=LATER)
    assert (summary.added, summary.changed, summary.deactivated) == (0, 2, 0)
    got = {(e.entity, e.action): (e.before, e.after) for e in await audits(db, last)}
    assert got == {
        ("guardian", "update"): ({"phone": "13800000003"}, {"phone": "13900000003"}),
        ("guardian_link", "update"): ({"relation": "父亲"}, {"relation": "爸爸"}),
    }


async def test_sex_and_birth_date_are_updated_and_kept(db: Database, school_id: int,
                                                       tmp_path: Path) -> None:
    """A re-import changes 性别 and 出生日期 (audited); a roster without the columns keeps them."""
    await apply(db, school_id, demo())
    liu = await student(db, school_id, "G2026070102")
    assert (liu.sex, liu.birth_date) == ("男", date(2013, 9, 2))
    last = (await audits(db))[-1].id
    roster = edited(tmp_path, replace=("父亲,男,2013-09-02", "父亲,男,2013/9/3"))
    summary = await apply(db, school_id, roster, now=LATER)
    assert (summary.added, summary.changed, summary.deactivated) == (0, 1, 0)
    assert [(e.entity, e.before, e.after) for e in await audits(db, last)] == [
        ("student", {"birth_date": "2013-09-02"}, {"birth_date": "2013-09-03"})]
    assert (await student(db, school_id, "G2026070102")).birth_date == date(2013, 9, 3)

    plain = tmp_path / "plain"
    plain.mkdir()
    lines = (DEMO / "students.csv").read_text(encoding="utf-8").splitlines()
    (plain / "students.csv").write_text(
        "\n".join(",".join(line.split(",")[:8]) for line in lines) + "\n", encoding="utf-8")
    summary = await apply(db, school_id, read_roster(plain / "students.csv", DEMO / "staff.csv"))
    assert (summary.added, summary.changed, summary.deactivated) == (0, 0, 0)
    liu = await student(db, school_id, "G2026070102")
    assert (liu.sex, liu.birth_date) == ("男", date(2013, 9, 3))


async def test_failing_roster_writes_nothing(db: Database, school_id: int,
                                             tmp_path: Path) -> None:
    await apply(db, school_id, demo())
    last = (await audits(db))[-1].id
    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "students.csv").write_text(
        (DEMO / "students.csv").read_text(encoding="utf-8").replace("刘洋,初一", "刘洋,初二"),
        encoding="utf-8")
    (bad / "staff.csv").write_text(
        (DEMO / "staff.csv").read_text(encoding="utf-8") + "某人,someone,老师,\n",
        encoding="utf-8")
    with pytest.raises(RosterError) as info:
        async with db.unit_of_work() as session:
            roster = read_roster(bad / "students.csv", bad / "staff.csv")
            await apply_roster(session, school_id, roster, actor="import:admin_zhou", now=LATER)
    assert len(info.value.problems) == 2
    assert await audits(db, last) == []

    # and a failure after apply_roster, before the commit, rolls everything back
    with pytest.raises(RuntimeError):
        async with db.unit_of_work() as session:
            await apply_roster(session, school_id, edited(tmp_path, drop="黄欣怡"),
                               actor="import:admin_zhou", now=LATER)
            raise RuntimeError("boom")
    assert await audits(db, last) == []
    assert (await student(db, school_id, "G2026070103")).active


async def test_no_n_plus_one(db: Database, school_id: int, tmp_path: Path) -> None:
    students, staff = [",".join(STUDENT_HEADER)], [",".join(STAFF_HEADER)]
    for c in range(1, 9):
        staff.append(f"老师{c},teacher_{c},班主任,初二({c})班")
        for n in range(25):
            no = f"G{c:02d}{n:03d}"
            students.append(f"{no},学生{c}-{n},初二,({c})班,家长{c}-{n},p_{c}_{n},,母亲")
    (tmp_path / "students.csv").write_text("\n".join(students), encoding="utf-8")
    (tmp_path / "staff.csv").write_text("\n".join(staff), encoding="utf-8")
    roster = read_roster(tmp_path / "students.csv", tmp_path / "staff.csv")

    statements: list[str] = []

    def on_execute(conn: Any, cursor: Any, sql: str, *args: Any) -> None:
        if sql.lstrip().upper().startswith(("SELECT", "INSERT", "UPDATE", "DELETE")):
            statements.append(sql)

    event.listen(db.engine.sync_engine, "before_cursor_execute", on_execute)
    try:
        summary = await apply(db, school_id, roster)
        assert summary.students == 200 and summary.added == 8 + 200 + 200 + 200 + 8
        first = len(statements)
        statements.clear()
        summary = await apply(db, school_id, roster, now=LATER)
        assert (summary.added, summary.changed, summary.deactivated) == (0, 0, 0)
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", on_execute)
    assert first <= 20, first
    assert len(statements) <= 6, statements


async def test_ensure_school(db: Database) -> None:
    async with db.unit_of_work() as session:
        repo = RosterRepo(session, 0)
        first = await repo.ensure_school("s1", "第一中学", now=NOW)
        assert await repo.ensure_school("s1", "第一中学", now=NOW) == first
        assert await repo.ensure_school("s1", "市第一中学", now=NOW) == first
        assert await repo.ensure_school("s2", "第二中学", now=NOW) != first
    entries = await audits(db)
    assert [(e.entity, e.action) for e in entries] == [
        ("school", "create"), ("school", "update"), ("school", "create")]
    assert entries[1].before == {"name": "第一中学"} and entries[1].after == {"name": "市第一中学"}


async def test_naive_now_is_refused(db: Database, school_id: int) -> None:
    with pytest.raises(ValueError, match="timezone"):
        await apply(db, school_id, demo(), now=datetime(2026, 9, 1, 8, 0))
