"""Roster: apply a validated import in place, and the roster questions handlers ask."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import String, bindparam, func, insert, literal, select, union
from sqlalchemy.ext.asyncio import AsyncSession

from models.messaging import AuditEntry
from models.repos._sql import built_once
from models.repos.audit import AuditRepo
from models.roster import Guardian, GuardianLink, School, SchoolClass, StaffRole, Student
from models.roster_import import HOMEROOM, Roster, roster_label
from models.rules.channel import FAMILY_CHANNEL, MEMBER_CHANNEL

PARENT = "家长"
NOTE = "roster import"

# The questions every message asks, built once (see `built_once`); their bind parameters are
# `school_id`, and `userid` or the row's id.


def _roles() -> Any:
    staff = (select(StaffRole.role.label("role"))
             .where(StaffRole.school_id == bindparam("school_id"),
                    StaffRole.userid == bindparam("userid")))
    parent = (select(literal(PARENT, String).label("role"))
              .select_from(Guardian)
              .join(GuardianLink, GuardianLink.guardian_id == Guardian.id)
              .join(Student, Student.id == GuardianLink.student_id)
              .where(Guardian.school_id == bindparam("school_id"),
                     Guardian.userid == bindparam("userid"),
                     Guardian.channel == MEMBER_CHANNEL, Student.active.is_(True)))
    return union(staff, parent)


def _name() -> Any:
    staff = (select(StaffRole.name)
             .where(StaffRole.school_id == bindparam("school_id"),
                    StaffRole.userid == bindparam("userid"))
             .order_by(StaffRole.id).limit(1).scalar_subquery())
    guardian = (select(Guardian.name)
                .where(Guardian.school_id == bindparam("school_id"),
                       Guardian.userid == bindparam("userid"))
                .limit(1).scalar_subquery())
    return func.coalesce(staff, guardian)


@built_once
def _roles_of() -> Any:
    return _roles()


@built_once
def _display_name() -> Any:
    return select(_name())


@built_once
def _identity() -> Any:
    roles = _roles().subquery()
    return select(roles.c.role, _name().label("name"))


@built_once
def _children_of() -> Any:
    return (select(Student)
            .join(GuardianLink, GuardianLink.student_id == Student.id)
            .join(Guardian, Guardian.id == GuardianLink.guardian_id)
            .where(Guardian.school_id == bindparam("school_id"),
                   Guardian.userid == bindparam("userid"),
                   Guardian.channel == bindparam("channel"),
                   Student.school_id == bindparam("school_id"), Student.active.is_(True))
            .order_by(Student.student_no))


@built_once
def _family_guardians() -> Any:
    return select(Guardian.userid).where(Guardian.school_id == bindparam("school_id"),
                                         Guardian.channel == FAMILY_CHANNEL,
                                         Guardian.userid.in_(bindparam("userids",
                                                                       expanding=True)))


@built_once
def _student() -> Any:
    return select(Student).where(Student.id == bindparam("id"),
                                 Student.school_id == bindparam("school_id"))


@built_once
def _school_class() -> Any:
    return select(SchoolClass).where(SchoolClass.id == bindparam("id"),
                                     SchoolClass.school_id == bindparam("school_id"))


@built_once
def _homeroom_teachers() -> Any:
    return (select(StaffRole.userid).where(StaffRole.school_id == bindparam("school_id"),
                                           StaffRole.role == HOMEROOM,
                                           StaffRole.class_id == bindparam("class_id"))
            .order_by(StaffRole.userid))


@dataclass(frozen=True)
class ImportSummary:
    """What the roster holds (`classes` … `staff_roles`) and what this import did.

    `added`: rows created (classes, students, guardians, guardian links, staff roles);
    `changed`: rows updated in place (a student reactivated counts here);
    `deactivated`: students set inactive plus guardian links and staff roles removed.
    Each of those writes exactly one audit entry.
    """

    classes: int
    students: int
    guardians: int
    staff_roles: int
    added: int
    changed: int
    deactivated: int


def _plain(values: dict[str, Any] | None) -> dict[str, Any] | None:
    """Audited values as JSON holds them: a date (出生日期) as 2013-05-04."""
    if values is None:
        return None
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


class _Import:
    """One run of `apply_roster`: the school's rows loaded once, changes audited.

    New rows go in as one multi-row INSERT … RETURNING per table (ids matched back by natural
    key, so no per-row round trips on SQLite); changed and removed rows are ORM updates and
    deletes, flushed in batches; the audit entries go in as one INSERT at the end.
    """

    def __init__(self, session: AsyncSession, school_id: int, actor: str, now: datetime) -> None:
        self.session = session
        self.school_id = school_id
        self.actor = actor
        self.now = now
        self.audit_rows: list[dict[str, Any]] = []
        self.added = self.changed = self.deactivated = 0

    def record(self, action: str, entity: str, entity_id: int, before: dict[str, Any] | None,
               after: dict[str, Any] | None) -> None:
        self.audit_rows.append({
            "school_id": self.school_id, "actor": self.actor, "action": action,
            "entity": entity, "entity_id": str(entity_id), "before": _plain(before),
            "after": _plain(after), "at": self.now, "note": NOTE})
        if action == "create":
            self.added += 1
        elif action == "update":
            self.changed += 1
        else:
            self.deactivated += 1

    def update(self, entity: str, row: Any, values: dict[str, Any]) -> None:
        """Set the columns that differ and audit them; nothing happens when none differ."""
        before = {k: getattr(row, k) for k, v in values.items() if getattr(row, k) != v}
        if not before:
            return
        after = {k: values[k] for k in before}
        for k, v in after.items():
            setattr(row, k, v)
        self.record("update", entity, row.id, before, after)

    async def remove(self, entity: str, row: Any, columns: tuple[str, ...]) -> None:
        await self.session.delete(row)
        self.record("delete", entity, row.id, {k: getattr(row, k) for k in columns}, None)

    async def create(self, model: Any, entity: str, rows: list[dict[str, Any]],
                     key: tuple[str, ...]) -> dict[tuple[Any, ...], int]:
        """Insert `rows` in one statement, audit each; returns id by natural key."""
        if not rows:
            return {}
        stmt = (insert(model).returning(model.id, *(getattr(model, k) for k in key))
                .execution_options(render_nulls=True))  # NULLs must not split the batch
        result = await self.session.execute(stmt, rows)
        ids = {tuple(r[1:]): r[0] for r in result}
        for row in rows:
            self.record("create", entity, ids[tuple(row[k] for k in key)], None,
                        {k: v for k, v in row.items() if k != "school_id"})
        return ids

    async def finish(self) -> None:
        await self.session.flush()
        if self.audit_rows:
            await self.session.execute(insert(AuditEntry), self.audit_rows)

    async def classes(self, roster: Roster) -> dict[tuple[str, str], int]:
        existing = list(await self.session.scalars(
            select(SchoolClass).where(SchoolClass.school_id == self.school_id)))
        by_key = {(c.grade, c.name): c for c in existing}
        by_label: dict[str, SchoolClass] = {}
        for c in existing:
            by_label.setdefault(roster_label(c.grade, c.name), c)
        out: dict[tuple[str, str], int] = {}
        new: list[dict[str, Any]] = []
        for grade, name in roster.classes:
            found = by_key.get((grade, name)) or by_label.get(roster_label(grade, name))
            if found is None:
                new.append({"school_id": self.school_id, "grade": grade, "name": name})
            else:
                out[(grade, name)] = found.id
        created = await self.create(SchoolClass, "school_class", new, ("grade", "name"))
        out.update({(g, n): i for (g, n), i in created.items()})
        return out

    async def guardians(self, roster: Roster) -> dict[str, int]:
        wanted: dict[str, dict[str, Any]] = {}
        for s in roster.students:
            g = wanted.setdefault(s.guardian_userid, {"name": s.guardian_name, "phone": None,
                                                      "channel": s.guardian_channel})
            g["phone"] = g["phone"] or s.guardian_phone
        existing = {g.userid: g for g in await self.session.scalars(
            select(Guardian).where(Guardian.school_id == self.school_id))}
        out: dict[str, int] = {}
        new: list[dict[str, Any]] = []
        for userid, values in wanted.items():
            row = existing.get(userid)
            if row is None:
                new.append({"school_id": self.school_id, "userid": userid, **values})
            else:
                self.update("guardian", row, values)
                out[userid] = row.id
        created = await self.create(Guardian, "guardian", new, ("userid",))
        out.update({userid: i for (userid,), i in created.items()})
        return out

    async def students(self, roster: Roster, classes: dict[tuple[str, str], int]) -> dict[str, int]:
        wanted: dict[str, dict[str, Any]] = {}
        facts: dict[str, dict[str, Any]] = {}
        for s in roster.students:
            wanted.setdefault(s.student_no, {
                "name": s.name, "class_id": classes[(s.grade, s.class_name)], "active": True})
            # 性别 and 出生日期: set when any row of the child gives them; a stored one is kept
            # when none does (a roster without those columns)
            given = facts.setdefault(s.student_no, {})
            for column in ("sex", "birth_date"):
                if getattr(s, column) is not None:
                    given.setdefault(column, getattr(s, column))
        existing = {s.student_no: s for s in await self.session.scalars(
            select(Student).where(Student.school_id == self.school_id))}
        out: dict[str, int] = {}
        new: list[dict[str, Any]] = []
        for student_no, values in wanted.items():
            row = existing.get(student_no)
            if row is None:
                new.append({"school_id": self.school_id, "student_no": student_no, "sex": None,
                            "birth_date": None, **values, **facts[student_no]})
            else:
                self.update("student", row, {**values, **facts[student_no]})
                out[student_no] = row.id
        for student_no, row in existing.items():
            if student_no not in wanted and row.active:
                row.active = False
                self.record("deactivate", "student", row.id, {"active": True}, {"active": False})
        created = await self.create(Student, "student", new, ("student_no",))
        out.update({no: i for (no,), i in created.items()})
        return out

    async def links(self, roster: Roster, students: dict[str, int],
                    guardians: dict[str, int]) -> None:
        wanted: dict[tuple[int, int], str] = {}
        for s in roster.students:
            key = (students[s.student_no], guardians[s.guardian_userid])
            wanted.setdefault(key, s.relation)
        existing = {(link.student_id, link.guardian_id): link
                    for link in await self.session.scalars(
                        select(GuardianLink)
                        .join(Student, Student.id == GuardianLink.student_id)
                        .where(Student.school_id == self.school_id))}
        new: list[dict[str, Any]] = []
        for (student_id, guardian_id), relation in wanted.items():
            row = existing.get((student_id, guardian_id))
            if row is None:
                new.append({"school_id": self.school_id, "student_id": student_id,
                            "guardian_id": guardian_id, "relation": relation})
            else:
                self.update("guardian_link", row, {"relation": relation})
        for key, row in existing.items():
            if key not in wanted:
                await self.remove("guardian_link", row, ("student_id", "guardian_id", "relation"))
        await self.create(GuardianLink, "guardian_link", new, ("student_id", "guardian_id"))

    async def staff_roles(self, roster: Roster, classes: dict[tuple[str, str], int]) -> int:
        wanted: dict[tuple[str, str, int | None], str] = {}
        for t in roster.staff:
            class_id = classes[(t.grade or "", t.class_name)] if t.class_name is not None else None
            wanted.setdefault((t.userid, t.role, class_id), t.name)
        existing = {(r.userid, r.role, r.class_id): r for r in await self.session.scalars(
            select(StaffRole).where(StaffRole.school_id == self.school_id))}
        new: list[dict[str, Any]] = []
        for (userid, role, class_id), name in wanted.items():
            row = existing.get((userid, role, class_id))
            if row is None:
                new.append({"school_id": self.school_id, "userid": userid, "name": name,
                            "role": role, "class_id": class_id})
            else:
                self.update("staff_role", row, {"name": name})
        for key, row in existing.items():
            if key not in wanted:
                await self.remove("staff_role", row, ("userid", "name", "role", "class_id"))
        await self.create(StaffRole, "staff_role", new, ("userid", "role", "class_id"))
        return len(wanted)


async def apply_roster(session: AsyncSession, school_id: int, roster: Roster, *, actor: str,
                       now: datetime) -> ImportSummary:
    """Make the school's roster match `roster`, in place, inside the caller's transaction.

    Natural keys: class (grade, name), student 学籍号, guardian userid, link (student,
    guardian), staff role (userid, role, class). Students missing from the roster are set
    inactive, never deleted; links and staff roles missing from it are deleted. Every create,
    change, deactivation and removal adds one audit entry (`actor`, `at=now`); importing the
    same roster again changes nothing and audits nothing. The caller commits.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    run = _Import(session, school_id, actor, now)
    classes = await run.classes(roster)
    guardians = await run.guardians(roster)
    students = await run.students(roster, classes)
    await run.links(roster, students, guardians)
    staff_roles = await run.staff_roles(roster, classes)
    await run.finish()
    return ImportSummary(classes=len(classes), students=len(students), guardians=len(guardians),
                         staff_roles=staff_roles, added=run.added, changed=run.changed,
                         deactivated=run.deactivated)


class RosterRepo:
    """The roster questions handlers ask, for one school, within one unit of work."""

    def __init__(self, session: AsyncSession, school_id: int) -> None:
        self._session = session
        self._school_id = school_id
        self._students: dict[int, Student | None] = {}  # read once while this repo lives

    async def roles_of(self, userid: str) -> frozenset[str]:
        """A member's staff roles, plus 家长 if they are a member guardian of an active student
        (one query). A 家校 parent's id is no member's: it never gives a role here."""
        rows = await self._session.scalars(_roles_of(), self._who(userid))
        return frozenset(rows)

    async def display_name(self, userid: str) -> str | None:
        """The name staff.csv gives the user, else the name students.csv gives the guardian."""
        return await self._session.scalar(_display_name(), self._who(userid))

    async def identity(self, userid: str) -> tuple[frozenset[str], str | None]:
        """`roles_of` and `display_name` in one query (roles empty: not in the roster)."""
        rows = (await self._session.execute(_identity(), self._who(userid))).all()
        return frozenset(r.role for r in rows), (rows[0].name if rows else None)

    def _who(self, userid: str) -> dict[str, Any]:
        return {"school_id": self._school_id, "userid": userid}

    async def guardian_name(self, userid: str) -> str | None:
        """The name students.csv gives the guardian with this id (never a staff name)."""
        return await self._session.scalar(
            select(Guardian.name).where(Guardian.school_id == self._school_id,
                                        Guardian.userid == userid).limit(1))

    async def children_of(self, userid: str, *,
                          channel: str = MEMBER_CHANNEL) -> list[Student]:
        """Active students the user is a guardian of, in 学籍号 order; `channel`: whose id
        `userid` is (a member's by default, or a 家校 parent's parent_userid)."""
        rows = await self._session.scalars(_children_of(),
                                           {**self._who(userid), "channel": channel})
        return list(rows)

    async def family_guardians(self, userids: Collection[str]) -> set[str]:
        """Which of these ids are 家校 parents (reached by 学校通知, never by chat)."""
        if not userids:
            return set()
        rows = await self._session.scalars(
            _family_guardians(), {"school_id": self._school_id, "userids": list(userids)})
        return set(rows)

    async def class_of_teacher(self, userid: str) -> list[SchoolClass]:
        """Classes where the user is 班主任."""
        rows = await self._session.scalars(
            select(SchoolClass)
            .join(StaffRole, StaffRole.class_id == SchoolClass.id)
            .where(StaffRole.school_id == self._school_id, StaffRole.userid == userid,
                   StaffRole.role == HOMEROOM)
            .order_by(SchoolClass.grade, SchoolClass.name))
        return list(rows)

    async def users_with_role(self, role: str) -> list[str]:
        """Userids holding a staff role (or 家长: guardians of active students), sorted."""
        if role == PARENT:
            stmt = (select(Guardian.userid).distinct()
                    .join(GuardianLink, GuardianLink.guardian_id == Guardian.id)
                    .join(Student, Student.id == GuardianLink.student_id)
                    .where(Guardian.school_id == self._school_id, Student.active.is_(True))
                    .order_by(Guardian.userid))
        else:
            stmt = (select(StaffRole.userid).distinct()
                    .where(StaffRole.school_id == self._school_id, StaffRole.role == role)
                    .order_by(StaffRole.userid))
        return list(await self._session.scalars(stmt))

    async def ensure_school(self, code: str, name: str, *, now: datetime,
                            actor: str = "system:config") -> int:
        """Get or create the school by code (updating its name); returns its id, audited.

        Does not use this repo's school_id (it may not exist yet).
        """
        at = now
        school = await self._session.scalar(select(School).where(School.code == code))
        if school is None:
            school = School(code=code, name=name)
            self._session.add(school)
            await self._session.flush()
            AuditRepo(self._session, school.id).record(
                actor=actor, action="create", entity="school", entity_id=school.id, at=at,
                after={"code": code, "name": name})
        elif school.name != name:
            AuditRepo(self._session, school.id).record(
                actor=actor, action="update", entity="school", entity_id=school.id, at=at,
                before={"name": school.name}, after={"name": name})
            school.name = name
        return school.id

    async def student(self, student_id: int) -> Student | None:
        """A student of this school (read once while this repo lives: one unit of work)."""
        if student_id not in self._students:
            self._students[student_id] = await self._session.scalar(
                _student(), {"id": student_id, "school_id": self._school_id})
        return self._students[student_id]

    async def school_class(self, class_id: int) -> SchoolClass | None:
        return await self._session.scalar(
            _school_class(), {"id": class_id, "school_id": self._school_id})

    async def homeroom_teachers(self, class_id: int) -> list[str]:
        """Userids of the class's 班主任."""
        rows = await self._session.scalars(
            _homeroom_teachers(), {"school_id": self._school_id, "class_id": class_id})
        return list(rows)

    async def guardians_of(self, student_id: int) -> list[str]:
        """Userids of the student's guardians."""
        rows = await self._session.scalars(
            select(Guardian.userid)
            .join(GuardianLink, GuardianLink.guardian_id == Guardian.id)
            .where(GuardianLink.student_id == student_id, Guardian.school_id == self._school_id)
            .order_by(Guardian.userid))
        return list(rows)

    async def students_named(self, name: str, class_ids: list[int]) -> list[Student]:
        """Active students of these classes with this name."""
        rows = await self._session.scalars(
            select(Student).where(Student.school_id == self._school_id, Student.name == name,
                                  Student.class_id.in_(class_ids), Student.active.is_(True))
            .order_by(Student.student_no))
        return list(rows)

    async def students_called(self, name_or_number: str) -> list[Student]:
        """Active students of the whole school with this name or this 学籍号."""
        rows = await self._session.scalars(
            select(Student).where(Student.school_id == self._school_id,
                                  (Student.name == name_or_number)
                                  | (Student.student_no == name_or_number),
                                  Student.active.is_(True))
            .order_by(Student.student_no))
        return list(rows)

    async def students_in_class(self, class_id: int) -> list[Student]:
        rows = await self._session.scalars(
            select(Student).where(Student.school_id == self._school_id,
                                  Student.class_id == class_id, Student.active.is_(True))
            .order_by(Student.student_no))
        return list(rows)
