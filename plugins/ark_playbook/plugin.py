"""The playbook plugin's hook implementations (imported at start-up: keep it light)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ark.hookspecs import hookimpl
from ark.i18n import N_

if TYPE_CHECKING:
    from ark.clihelpers import ArkGroup
    from ark.demo import DemoContext
    from ark.jobs.model import Job
    from ark.spec import SectionSchema


@hookimpl
def ark_register_commands(cli: ArkGroup) -> None:
    cli.add_lazy_command(
        "playbook",
        "ark_playbook.cli:playbook",
        N_("Publish the registry as the team's playbook: an MkDocs site."),
    )


@hookimpl
def ark_register_sections(register: Callable[[SectionSchema], None]) -> None:
    from ark_playbook.settings import SECTION

    register(SECTION)


@hookimpl(trylast=True)
def ark_demo(context: DemoContext) -> None:
    """Build the demo's playbook last, once the other parts (processes) are recorded."""
    from ark_playbook.demo import build_demo_playbook

    build_demo_playbook(context)


@hookimpl
def ark_register_jobs(register: Callable[[Job], None]) -> None:
    from ark_playbook.job import JOB

    register(JOB)
