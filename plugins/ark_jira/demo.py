"""The Jira part of `ark demo`: the changes against an empty board, with no server needed."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from ark.demo import DemoContext
from ark.i18n import N_, Nn_, tr
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
    context.report(
        N_("jira:"),
        tr(
            Nn_(
                "{count} issue to create in {project} at {server} ({where}); {next}",
                "{count} issues to create in {project} at {server} ({where}); {next}",
            ),
            count=len(changeset.creates),
            project=config.project,
            server=config.server,
            where=tr(N_("configured") if section else N_("sample (no jira: section)")),
            next=tr(
                N_("`ark jira sync --dry-run` shows them")
                if section
                else N_("add a jira: section to ark.yaml (docs/jira.md), then `ark jira check`")
            ),
        ),
    )
    for line in list(changeset.lines())[:3]:
        context.report("", line)
