"""The `jira:` section and the credentials, checked before any Jira is contacted."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from tests.conftest import Ark, Demo

SECTION = "jira:\n  server: {server}\n  project: {project}\n"


def with_section(ark: Ark, body: str) -> Path:
    path = ark.team_file()
    path.write_text(path.read_text() + body)
    return path


def test_bad_section_reports_every_problem_with_file_line_and_nothing_is_applied(
    ark: Ark,
) -> None:
    path = with_section(
        ark,
        "jira:\n  server: ftp://jira.acme.test\n  project: ark\n"
        "  departments: teams\n  conflicts: both\n  token: s3cret\n",
    )
    first = path.read_text().splitlines().index("jira:") + 1
    out = ark("apply", str(path), code=2).output
    for line, field, fix in [
        (first + 1, "jira.server", "https://acme.atlassian.net"),
        (first + 2, "jira.project", "project key in capitals"),
        (first + 3, "jira.departments", "component, label, none"),
        (first + 4, "jira.conflicts", "ark, jira"),
        (first + 1, "jira: unknown field 'token'", "allowed here: server, project"),
    ]:
        assert f"ark.yaml:{line}:" in out and field in out and fix in out, (field, out)
    assert "5 problems in the team file; nothing was changed" in out
    assert "no registry" in ark("export", code=1).output  # nothing applied, not even a schema


def test_the_section_is_stored_and_exported_back(ark: Ark) -> None:
    path = with_section(ark, SECTION.format(server="https://acme.atlassian.net", project="ARK"))
    ark("apply", str(path))
    exported = ark("export").output
    assert yaml.safe_load(exported)["jira"] == {
        "server": "https://acme.atlassian.net",
        "project": "ARK",
    }
    again = ark.workspace / "again.yaml"
    again.write_text(exported)
    assert "nothing to change" in ark("apply", str(again)).output


def test_commands_need_a_section(ark: Ark, team: Path) -> None:
    out = ark("jira", "check", code=1).output
    assert "no `jira:` section" in out and "server:" in out


@pytest.mark.parametrize("command", [("check",), ("sync", "--dry-run"), ("sync",)])
def test_credentials_come_only_from_the_environment(
    ark: Ark, monkeypatch: pytest.MonkeyPatch, command: tuple[str, ...]
) -> None:
    for name in ("ARK_JIRA_EMAIL", "ARK_JIRA_TOKEN", "ARK_JIRA_PAT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ARK_JIRA_EMAIL", "bot@acme.test")  # an e-mail alone is not enough
    path = with_section(ark, SECTION.format(server="https://acme.atlassian.net", project="ARK"))
    ark("apply", str(path))
    out = ark("jira", *command, code=1).output
    assert "no Jira credentials in the environment" in out
    assert "ARK_JIRA_EMAIL and ARK_JIRA_TOKEN" in out and "ARK_JIRA_PAT" in out


def test_demo_shows_the_plan_with_assignees_when_no_jira_is_configured(
    demo: Callable[[str], Demo],
) -> None:
    out = demo("en").output
    jira = [line.strip() for line in out.splitlines() if line.strip().startswith("+ create")]
    assert "issues to create in ARK at https://example.atlassian.net" in out
    assert jira and all("@example.com, due " in line for line in jira), jira
