"""No input reaches a Python traceback: every command, plugins' included, with hostile values.

The command tree is walked (so a new command is covered the day it is added); each command
is run with every hostile value in each of its arguments and each of its options, against a
registry holding the sample team. Whatever the outcome, it is an exit code with a message,
never a traceback. Fuzzing with Hypothesis does the same for the numeric and date options.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ark.cli import cli
from ark.plugins import hooks
from tests.conftest import Ark

HOSTILE = (
    "",
    "-",
    "nan",
    "-inf",
    "1e309",
    "-1",
    "9" * 5000,
    "0000-01-01",
    "9999-12-31",
    "\x1b]52;c;aGk=\x07",
    "x\u200by@acme.test",
    "x\ny: 1",
    "a" * 300,
    "/dev/zero",
    "%s{0}$(id)",
    "sqlite:///nowhere/x.db?bogus=1",
)
# Commands that run until interrupted, or build a whole site, are given no registry, so a
# value they accept cannot start a server or a long build: they still parse every value.
NO_REGISTRY = {
    ("playbook", "serve"),
    ("playbook", "build"),
    ("playbook", "pdf"),
    ("demo",),
    ("serve",),
    ("worker",),
}


def leaves(group: click.Group, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    context = click.Context(group)
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        if isinstance(command, click.Group):
            yield from leaves(command, (*path, name))
        else:
            yield (*path, name), command


def invocations(command: click.Command) -> Iterator[list[str]]:
    """The command with each hostile value in every argument, then in each option alone."""
    arguments = [p for p in command.params if isinstance(p, click.Argument)]
    options = [
        p
        for p in command.params
        if isinstance(p, click.Option) and not p.is_flag and p.name not in ("help",)
    ]
    flags = [p.opts[0] for p in command.params if isinstance(p, click.Option) and p.is_flag]
    normal = ["listening"] * len(arguments)
    for value in HOSTILE:
        yield [value] * len(arguments)
        for option in options:
            yield [*normal, option.opts[0], value]
    if flags:
        yield [*normal, *flags]


def strict_json(text: str) -> Any:
    """JSON as other programs read it: `NaN` and `Infinity` are not JSON."""

    def refuse(constant: str) -> None:
        raise AssertionError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def run(args: list[str], env: dict[str, str]) -> Result:
    return CliRunner().invoke(cli, args, env=env, catch_exceptions=True)


def assert_no_traceback(result: Result, args: list[str]) -> None:
    shown = f"ark {' '.join(a[:40] for a in args)!s} -> {result.exit_code}\n{result.output}"
    assert result.exception is None or isinstance(result.exception, SystemExit), (
        f"{shown}\n{result.exception!r}"
    )
    assert "Traceback" not in result.output, shown
    assert result.exit_code in (0, 1, 2), shown


hooks().ark_register_commands(cli=cli)  # as `ark.cli.main` does, before collecting
COMMANDS = list(leaves(cli))


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS], ids=" ".join)
def test_no_command_shows_a_traceback_for_hostile_values(
    ark: Ark, team: Path, path: tuple[str, ...], tmp_path: Path
) -> None:
    command = dict(COMMANDS)[path]
    env = {"ARK_DATABASE_URL": ark.db_url, "ARK_USER": "tester"}
    if path in NO_REGISTRY:
        env["ARK_DATABASE_URL"] = f"sqlite:///{tmp_path / 'missing' / 'ark.db'}"
    for args in invocations(command):
        result = run([*path, *args], env)
        assert_no_traceback(result, [*path, *args])
        if "--json" in args and result.exit_code == 0:
            strict_json(result.stdout)


def test_every_command_is_walked() -> None:
    names = {" ".join(p) for p, _ in COMMANDS}
    assert {"apply", "export", "who", "tasks plan", "kpi record", "process record"} <= names
    assert any(name.startswith("playbook ") for name in names)  # plugins' commands too
    assert any(name.startswith("jira ") for name in names)


# -- fuzzing the numeric and date options ------------------------------------------------------

NUMBERS = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["nan", "NaN", "inf", "-Infinity", "1e309", "0x10", "1_000", " 4 ", "", "٣"]),
    st.text(max_size=12),
)
DATES = st.one_of(
    st.dates().map(dt.date.isoformat),
    st.sampled_from(["0000-01-01", "9999-12-31", "2026-02-30", "2026-W01", "20261231", ""]),
    st.text(max_size=12),
)
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _fine(result: Result, args: list[str]) -> None:
    assert_no_traceback(result, args)


@FUZZ
@given(hours=NUMBERS, since=DATES)
def test_fuzz_assign_hours_and_date(ark: Ark, team: Path, hours: str, since: str) -> None:
    args = ["assign", "carla@acme.test", "listening", "--role", "consulted"]
    args += ["--hours", hours, "--from", since]
    result = run(args, {"ARK_DATABASE_URL": ark.db_url, "ARK_USER": "tester"})
    _fine(result, args)
    if result.exit_code == 0:
        assert 0 <= float(hours) <= 80


@FUZZ
@given(value=NUMBERS, on=DATES)
def test_fuzz_kpi_record_value_and_date(ark: Ark, team: Path, value: str, on: str) -> None:
    env = {"ARK_DATABASE_URL": ark.db_url, "ARK_USER": "tester"}
    args = ["kpi", "record", "leads", value, "--date", on]
    _fine(run(args, env), args)
    shown = run(["kpi", "show", "leads", "--json"], env)
    _fine(shown, ["kpi", "show"])
    readings = strict_json(shown.stdout)["readings"]
    assert all(math.isfinite(r["value"]) for r in readings)


@FUZZ
@given(until=DATES, start=DATES)
def test_fuzz_tasks_plan_dates(ark: Ark, team: Path, until: str, start: str) -> None:
    env = {"ARK_DATABASE_URL": ark.db_url, "ARK_USER": "tester"}
    args = ["tasks", "plan", "--until", until, "--from", start, "--json"]
    result = run(args, env)
    _fine(result, args)
    if result.exit_code == 0:
        created = strict_json(result.stdout)["created"]
        years = (dt.date.fromisoformat(until) - dt.date.fromisoformat(start)).days / 365
        assert years <= 5 + 1 or not created


@FUZZ
@given(on=DATES, revision=NUMBERS, old=NUMBERS)
def test_fuzz_unassign_and_process_numbers(
    ark: Ark, team: Path, on: str, revision: str, old: str
) -> None:
    env = {"ARK_DATABASE_URL": ark.db_url, "ARK_USER": "tester"}
    for args in (
        ["unassign", "carla@acme.test", "listening", "--on", on],
        ["process", "show", "weekly-report", "--revision", revision],
        ["process", "diff", "weekly-report", old, revision],
        ["process", "review", "weekly-report", "--on", on],
        ["playbook", "serve", "--interval", revision, "--db", "sqlite:///missing/ark.db"],
    ):
        _fine(run(args, env), args)
