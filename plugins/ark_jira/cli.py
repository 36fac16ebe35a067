"""`ark jira check` and `ark jira sync`."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

import click

from ark.clihelpers import ArkSubgroup, db_option, engine_for, json_option, print_json
from ark.errors import FIX, ArkError
from ark.i18n import N_, Nn_, speak, tr

if TYPE_CHECKING:
    from ark.registry.results import MirroredTask
    from ark.registry.writer import Registry
    from ark_jira.board import Board
    from ark_jira.config import JiraConfig
    from ark_jira.sync import Transaction


@click.group(
    cls=ArkSubgroup,
    help=N_("Populate the team's Jira board with Ark's tasks, and pull their status back."),
)
def jira() -> None:
    pass


def setup(engine: Any) -> tuple[JiraConfig, Board, Transaction]:
    """The section, the board and a transaction factory; credentials checked first. The
    command speaks the strategy's language from here on."""
    from ark.plugins import hooks
    from ark.registry.writer import transaction
    from ark_jira.board import Board
    from ark_jira.config import Credentials, JiraConfig, stored_section
    from ark_jira.transport import JiraApi

    def tx() -> AbstractContextManager[Registry]:
        return transaction(engine, hooks=hooks())

    with tx() as registry:
        speak(registry.strategy().lang)  # from here on, a missing section too
        config = JiraConfig.from_section(stored_section(registry))
    api = JiraApi(config, Credentials.from_env())
    return config, Board(api), tx


@contextmanager
def _progress(total: int, enabled: bool) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr when a person is watching; nothing otherwise."""
    if not enabled or total == 0 or not sys.stderr.isatty():
        yield lambda n: None
        return
    from rich.console import Console
    from rich.progress import Progress

    with Progress(console=Console(stderr=True), transient=True) as bar:
        job = bar.add_task("syncing", total=total)
        yield lambda n: bar.advance(job, n)


@contextmanager
def _errors_as_json(as_json: bool) -> Iterator[None]:
    """With --json, a fatal error is also a JSON object on stdout, where machines read."""
    try:
        yield
    except ArkError as exc:
        if as_json:
            problems = getattr(exc, "problems", [])
            error = {"message": exc.message, "hint": exc.hint, "exit_code": exc.exit_code}
            print_json({"error": error | {"problems": [p.__dict__ for p in problems]}})
        raise


@jira.command(
    "check", help=N_("Validate the Jira set-up before anything is written; every problem at once.")
)
@db_option
@json_option
def jira_check(db_url: str | None, as_json: bool) -> None:
    from ark_jira.preflight import PROBLEM, preflight
    from ark_jira.users import remembered

    with _errors_as_json(as_json):
        config, board, tx = setup(engine_for(db_url, create=False))
        tasks, departments = tasks_to_mirror(tx)
        with tx() as registry:
            users = remembered(registry, config.server)
        problems = preflight(board, tasks, departments, users)
    if as_json:
        print_json(
            {
                "problems": [p.__dict__ for p in problems],
                "server": config.server,
                "deployment": board.api.server_info.get("deploymentType"),
            }
        )
    else:
        for p in problems:
            click.echo(f"{tr(PROBLEM)} {p.what}\n    {tr(FIX)} {p.fix}")
        kind = board.api.server_info.get("deploymentType") or tr(N_("unknown"))
        click.echo(
            tr(
                Nn_(
                    "{count} problem with Jira {kind} at {server}, project {project}",
                    "{count} problems with Jira {kind} at {server}, project {project}",
                ),
                count=len(problems),
                kind=kind,
                server=config.server,
                project=config.project,
            )
        )
    if problems:
        sys.exit(1)


def tasks_to_mirror(tx: Transaction) -> tuple[Sequence[MirroredTask], list[str]]:
    """The tasks to mirror, and the departments (by name) their issues need."""
    from ark_jira.sync import load_tasks

    with tx() as registry:
        tasks = load_tasks(registry)
    return tasks, sorted({t.department_name for t in tasks if t.department_name})


def sync_lock(
    engine: Any, role: str, waiting: Callable[[str], None] | None = None
) -> AbstractContextManager[bool]:
    """One sync at a time per registry, whether a person or a background job runs it."""
    from ark.locks import named_lock, whoami

    return named_lock(engine, "jira-sync", whoami(role), waiting=waiting)


def _say_who_syncs(holder: str) -> None:
    click.echo(
        tr(N_("another sync is running ({holder}); waiting for it to finish"), holder=holder),
        err=True,
    )


@jira.command(
    "sync", help=N_("Create and update the board's issues from Ark's tasks; pull statuses back.")
)
@click.option(
    "--dry-run", is_flag=True, help=N_("Print the changes; write nothing to Jira or Ark.")
)
@db_option
@json_option
def jira_sync(dry_run: bool, db_url: str | None, as_json: bool) -> None:
    from ark_jira.preflight import check_before_writing
    from ark_jira.sync import Syncer

    with _errors_as_json(as_json), ExitStack() as held:
        engine = engine_for(db_url)
        config, board, tx = setup(engine)
        if not dry_run:
            held.enter_context(sync_lock(engine, "ark jira sync", _say_who_syncs))
        board.api.connect()
        check_before_writing(board, tx, tasks_to_mirror(tx)[1], save=not dry_run)
        syncer = Syncer(config, board, tx, dry_run=dry_run)
        if not dry_run:
            syncer.reconcile()
        changeset = syncer.changeset()
        if dry_run:
            if as_json:
                print_json({"dry_run": True, **changeset.as_json()})
                return
            for line in changeset.lines():
                click.echo(line)
            counts = changeset.counts()
            click.echo(
                tr(
                    N_(
                        "plan: create {create}, adopt {adopt}, update {update}, transition "
                        "{transition}, pull {pull}, unchanged {unchanged}, conflicts {conflicts}"
                    ),
                    **counts,
                )
            )
            return
        counts = changeset.counts()
        total = counts["create"] + counts["update"] + counts["transition"] + counts["pull"]
        with _progress(total, not as_json) as advance:
            syncer.progress = advance
            summary = syncer.run(changeset)
    if as_json:
        print_json(
            {
                "dry_run": False,
                "summary": summary.as_json(),
                "plan": changeset.counts(),
                "problems": changeset.problems,
            }
        )
    else:
        for line in changeset.lines():
            if line.startswith(("    !", "?")):
                click.echo(line)
        click.echo(
            tr(
                N_(
                    "created {created}, adopted {adopted}, updated {updated}, transitioned "
                    "{transitioned}, pulled back {pulled}, unchanged {unchanged}, failed {failed} "
                    "({requests} requests)"
                ),
                created=summary.created,
                adopted=summary.adopted,
                updated=summary.updated,
                transitioned=summary.transitioned,
                pulled=summary.pulled,
                unchanged=summary.unchanged,
                failed=len(summary.failed),
                requests=summary.requests,
            )
        )
        for note in summary.notes:
            click.echo(f"{tr(NOTE)} {note}")
        for failure in summary.failed:
            click.echo(f"{tr(FAILED)} {failure}", err=True)
    if summary.failed:
        raise ArkError(
            Nn_("{count} task could not be synced", "{count} tasks could not be synced"),
            hint=N_("fix the reasons above and run `ark jira sync` again"),
            args={"count": len(summary.failed)},
        )


FAILED = N_("failed:")
NOTE = N_("note:")
