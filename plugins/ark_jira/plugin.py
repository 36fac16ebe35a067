"""The Jira plugin's hook implementations (imported at start-up: keep it light)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ark.hookspecs import hookimpl
from ark.i18n import N_

if TYPE_CHECKING:
    from ark.clihelpers import ArkGroup
    from ark.demo import DemoContext
    from ark.jobs.model import Job
    from ark.registry.writer import Registry
    from ark.spec import SectionSchema


@hookimpl
def ark_register_commands(cli: ArkGroup) -> None:
    cli.add_lazy_command(
        "jira",
        "ark_jira.cli:jira",
        N_("Populate the team's Jira board with Ark's tasks, and pull their status back."),
    )


@hookimpl
def ark_register_sections(register: Callable[[SectionSchema], None]) -> None:
    from ark_jira.config import SECTION

    register(SECTION)


@hookimpl
def ark_demo(context: DemoContext) -> None:
    from ark_jira.demo import show_plan

    show_plan(context)


@hookimpl
def ark_playbook_pages(registry: Registry, lang: str, register: Callable[[str, str], None]) -> None:
    from ark_jira.pages import board_page

    page = board_page(registry, lang)
    if page:
        register("jira/board.md", page)


@hookimpl
def ark_issue_links(registry: Registry, register: Callable[[str, str], None]) -> None:
    from ark_jira.config import issue_url
    from ark_jira.sync import SYSTEM

    found = issue_url(registry)
    if found:
        register(SYSTEM, found)


@hookimpl
def ark_register_jobs(register: Callable[[Job], None]) -> None:
    from ark_jira.job import JOB

    register(JOB)
