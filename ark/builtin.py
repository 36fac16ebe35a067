"""Ark's own contributions through its hooks: the core checks and the `ark` template.

This module is imported at start-up, so it imports the heavy parts only inside the hooks.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ark.hookspecs import hookimpl
from ark.i18n import N_

if TYPE_CHECKING:
    from ark.checks import Check
    from ark.clihelpers import ArkGroup
    from ark.jobs.model import Job
    from ark.spec import SectionSchema
    from ark.templates import Template


@hookimpl
def ark_register_commands(cli: ArkGroup) -> None:
    for name, target, short_help in (
        (
            "person",
            "ark.people_commands:person",
            N_("Move a contributor to another department, or offboard one who leaves."),
        ),
        (
            "import",
            "ark.people_commands:import_people",
            N_("Add or update the contributors listed in the CSV FILE, in one transaction."),
        ),
        (
            "worker",
            "ark.jobs.cli:worker",
            N_("Run the background jobs (planning, Jira sync, playbook, reminders) until stopped."),
        ),
        (
            "jobs",
            "ark.jobs.cli:jobs",
            N_(
                "List the background jobs: last run, result and next run (in the strategy's "
                "time zone)."
            ),
        ),
        ("digest", "ark.jobs.cli:digest", N_("Turn EMAIL's weekly digest of tasks on or off.")),
    ):
        cli.add_lazy_command(name, target, short_help)


@hookimpl
def ark_register_checks(register: Callable[[Check], None]) -> None:
    from ark.checks import CORE_CHECKS
    from ark.loop_checks import LOOP_CHECKS

    for check in (*CORE_CHECKS, *LOOP_CHECKS):
        register(check)


@hookimpl
def ark_register_templates(register: Callable[[Template], None]) -> None:
    from ark.templates import ARK_TEMPLATE, SMALL_FIRM_TEMPLATE

    register(ARK_TEMPLATE)
    register(SMALL_FIRM_TEMPLATE)


@hookimpl
def ark_register_sections(register: Callable[[SectionSchema], None]) -> None:
    from ark.jobs.config import AUTOMATION, NOTIFY

    register(AUTOMATION)
    register(NOTIFY)


@hookimpl
def ark_register_jobs(register: Callable[[Job], None]) -> None:
    from ark.jobs.core import CORE_JOBS

    for job in CORE_JOBS:
        register(job)
