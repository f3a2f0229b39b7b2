"""The layers' import rules, read from the source: each package imports only what is below it.

models (tables, repositories, rules, message types) → services (operations shared by chat, jobs
and pages) → handlers (chat), scheduler (jobs), reports → bot (transport, app, pages, CLI).
`bot.config` is data every layer is given. bot/ reaches handlers only to wire the dispatcher
and the routing map (the app factory, the inbox worker).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.harness import ROOT

OURS = ("bot", "handlers", "models", "reports", "scheduler", "services", "migrations")
CONFIG = ("bot.config",)
# package → the modules of ours (outside itself) it may import: a name or a dotted prefix.
ALLOWED: dict[str, tuple[str, ...]] = {
    "models": ("migrations",),
    "services": ("models", *CONFIG),
    "handlers": ("models", "services", *CONFIG),
    "scheduler": ("models", "services", *CONFIG),
    "reports": ("models", "services", *CONFIG),
    "bot": ("models", "services", "reports", "scheduler", "handlers.engine", "handlers.routing"),
}


def imported(path: Path) -> list[tuple[int, str]]:
    """(line, module) of every import in a file, function-level ones included."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found += [(node.lineno, f"{node.module}.{alias.name}") for alias in node.names]
    return found


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def offences(package: str, root: Path = ROOT) -> list[str]:
    """Imports of our other packages that the package's rule does not allow."""
    bad = []
    for path in sorted((root / package).rglob("*.py")):
        for line, module in imported(path):
            top = module.split(".")[0]
            if top not in OURS or top == package:
                continue
            if not any(_within(module, allowed) for allowed in ALLOWED[package]):
                bad.append(f"{path.relative_to(root)}:{line}: {module}")
    return bad


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_each_package_imports_only_the_layers_below_it(package: str) -> None:
    assert offences(package) == []


def test_the_rules_read_imports_inside_functions_too(tmp_path: Path) -> None:
    source = tmp_path / "late.py"
    source.write_text("def f():\n    from handlers.parent import start\n    import bot.app\n",
                      encoding="utf-8")
    assert imported(source) == [(2, "handlers.parent.start"), (3, "bot.app")]


def test_a_repository_importing_a_handler_would_be_caught(tmp_path: Path) -> None:
    """The rule on a small tree: a repository reaching up into handlers is reported."""
    repo = tmp_path / "models" / "repos" / "leaves.py"
    repo.parent.mkdir(parents=True)
    repo.write_text("from models.leave import Leave\nfrom handlers.context import User\n",
                    encoding="utf-8")
    assert offences("models", tmp_path) == ["models/repos/leaves.py:2: handlers.context.User"]


def test_bot_reaches_handlers_only_for_the_dispatcher_and_the_routing_map() -> None:
    """Only the workers' factory (the dispatcher and its routers) and the inbox worker import
    handlers."""
    users = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "bot").rglob("*.py")
                   if any(module.startswith("handlers.") for _, module in imported(path)))
    assert users == ["bot/inbox_worker.py", "bot/workers.py"]
