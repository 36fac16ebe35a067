"""The hooks a plugin can implement.

Hooks that contribute things take a `register` callback instead of returning values, so a
plugin can contribute several; they are called each time their registrations are needed, so
a plugin registered late (a test's) is seen too. Event hooks run inside the registry's transaction: a plugin's writes
through `registry` commit or roll back with the change that caused them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from pathlib import Path

    from ark.checks import Check
    from ark.clihelpers import ArkGroup
    from ark.demo import DemoContext
    from ark.jobs.model import Job
    from ark.notify import Message
    from ark.registry.events import AssignmentChange, ProcessChange, TaskChange
    from ark.registry.writer import Registry
    from ark.spec import SectionSchema
    from ark.templates import Template

hookspec = pluggy.HookspecMarker("ark")
hookimpl = pluggy.HookimplMarker("ark")


@hookspec(historic=True)
def ark_register_commands(cli: ArkGroup) -> None:
    """Add commands (or groups) to the `ark` command line.

    :param cli: the top-level click group. Prefer
        `cli.add_lazy_command(NAME, "module:command", SHORT_HELP)`: the module is imported
        only when that command runs, so `ark --help` and the other commands stay fast
        (SHORT_HELP marked with `N_`, as the command's help, to be shown translated).
        `cli.add_command(...)` and `@cli.command()` work too. Either way, import heavy
        libraries inside the command, not at module level. Historic: a plugin registered
        after the commands were gathered is called at once on registration.
    """


@hookspec
def ark_register_templates(register: Callable[[Template], None]) -> None:
    """Offer starter templates for `ark init --template NAME`.

    :param register: call with an `ark.templates.Template` for each template.
    """


@hookspec
def ark_register_sections(register: Callable[[SectionSchema], None]) -> None:
    """Own a top-level section of the team file (as the Jira plugin owns `jira:`).

    :param register: call with an `ark.spec.SectionSchema`: the key, its JSON Schema and a
        description. The file is validated against it (errors say file:line:column), the
        registry stores the section on `ark apply` and `ark export` writes it back.
    """


@hookspec
def ark_register_checks(register: Callable[[Check], None]) -> None:
    """Add checks to `ark check`.

    :param register: call with an `ark.checks.Check`: a name and a function that takes a
        `Registry` and yields `Finding`s.
    """


@hookspec
def ark_assignment_changed(registry: Registry, change: AssignmentChange) -> None:
    """An assignment was added, changed (hours) or ended.

    :param registry: the registry, inside the transaction making the change.
    :param change: what changed: action, responsibility slug, contributor e-mail, role, hours.
    """


@hookspec
def ark_task_changed(registry: Registry, change: TaskChange) -> None:
    """A task was planned, reassigned, or moved to another status (in Ark or pulled back).

    :param registry: the registry, inside the transaction making the change.
    :param change: the task key, its responsibility, new status, assignee and who did it.
    """


@hookspec
def ark_process_changed(registry: Registry, change: ProcessChange) -> None:
    """A process was recorded (a new revision), reviewed, logged a completed task, or archived.

    :param registry: the registry, inside the transaction making the change.
    :param change: the action (`recorded`, `reviewed`, `logged` or `archived`), the process slug, its
        responsibility, its current revision number and who made the change.
    """


@hookspec
def ark_init_workspace(directory: Path, template: str, lang: str) -> None:
    """Add starter files to a new workspace, after `ark init` (or `ark demo`) wrote its ark.yaml.

    :param directory: the workspace folder holding the new `ark.yaml`.
    :param template: the name of the template it was made from (`ark`).
    :param lang: the workspace's language (`en` or `es`). Leave existing files as they are.
    """


@hookspec
def ark_check_workspace(registry: Registry, directory: Path) -> None:
    """Load what a workspace's own files add to its team, for `ark check --file`.

    :param registry: a throwaway registry the team file was just applied to.
    :param directory: the folder holding the team file.
    """


@hookspec
def ark_demo(context: DemoContext) -> None:
    """Add a part to `ark demo`, after the team is applied and its tasks planned; the demo
    runs the checks last, so what a part adds (documented processes, say) counts.

    :param context: the demo's workspace, database engine and an `echo` for its summary.
    """


@hookspec
def ark_playbook_pages(registry: Registry, lang: str, register: Callable[[str, str], None]) -> None:
    """Contribute pages to the published playbook.

    :param registry: the registry, read-only.
    :param lang: the playbook's language (`en`, `es` or `it`) for headings and labels.
    :param register: call with a relative path (`jira/board.md`) and its Markdown text, which
        may start with YAML front matter (`title`, `tags`); the playbook sanitises it.
    """


@hookspec
def ark_register_jobs(register: Callable[[Job], None]) -> None:
    """Add background jobs, run by `ark worker` (and listed by `ark jobs`).

    :param register: call with an `ark.jobs.model.Job`: a name, a description, a function
        that takes an `ark.jobs.model.JobContext` and returns a one-line result, and a
        `Schedule` (every so often, weekly or daily at a local hour, after registry changes).
    """


@hookspec
def ark_notify(message: Message) -> None:
    """Deliver a message (a reminder, a digest, a failing job) through another channel.

    Called once per message and person, beside the e-mail of the `notify:` section; a message
    already delivered for the same event is not passed again. Raise to have the job that sent
    it retried later.

    :param message: an `ark.notify.Message`: the event it is about, the recipient's e-mail,
        a subject and a plain-text body.
    """


@hookspec
def ark_issue_links(registry: Registry, register: Callable[[str, str], None]) -> None:
    """Say where the issues that carry tasks in another system are shown, so the web
    workspace links a task's key there.

    :param registry: the registry, read-only; asked once per page, not once per task.
    :param register: call with the system's name (as the plugin links tasks to it, `jira`)
        and a URL with `{key}` where the issue's key goes; nothing while none is set up.
    """


def hook_names() -> list[str]:
    """Every hook specified here, for the documentation test."""
    return sorted(
        name for name, value in globals().items() if name.startswith("ark_") and callable(value)
    )
