"""`ark worker`, `ark jobs`, `ark jobs run NAME` and `ark digest EMAIL`."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ark.clihelpers import (
    ArkCommand,
    ArkSubgroup,
    db_option,
    engine_for,
    json_option,
    print_json,
    registry,
    speak_strategy,
)
from ark.errors import ERROR, ArkError
from ark.i18n import N_, say, tr
from ark.jobs import model
from ark.jobs.model import WATCH_SECONDS
from ark.params import Number

if TYPE_CHECKING:
    from ark.jobs.runner import Runner


def _runner(db_url: str | None, role: str) -> Runner:
    from ark.jobs.runner import Runner
    from ark.locks import whoami
    from ark.plugins import hooks

    return Runner(engine_for(db_url), hooks(), holder=whoami(role))


@click.command(
    cls=ArkCommand,
    help=N_(
        "Run the background jobs (planning, Jira sync, playbook, reminders) until "
        "stopped.\n\n"
        "Run as many as you like against one PostgreSQL registry: each job runs in one of"
        " them at a time, and a job cut short by a dying worker is run again by another."
    ),
)
@click.option(
    "--watch",
    default=WATCH_SECONDS,
    show_default=True,
    type=Number(0.1, 3600),
    help=N_("Seconds between looks for registry changes (one small query each)."),
)
@db_option
def worker(watch: float, db_url: str | None) -> None:
    import logging
    import signal
    import threading

    from ark.jobs.scheduler import Scheduler

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    runner = _runner(db_url, "ark worker")
    stop = threading.Event()
    for number in (signal.SIGTERM, signal.SIGINT):
        signal.signal(number, lambda *_: stop.set())
    scheduler = Scheduler(runner, watch_seconds=watch)
    scheduler.start()
    click.echo(
        tr(
            N_("{holder}: running {jobs}"),
            holder=runner.holder,
            jobs=", ".join(sorted(runner.jobs())),
        ),
        err=True,
    )
    try:
        stop.wait()
    finally:
        scheduler.shutdown()


@click.group(
    cls=ArkSubgroup,
    invoke_without_command=True,
    help=N_(
        "List the background jobs: last run, result and next run (in the strategy's time zone)."
    ),
)
@db_option
@json_option
@click.pass_context
def jobs(ctx: click.Context, db_url: str | None, as_json: bool) -> None:
    if ctx.invoked_subcommand is not None:
        return
    rows = _runner(db_url, "ark jobs").listing()
    speak_strategy(db_url)
    if as_json:
        print_json(rows)
        return
    for row in rows:
        last = tr(N_("last: {moment}"), moment=moment(row["last_run"]) or tr(N_("never")))
        outcome = f"{tr(ERROR)} {row['error']}" if row["error"] else row["result"] or "-"
        after = (
            N_("next: {moment} (and after changes)") if row["on_change"] else N_("next: {moment}")
        )
        click.echo(
            f"{row['name']:<12} {last:<36} {tr(after, moment=moment(row['next_run']) or '-')}"
        )
        click.echo(f"{'':<12} {outcome}")


def moment(iso: str | None) -> str | None:
    """A time of the listing (ISO 8601, in the strategy's time zone) as the command's
    language writes it: `30 nov 2026, 8:00`."""
    when = model.moment(iso)
    return None if when is None else say(when)


@jobs.command("run", help=N_("Run job NAME now (after the run in progress elsewhere, if any)."))
@click.argument("name")
@click.option(
    "--no-wait", is_flag=True, help=N_("Give up at once if the job is running elsewhere.")
)
@db_option
def jobs_run(name: str, no_wait: bool, db_url: str | None) -> None:
    runner = _runner(db_url, "ark jobs run")
    speak_strategy(db_url)

    def waiting(holder: str) -> None:
        click.echo(
            tr(
                N_("{name} is running in {holder}; waiting for it to finish"),
                name=name,
                holder=holder,
            ),
            err=True,
        )

    outcome = runner.run(name, wait=not no_wait, waiting=waiting)
    if outcome is None:
        raise ArkError(
            N_("{name} is running in another process"),
            hint=N_("run again without --no-wait to wait for it"),
            args={"name": name},
        )
    if outcome.state.error:
        raise ArkError(
            N_("{name} failed: {error}"),
            hint=N_("`ark jobs` shows when it is retried"),
            args={"name": name, "error": outcome.state.error},
        )
    click.echo(f"{name}: {outcome.state.result}")


@click.command(cls=ArkCommand, help=N_("Turn EMAIL's weekly digest of tasks on or off."))
@click.argument("email")
@click.option("--on/--off", "on", required=True, help=N_("Receive the weekly digest, or not."))
@db_option
def digest(email: str, on: bool, db_url: str | None) -> None:
    from ark.jobs.core import set_digest

    with registry(db_url) as reg:
        set_digest(reg, email, on)
    done = N_("weekly digest on for {email}") if on else N_("weekly digest off for {email}")
    click.echo(tr(done, email=email.lower()))
