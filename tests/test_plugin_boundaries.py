"""Plugins read through the read API and write through the `Registry`: no module under
`plugins/` imports the ORM models or SQLAlchemy, touches a session, or keeps an ORM row a
`Registry` method returns (a write's row is dropped; reads go through `registry.read`); and
they take the shared command-line pieces from `ark.clihelpers`, not from the core's commands
in `ark.cli`."""

from __future__ import annotations

import ast
import inspect
import re
from pathlib import Path

import ark.models
from ark.registry.writer import Registry

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = ROOT / "plugins"
FORBIDDEN_MODULES = ("ark.models", "sqlalchemy", "ark.cli")
MODELS = {
    name
    for name, value in vars(ark.models).items()
    if isinstance(value, type) and hasattr(value, "__tablename__")
}
# The `Registry` methods whose answer is (or holds) an ORM row, read off their annotations.
ROW_METHODS = {
    name
    for name, method in inspect.getmembers(Registry, inspect.isfunction)
    if MODELS & set(re.findall(r"\w+", str(method.__annotations__.get("return", ""))))
}


def _is_registry(node: ast.expr) -> bool:
    """`registry`, `reg` or `self.registry`: what hooks and commands call the `Registry`
    (an HTTP client's `.session` is no business of this rule)."""
    name = node.id if isinstance(node, ast.Name) else getattr(node, "attr", "")
    return name in ("registry", "reg")


def breaches(path: Path) -> list[str]:
    """Where the module imports a forbidden module or reads through the registry's session."""
    found: list[tuple[int, str]] = []
    tree = ast.parse(path.read_text(encoding="utf-8"))
    statements = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        for name in names:
            if any(name == m or name.startswith(m + ".") for m in FORBIDDEN_MODULES):
                found.append((getattr(node, "lineno", 0), f"imports {name}"))
        if isinstance(node, ast.Attribute) and node.attr == "session" and _is_registry(node.value):
            found.append((node.lineno, "uses registry.session"))
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in ROW_METHODS
            and _is_registry(node.func.value)
            and id(node) not in statements
        ):
            found.append((node.lineno, f"keeps the ORM row of registry.{node.func.attr}()"))
    return [f"line {line}: {what}" for line, what in sorted(found)]


def test_no_plugin_module_imports_the_models_or_touches_a_session() -> None:
    offenders = {}
    for path in sorted(PLUGINS.rglob("*.py")):
        name = path.relative_to(PLUGINS).as_posix()
        found = breaches(path)
        if found:
            offenders[name] = found
    assert not offenders, offenders


def test_the_rule_catches_an_import_and_a_session(tmp_path: Path) -> None:
    module = tmp_path / "bad.py"
    module.write_text(
        "from ark.models import Task\n"
        "from ark.clihelpers import read\n"
        "def f(registry):\n"
        "    import sqlalchemy.orm\n"
        "    return registry.session.get(Task, 1)\n"
        "def g(client):\n"
        "    return client.session.get('https://jira.example.com')\n"
        "def h(registry):\n"
        "    registry.set_task_status('listening/2026-W48', 'done')\n"
        "    return registry.task('listening/2026-W48').note\n",
        encoding="utf-8",
    )
    assert breaches(module) == [
        "line 1: imports ark.models",
        "line 4: imports sqlalchemy.orm",
        "line 5: uses registry.session",
        "line 10: keeps the ORM row of registry.task()",
    ]
    assert {"task", "contributor", "set_task_status"} <= ROW_METHODS
