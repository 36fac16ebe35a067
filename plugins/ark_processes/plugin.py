"""The processes plugin's hook implementations (imported at start-up: keep it light)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ark.hookspecs import hookimpl
from ark.i18n import N_, Nn_, tr

if TYPE_CHECKING:
    from ark.checks import Check
    from ark.clihelpers import ArkGroup
    from ark.demo import DemoContext
    from ark.registry.events import TaskChange
    from ark.registry.writer import Registry


@hookimpl
def ark_register_commands(cli: ArkGroup) -> None:
    cli.add_lazy_command(
        "process",
        "ark_processes.cli:process",
        N_("Documented processes: Markdown files recorded as revisions in the registry."),
    )


@hookimpl
def ark_register_checks(register: Callable[[Check], None]) -> None:
    from ark_processes.checks import CHECKS

    for check in CHECKS:
        register(check)


@hookimpl
def ark_task_changed(registry: Registry, change: TaskChange) -> None:
    """A task moved to done goes into its responsibility's process log."""
    from ark.vocabulary import TaskStatus

    if change.action != "status" or change.status != TaskStatus.DONE:
        return
    registry.log_completion(
        change.responsibility, change.key, change.at.date(), change.by, change.note
    )


@hookimpl
def ark_init_workspace(directory: Path, template: str, lang: str) -> None:
    from ark_processes.starters import write_starters

    written = write_starters(directory / "processes", template, lang)
    if written:
        folder = directory / "processes"
        click.echo(
            tr(
                Nn_(
                    "wrote {count} starter process to {path}",
                    "wrote {count} starter processes to {path}",
                ),
                count=len(written),
                path=folder,
            )
        )


@hookimpl
def ark_check_workspace(registry: Registry, directory: Path) -> None:
    """The workspace's process files count in `ark check --file`, as once recorded."""
    from ark_processes.document import read

    folder = directory / "processes"
    if folder.is_dir() and any(folder.rglob("*.md")):
        registry.record_processes([f.draft for f in read([folder], registry)])


@hookimpl(tryfirst=True)
def ark_demo(context: DemoContext) -> None:
    """Record the workspace's processes before other parts (the playbook) read them."""
    from ark.registry.writer import transaction
    from ark_processes.pages import labels
    from ark_processes.starters import record_folder

    folder = context.workspace / "processes"
    if folder.is_dir():
        with transaction(context.engine, write=False) as registry:
            message = labels(registry.strategy().lang)["starters"]
        changed, total = record_folder(context.engine, folder, message)
        context.report(
            N_("processes:"),
            tr(
                Nn_(
                    "{total} documented ({count} new revision)",
                    "{total} documented ({count} new revisions)",
                ),
                total=total,
                count=changed,
            ),
        )


@hookimpl
def ark_playbook_pages(registry: Registry, lang: str, register: Callable[[str, str], None]) -> None:
    from ark_processes.pages import pages

    for path, text in pages(registry, lang).items():
        register(path, text)
