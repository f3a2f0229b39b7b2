"""A deployment: the schools one service runs, each with its own Config.

A single-school `config.toml` is a deployment of one school, read as it always was. With
`[deployment] schools_dir`, the main file holds what the schools share ([server], [database],
[security], [storage] and defaults for any other section) and each `<code>.toml` in the directory
one school: its [school], [wecom], [calendar], [approval] and any setting it changes. A school's
file is laid over the main file's sections key by key, so a district sets its tiers once and a
school overrides one. Each school of a deployment gets:
- its pages under `/s/<code>` (server.base_path; public_url ends with it) and its callback at
  `/wecom/callback/<code>`;
- keys of its own (security.scope), so a cookie, 放行码 or link of one school is void at another;
- its uploads in `<storage.dir>/<code>`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from bot.config import (
    Config,
    ConfigError,
    DatabaseConfig,
    ServerConfig,
    database_config,
    parse_config,
    server_config,
)

# Sections only the main file may hold: what every school of the process shares.
SHARED_ONLY = ("server", "database", "security", "deployment")
# A school's code: in URLs and file names, so letters, digits, '-' and '_' only.
CODE = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
SCHOOL_PREFIX = "/s/"


@dataclass(frozen=True)
class Deployment:
    """The schools of one service, by code, in the directory's (or the file's) order."""

    path: Path  # the main config file
    schools_dir: Path | None  # None: a single-school config file
    schools: dict[str, Config]
    server: ServerConfig  # what every school shares
    database: DatabaseConfig

    @property
    def single(self) -> bool:
        return self.schools_dir is None

    def school(self, code: str | None) -> Config:
        """The school named by `--school`; with one school, that one (named or not)."""
        if code is None:
            if len(self.schools) == 1:
                return next(iter(self.schools.values()))
            if not self.schools:
                raise ConfigError(f"{self.schools_dir}: no school yet (add one with "
                                  "`qingjia school add CODE --name 校名`)")
            raise ConfigError(f"this deployment has {len(self.schools)} schools: name one with "
                              f"--school ({', '.join(self.schools)})")
        if code not in self.schools:
            known = ", ".join(self.schools) or "none yet"
            raise ConfigError(f"--school {code}: no such school (schools: {known})")
        return self.schools[code]

    def callback_url(self, code: str) -> str:
        """What to enter as the school's app's 接收消息 URL in the WeCom admin console."""
        path = "/wecom/callback" if self.single else f"/wecom/callback/{code}"
        return self.server.public_url + path


def single_school(config: Config, path: Path = Path("config.toml")) -> Deployment:
    """A single-school config as a deployment of one."""
    return Deployment(path, None, {config.school.code: config}, config.server, config.database)


def read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML ({exc})") from exc


def schools_dir_of(path: Path, raw: dict[str, Any]) -> Path | None:
    """`[deployment] schools_dir`, relative to the main file's folder; None without it."""
    section = raw.get("deployment")
    if section is None:
        return None
    if not isinstance(section, dict) or set(section) - {"schools_dir"}:
        raise ConfigError("[deployment]: only schools_dir is known there")
    value = section.get("schools_dir")
    if not isinstance(value, str) or not value.strip():
        raise ConfigError("deployment.schools_dir: must be a non-empty string")
    folder = Path(value.strip())
    return folder if folder.is_absolute() else path.parent / folder


def load_deployment(path: Path) -> Deployment:
    """Read the main file and, for a deployment, every school's file; errors name file and key."""
    raw = read_toml(path)
    folder = schools_dir_of(path, raw)
    if folder is None:
        return single_school(parse_config(raw), path)
    if not folder.is_dir():
        raise ConfigError(f"deployment.schools_dir: no folder {folder}")
    base = {k: v for k, v in raw.items() if k != "deployment"}
    schools: dict[str, Config] = {}
    for file in sorted(folder.glob("*.toml")):
        config = school_config(base, file)
        schools[config.school.code] = config
    _refuse_shared_apps(schools)
    return Deployment(path, folder, schools, server_config(base), database_config(base))


def school_config(base: dict[str, Any], file: Path) -> Config:
    """One school of a deployment: its file laid over the main file's sections."""
    code = file.stem
    if not CODE.fullmatch(code):
        raise ConfigError(f"{file}: a school's file is named by its code: lower-case letters, "
                          "digits, '-' and '_' (at most 32)")
    own = read_toml(file)
    if shared := [s for s in SHARED_ONLY if s in own]:
        raise ConfigError(f"{file}: [{shared[0]}] is shared by every school; set it in the "
                          "main config file")
    school = own.setdefault("school", {})
    if not isinstance(school, dict):
        raise ConfigError(f"{file}: [school] must be a table")
    if "name" not in school:  # never the main file's: each school says who it is
        raise ConfigError(f"{file}: school.name: missing")
    if school.setdefault("code", code) != code:
        raise ConfigError(f"{file}: school.code {school['code']!r} differs from the file's "
                          f"name ({code})")
    merged = _overlay(base, own)
    try:
        config = parse_config(merged)
    except ConfigError as exc:
        raise ConfigError(f"{file}: {exc}") from None
    prefix = SCHOOL_PREFIX + code
    return replace(
        config,
        server=replace(config.server, base_path=prefix,
                       public_url=config.server.public_url + prefix),
        security=replace(config.security, scope=code),
        storage=replace(config.storage, dir=config.storage.dir / code))


def _overlay(base: dict[str, Any], own: dict[str, Any]) -> dict[str, Any]:
    """`own` over `base`, tables merged key by key; anything else (lists too) replaced."""
    merged = dict(base)
    for key, value in own.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _overlay(merged[key], value)
        else:
            merged[key] = value
    return merged


def _refuse_shared_apps(schools: dict[str, Config]) -> None:
    """Two schools on one WeCom app could not be told apart: each has its own."""
    seen: dict[tuple[str, int], str] = {}
    for code, config in schools.items():
        app = (config.wecom.corp_id, config.wecom.agent_id)
        if app in seen:
            raise ConfigError(f"schools {seen[app]} and {code} name the same WeCom app "
                              f"(corp_id {app[0]}, agent_id {app[1]}): each school has its own")
        seen[app] = code
