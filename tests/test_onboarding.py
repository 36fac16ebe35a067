"""The traps a new user fell into in their first hour, each kept shut by a test."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import click
import pytest

from ark.cli import cli
from tests.conftest import Ark, Demo
from tests.test_docs import commands


def test_a_fresh_init_checks_without_process_warnings_but_flags_placeholders(
    ark: Ark, tmp_path: Path
) -> None:
    ark("init", str(tmp_path / "new"))
    team = tmp_path / "new" / "ark.yaml"
    findings = ark.json("check", "--file", str(team))["findings"]
    assert [f for f in findings if f["code"] == "process-missing"] == []
    placeholders = {f["subject"] for f in findings if f["code"] == "placeholder"}
    assert "lead.marketing@example.com" in placeholders
    team.write_text(team.read_text().replace("lead.marketing@example.com", "ana@acme.com"))
    findings = ark.json("check", "--file", str(team))["findings"]
    assert "lead.marketing@example.com" not in {f["subject"] for f in findings}
    assert "ana@acme.com" not in {f["subject"] for f in findings}


def test_init_no_longer_tells_to_record_what_the_demo_then_records(
    demo: Callable[[str], Demo],
) -> None:
    out = demo("en").output
    assert "once the team is applied" not in out
    assert "processes:   15 documented" in out


def test_the_demo_suggests_no_command_that_fails_there_and_points_to_init(
    demo: Callable[[str], Demo],
) -> None:
    out = demo("en").output
    assert "ark jira sync --dry-run" not in out  # no jira: section in the demo
    assert "add a jira: section" in out
    assert "ark init" in out.splitlines()[-1]


def test_the_demo_never_overwrites_an_edited_team_file(
    demo: Callable[[str], Demo], ark: Ark, tmp_path: Path
) -> None:
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "ark.yaml").write_text("ark: 1\n# my own team\n")
    refused = ark("demo", str(mine), code=1)
    assert "was edited since `ark demo` wrote it" in refused.output
    assert "--force" in refused.output
    assert (mine / "ark.yaml").read_text() == "ark: 1\n# my own team\n"

    made = demo("en")  # the shared demo's registry knows what it wrote; it is only read here
    copy = tmp_path / "copy"
    copy.mkdir()
    shutil.copy(made.workspace / "ark.yaml", copy / "ark.yaml")
    with (copy / "ark.yaml").open("a") as f:
        f.write("# an edit\n")
    edited = Ark(tmp_path, made.db_url)("demo", str(copy), code=1)
    assert "was edited since" in edited.output


def test_the_second_accountable_hint_ends_only_the_accountable_role(ark: Ark, team: Path) -> None:
    out = ark("assign", "bruno@acme.test", "listening", "--role", "accountable", code=1).output
    assert "ark unassign ana@acme.test listening --role accountable" in out


def test_jira_check_where_there_is_no_registry_creates_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    monkeypatch.chdir(empty)
    out = Ark(empty, "")("jira", "check", code=1).output  # no URL: the folder's own registry
    assert "no registry here" in out
    assert not (empty / ".ark").exists()


@pytest.mark.parametrize("lang", ["en", "es", "it"])
def test_a_new_process_file_is_not_recorded_with_its_placeholder_text(
    ark: Ark, team: Path, lang: str
) -> None:
    """The placeholders come from the catalogue in the language asked for; a file still holding
    them is refused in any language, whatever the strategy's."""
    ark("process", "new", "weekly", "--responsibility", "listening", "--lang", lang)
    written = (ark.workspace / "processes/weekly.md").read_text(encoding="utf-8")
    assert ("Il primo passo, come istruzione" in written) == (lang == "it")
    out = ark("process", "record", "processes/weekly.md", code=2).output
    assert "purpose: still holds the placeholder text of `ark process new`" in out
    assert "nothing was recorded" in out
    assert ark.json("process", "list") == []


def test_capacity_zero_is_told_what_is_allowed(ark: Ark, team: Path) -> None:
    team.write_text(team.read_text().replace("capacity: 6", "capacity: 0"))
    out = ark("check", "--file", str(team), code=2).output
    assert "capacity: 0 is out of range" in out
    assert "use a number above 0 and at most 80" in out


def test_one_date_option_name_across_commands() -> None:
    """A change's date is `--on` everywhere; a range of dates is `--from` and `--until`.

    A deadline that is part of what is written (a calendar piece's `--draft`) is named for
    what it is: it is not the date the change takes effect.
    """
    deadlines = {"--draft"}
    for path, command in commands(cli):
        dates = [
            p.opts[0]
            for p in command.params
            if isinstance(p, click.Option) and p.metavar == "DATE" and p.opts[0] not in deadlines
        ]
        ranged = {"--from", "--until"} & set(dates)
        assert set(dates) <= {"--on", "--from", "--until"}, (path, dates)
        assert not ranged or "--until" in dates, (path, dates)  # a --from alone is a range
