"""The Jira part of `ark demo`: the changes against an empty board, with no server needed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ark.demo import DemoContext
from ark.plugins import hooks
from ark.registry.writer import transaction
from ark_jira.board import Board
from ark_jira.config import JiraConfig, stored_section
from ark_jira.sync import Syncer

SAMPLE = {"server": "https://example.atlassian.net", "project": "ARK"}


class EmptyBoard(Board):
    """A board with no issues and no users: what a first sync starts from."""

    def __init__(self, config: JiraConfig) -> None:
        self.project = config.project
        self.api = type("OfflineApi", (), {"cloud": True, "config": config})()

    def managed(self, label: str) -> Iterator[dict[str, Any]]:
        return iter(())

    def find_user(self, email: str) -> list[str]:
        """Everyone is taken to have a Jira account under their e-mail."""
        return [email]


def show_plan(context: DemoContext) -> None:
    hook = hooks()
    with transaction(context.engine, hooks=hook) as registry:
        section = stored_section(registry)
    config = JiraConfig.from_section(section or SAMPLE)
    # A dry run: the users EmptyBoard makes up must never be remembered as Jira's answers.
    syncer = Syncer(
        config, EmptyBoard(config), lambda: transaction(context.engine, hooks=hook), dry_run=True
    )
    changeset = syncer.changeset()
    shown_by = (
        "`ark jira sync --dry-run` shows them"
        if section
        else "add a jira: section to ark.yaml (docs/jira.md), then `ark jira check`"
    )
    where = "configured" if section else "sample (no jira: section)"
    context.echo(
        f"jira:        {len(changeset.creates)} issues to create in {config.project} at "
        f"{config.server} ({where}); {shown_by}"
    )
    for line in list(changeset.lines())[:3]:
        context.echo(f"             {line}")
