"""What a command imports decides how fast it answers: help and `who` stay off the heavy
libraries (bench/registry.py times them as whole processes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HEAVY = (
    "sqlalchemy",
    "alembic",
    "jira",
    "mkdocs",
    "ruamel",
    "yaml",
    "yaml_rs",
    "jsonschema",
    "jsonschema_rs",
    "psycopg",
)


def imported(
    args: list[str],
    cwd: Path,
    env: dict[str, str] | None = None,
    watched: tuple[str, ...] = HEAVY,
) -> list[str]:
    """The `watched` modules (heavy libraries, by their top-level name) that a whole
    `ark ARGS` process imported."""
    probe = (
        "import json, sys, runpy\n"
        f"sys.argv = ['ark', *{args!r}]\n"
        "try:\n    runpy.run_module('ark', run_name='__main__')\n"
        "except SystemExit as exc:\n    assert not exc.code, exc.code\n"
        "names = {*sys.modules, *(m.split('.')[0] for m in sys.modules)}\n"
        f"print('HEAVY', json.dumps(sorted(names & {set(watched)!r})))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        check=True,
    )
    line = next(x for x in done.stdout.splitlines() if x.startswith("HEAVY "))
    found: list[str] = json.loads(line.removeprefix("HEAVY "))
    return found


@pytest.mark.parametrize("args", [["--help"], ["apply", "--help"], ["who", "--help"]])
def test_help_imports_no_heavy_library(tmp_path: Path, args: list[str]) -> None:
    assert imported(args, tmp_path) == []


def test_who_reads_through_the_driver_alone(team: Path, db_url: str, tmp_path: Path) -> None:
    """On an up-to-date registry `ark who` answers without SQLAlchemy (the quick path)."""
    found = imported(["who", "listening"], tmp_path, {"ARK_DATABASE_URL": db_url})
    assert "sqlalchemy" not in found
    assert set(found) <= {"psycopg"}  # the PostgreSQL driver, when that is the backend
    env = {"ARK_DATABASE_URL": db_url}
    assert imported(["who", "listening"], tmp_path, env, ("ark.registry.queries",)) == []


def test_a_core_command_loads_no_plugin(team: Path, db_url: str, tmp_path: Path) -> None:
    """Plugins' commands are added only for a name that is not a core command's."""
    plugins = ("ark_jira", "ark_processes", "ark_playbook")
    env = {"ARK_DATABASE_URL": db_url}
    assert imported(["who", "listening"], tmp_path, env, plugins) == []
    assert set(imported(["process", "--help"], tmp_path, env, plugins)) >= {"ark_processes"}


LAZY = (
    "ark.people_commands",
    "ark.jobs.cli",
    "ark_jira.cli",
    "ark_playbook.cli",
    "ark_processes.cli",
    "ark_web.cli",
)


def test_help_imports_no_command_module(tmp_path: Path) -> None:
    """`ark --help` lists the lazy commands from their registration, importing none."""
    assert imported(["--help"], tmp_path, watched=LAZY) == []


def test_a_plugin_command_imports_its_own_module_alone(tmp_path: Path) -> None:
    found = imported(["jira", "--help"], tmp_path, watched=LAZY)
    assert found == ["ark_jira.cli"]


def test_the_lazy_lines_are_the_commands_own() -> None:
    """The help `ark --help` shows for a lazy command is the one the command gives, once
    imported: the line registered with it has not drifted from its docstring. It runs in a
    fresh interpreter, where no other test has loaded a command yet."""
    probe = """
import click
from click.testing import CliRunner
from ark.cli import cli
runner = CliRunner()
listed = runner.invoke(cli, ["--help"], terminal_width=200).output
assert {"person", "jira", "serve"} <= set(cli.lazy), sorted(cli.lazy)
for name in list(cli.lazy):
    assert cli.get_command(click.Context(cli), name) is not None, name
assert not cli.lazy, sorted(cli.lazy)
assert runner.invoke(cli, ["--help"], terminal_width=200).output == listed
assert "Publish the registry as the team's playbook" in listed
"""
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_checking_a_file_runs_no_migration(tmp_path: Path) -> None:
    """`ark check --file` makes its in-memory registry from the models, not with Alembic."""
    (tmp_path / "team").mkdir()
    subprocess.run(
        [sys.executable, "-m", "ark", "init", str(tmp_path / "team")],
        check=True,
        capture_output=True,
    )
    probe = (
        "import sys, runpy\n"
        f"sys.argv = ['ark', 'check', '--file', {str(tmp_path / 'team' / 'ark.yaml')!r}]\n"
        "try:\n    runpy.run_module('ark', run_name='__main__')\n"
        "except SystemExit as exc:\n    print('EXIT', exc.code)\n"
        "print('ALEMBIC', 'alembic' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert "ALEMBIC False" in done.stdout, done.stdout + done.stderr
    assert "errors" in done.stdout  # the checks ran and reported
