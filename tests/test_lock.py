"""requirements.lock is what runs: it pins everything pyproject.toml asks for, with hashes, and the
environment holds exactly the pinned versions. A dependency added without `make lock` fails here."""

from __future__ import annotations

import tomllib
from importlib.metadata import PackageNotFoundError, version

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.harness import ROOT


def _locked() -> dict[str, tuple[Requirement, list[str]]]:
    """Each pin of the lock (`name==version ; marker \\` then its `--hash=` lines), by name."""
    pins: dict[str, tuple[Requirement, list[str]]] = {}
    hashes: list[str] = []
    for line in (ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        if line.startswith("    --hash="):
            hashes.append(line.strip())
        elif line and not line[0].isspace() and not line.startswith("#"):
            req = Requirement(line.removesuffix("\\").strip())
            hashes = []
            pins[canonicalize_name(req.name)] = (req, hashes)
    return pins


def _asked() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    asked = project["dependencies"] + project["optional-dependencies"]["dev"]
    return [Requirement(r) for r in asked]


def test_the_lock_pins_every_dependency_with_hashes() -> None:
    pins = _locked()
    for req in _asked():
        assert canonicalize_name(req.name) in pins, (
            f"{req.name} is not in requirements.lock: run `make lock`")
        pin = pins[canonicalize_name(req.name)][0]
        assert req.specifier.contains(next(iter(pin.specifier)).version, prereleases=True), (
            f"requirements.lock has {pin}, pyproject.toml asks {req}: run `make lock`")
    for pin, hashes in pins.values():
        assert [s.operator for s in pin.specifier] == ["=="], pin
        assert hashes and all(h.startswith("--hash=sha256:") for h in hashes), pin


def test_the_environment_holds_the_locked_versions() -> None:
    wrong = []
    for name, (pin, _) in _locked().items():
        if pin.marker is not None and not pin.marker.evaluate():
            continue  # another platform's package
        try:
            installed = version(name)
        except PackageNotFoundError:
            wrong.append(f"{name}: not installed, {pin.specifier} locked")
            continue
        if not pin.specifier.contains(installed, prereleases=True):
            wrong.append(f"{name}: {installed} installed, {pin.specifier} locked")
    assert wrong == [], f"the environment is not the lock's (make test reinstalls it): {wrong}"
